"""The progress dashboard in headless Chromium, over a real Daphne server and Celery worker.

Workouts go in through the API; the worker builds the aggregates from the `workout.changed`
event; the browser logs in and finds every chart drawn.
"""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from tests.e2e.conftest import http
from tests.exercises.factories import ExerciseFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-and-unusual-passphrase"


def _register(live_url: str, username: str) -> str:
    status, body, _ = http(
        "POST",
        live_url + "/api/v1/auth/register",
        {"email": f"{username}@example.com", "username": username, "password": PASSWORD},
    )
    assert status == 201, body
    return body["access"]


def _record_workouts(live_url: str, token: str, exercise_id: str, count: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    now = datetime.now(UTC)
    for week in range(count):
        start = now - timedelta(days=7 * week + 1)
        body = {
            "name": f"Week {week}",
            "status": "completed",
            "started_at": start.isoformat(),
            "completed_at": (start + timedelta(hours=1)).isoformat(),
            "exercises": [
                {"exercise_id": exercise_id, "sets": [{"reps": 5, "weight_kg": 100 - 2.5 * week}] * 3}
            ],
        }
        status, answer, _ = http("POST", live_url + "/api/v1/workouts", body, headers)
        assert status == 201, answer


def _wait_for_aggregates(live_url: str, token: str, workouts: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, body, _ = http("GET", live_url + "/api/v1/analytics/overview?period=all", None, headers)
        if body["totals"]["workouts"] == workouts:
            return
        time.sleep(0.2)
    pytest.fail(f"the worker did not build the aggregates: {body}")


def test_progress_page_draws_every_chart(page, live_url, celery_worker):
    username = f"pat_{uuid.uuid4().hex[:10]}"
    token = _register(live_url, username)
    lift = ExerciseFactory(name=f"Browser Squat {username}", muscles=["quadriceps"])
    connection.close()  # The server process must see the committed row; keep no session open.
    exercise = {"id": str(lift.public_id), "name": lift.name}
    _record_workouts(live_url, token, exercise["id"], count=4)
    for days_ago, weight in ((20, 82.4), (3, 81.6)):
        moment = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
        status, body, _ = http(
            "POST",
            live_url + "/api/v1/users/metrics",
            {"kind": "weight", "value": weight, "measured_at": moment},
            {"Authorization": f"Bearer {token}"},
        )
        assert status == 201, body
    _wait_for_aggregates(live_url, token, workouts=4)

    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(live_url + "/accounts/login?next=/progress/")
    page.get_by_label("E-mail or username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_url + "/progress/")

    assert page.locator("h1").inner_text() == "Your progress"
    assert page.locator(".progress-tiles dd").first.inner_text() == "4"
    bars = page.locator("#volume-chart svg.chart-bars rect.chart-bar")
    assert bars.count() >= 4, "one bar segment per trained week"
    assert page.locator("#frequency-chart svg.chart-heatmap rect.heat-1").count() == 4
    strength = page.locator(".strength-chart svg polyline.chart-line")
    assert strength.count() == 1
    assert exercise["name"] in page.locator(".strength-chart figcaption").first.inner_text()
    assert page.locator("#weight-chart svg polyline.chart-line").count() == 1
    box = page.locator("#volume-chart svg").bounding_box()
    assert box is not None
    assert box["width"] > 200, "the chart is laid out"
    assert errors == []
