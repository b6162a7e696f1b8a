"""The workout pages: history and the start form, the live page's forms and buttons, ownership."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from templates_app.serializers import TemplateInputSerializer
from templates_app.services import template_create
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts import services, sync
from workouts.models import Workout, WorkoutSet

pytestmark = pytest.mark.django_db

HISTORY = "/workouts/"


@pytest.fixture
def squat():
    return ExerciseFactory(name="Squat", muscles=["quadriceps"], gear=["barbell"])


@pytest.fixture
def member(client):
    member = UserFactory(email_verified=True, username="me")
    client.force_login(member)
    return member


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def planned(owner, exercise, name="Leg day") -> Workout:
    workout, _ = services.workout_create(
        owner=owner, name=name, exercises=[{"exercise_id": exercise.public_id}]
    )
    return workout


def completed(owner, exercise, name="Old session") -> Workout:
    now = timezone.now()
    workout, _ = services.workout_create(
        owner=owner,
        name=name,
        status=Workout.Status.COMPLETED,
        started_at=now - timezone.timedelta(hours=1),
        completed_at=now,
        exercises=[{"exercise_id": exercise.public_id, "sets": [{"reps": 5, "weight_kg": 80}]}],
    )
    return workout


def make_program(owner, exercise, name="Strong Start", visibility="private"):
    document = {
        "name": name,
        "visibility": visibility,
        "days_per_week": 1,
        "days": [
            {
                "name": "Legs",
                "exercises": [
                    {
                        "exercise_id": str(exercise.public_id),
                        "sets": [{"reps_min": 5, "reps_max": 5, "weight_kg": 60}],
                    }
                ],
            }
        ],
    }
    data = TemplateInputSerializer(data=document)
    assert data.is_valid(), data.errors
    return template_create(owner=owner, document=data.validated_data)


def page(workout) -> str:
    return f"/workouts/{workout.public_id}"


def log(client, workout, set_index, reps=5, weight="100", rpe="", exercise_index=0):
    body = {"exercise_index": exercise_index, "set_index": set_index, "reps": reps, "weight_kg": weight}
    return client.post(f"{page(workout)}/set", {**body, "rpe": rpe})


# --- History -------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(HISTORY)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login")


def test_history_lists_only_my_workouts_newest_first(client, member, squat):
    completed(member, squat, name="First")
    planned(member, squat, name="Second")
    completed(UserFactory(), squat, name="Not mine")
    body = client.get(HISTORY).content.decode()
    assert body.index("Second") < body.index("First")
    assert "Not mine" not in body
    assert "Start a workout" in body


def test_history_runs_a_fixed_number_of_queries(client, member, squat):
    for n in range(3):
        completed(member, squat, name=f"Session {n}")
    with CaptureQueriesContext(connection) as few:
        assert client.get(HISTORY).status_code == 200
    for n in range(3, 15):
        completed(member, squat, name=f"Session {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(HISTORY)
    assert response.content.decode().count('class="badge workout-status') == 15
    assert len(many) == len(few), "a query runs per workout row: select_related what the row shows"


def test_history_is_paginated_by_twenty(client, member, squat):
    for n in range(21):
        completed(member, squat, name=f"Session {n}")
    body = client.get(HISTORY).content.decode()
    assert body.count('class="badge workout-status') == 20
    assert "Page 1 of 2" in body


def test_start_from_a_program_day_creates_starts_and_redirects(client, member, squat):
    program = make_program(member, squat)
    form = client.get(HISTORY).content.decode()
    choice = f"{program.public_id}:0"
    assert f'value="{choice}"' in form
    response = client.post(HISTORY, {"program_day": choice, "name": ""})
    workout = Workout.objects.get(owner=member)
    assert response.status_code == 302
    assert response["Location"] == page(workout)
    assert (workout.status, workout.template_id, workout.name) == ("in_progress", program.pk, "Strong Start")
    assert WorkoutSet.objects.filter(workout=workout, reps=5).count() == 1


def test_start_an_empty_workout_needs_a_name(client, member):
    response = client.post(HISTORY, {"program_day": "", "name": ""})
    assert response.status_code == 400
    assert "Name the workout" in response.content.decode()
    assert client.post(HISTORY, {"name": "Quick one"}).status_code == 302
    assert Workout.objects.get(owner=member).status == "in_progress"


def test_start_refuses_a_program_i_cannot_see(client, member, squat):
    stranger = UserFactory()
    hidden = make_program(stranger, squat, name="Secret")
    response = client.post(HISTORY, {"program_day": f"{hidden.public_id}:0"})
    assert response.status_code == 400  # not a choice of the form
    assert not Workout.objects.filter(owner=member).exists()


def test_a_second_running_workout_is_refused_with_a_message(client, member, squat):
    services.workout_start(workout=planned(member, squat))
    response = client.post(HISTORY, {"name": "Another"})
    assert response.status_code == 409
    assert "Another workout is running" in response.content.decode()
    assert Workout.objects.filter(owner=member).count() == 1, "the refused workout must not be kept"


# --- One workout ---------------------------------------------------------------------------------


def test_live_page_shows_set_forms_and_buttons(client, member, squat):
    workout = planned(member, squat)
    response = client.get(page(workout))
    body = response.content.decode()
    assert response.status_code == 200
    assert f'action="/workouts/{workout.public_id}/set"' in body
    assert 'name="weight_kg"' in body
    assert 'name="rpe"' in body
    assert f"/workouts/{workout.public_id}/start" in body
    assert f'data-live-socket="/ws/workouts/{workout.public_id}/"' in body
    assert "js/live-workout.js" in body
    assert client.get(f"{page(workout)}/").status_code == 200


def test_logging_sets_stores_them_and_announces_a_personal_record(client, member, squat):
    workout = planned(member, squat)
    first = log(client, workout, 0, reps=5, weight="100", rpe="8")
    assert first.status_code == 302
    assert first["Location"] == f"{page(workout)}#exercise-1"
    stored = WorkoutSet.objects.get(workout=workout, index=0)
    assert (stored.reps, stored.weight_kg, str(stored.rpe)) == (5, 100, "8.0")
    workout.refresh_from_db()
    assert workout.status == "in_progress", "the first logged set starts a planned workout"

    second = log(client, workout, 1, reps=5, weight="110")
    messages = texts(second)
    assert any("set 2: 5 \N{MULTIPLICATION SIGN} 110 kg logged" in text for text in messages)
    assert any(text.startswith("New personal record!") and "110" in text for text in messages)
    assert "PR:" in client.get(page(workout)).content.decode()


def test_an_invalid_set_is_refused_with_a_message(client, member, squat):
    workout = planned(member, squat)
    response = log(client, workout, 0, reps="", weight="-5")
    assert response.status_code == 400
    assert "The set was not logged" in response.content.decode()
    assert not WorkoutSet.objects.filter(workout=workout).exists()


def test_a_set_index_gap_is_a_conflict_not_an_error(client, member, squat):
    workout = planned(member, squat)
    response = log(client, workout, 3)
    assert response.status_code == 409
    assert "Log set 0 next" in response.content.decode()


def test_state_buttons_start_pause_resume_and_complete(client, member, squat):
    workout = planned(member, squat)
    for action, status in [
        ("start", "in_progress"),
        ("pause", "paused"),
        ("resume", "in_progress"),
        ("complete", "completed"),
    ]:
        response = client.post(f"{page(workout)}/{action}")
        assert response.status_code == 302, action
        workout.refresh_from_db()
        assert workout.status == status
    summary = client.get(page(workout)).content.decode()
    assert "Summary" in summary
    assert 'name="weight_kg"' not in summary
    assert "live-workout.js" not in summary


def test_completing_a_planned_workout_shows_the_reason(client, member, squat):
    workout = planned(member, squat)
    response = client.post(f"{page(workout)}/complete")
    assert response.status_code == 409
    assert re.search(r"planned workout cannot be completed", response.content.decode())
    workout.refresh_from_db()
    assert workout.status == "planned"


def test_buttons_need_a_post(client, member, squat):
    workout = planned(member, squat)
    assert client.get(f"{page(workout)}/start").status_code == 405


def test_rest_timer_shows_the_server_end_time(client, member, squat):
    workout = planned(member, squat)
    assert client.post(f"{page(workout)}/rest", {"seconds": 90}).status_code == 409
    services.workout_start(workout=workout)
    response = client.post(f"{page(workout)}/rest", {"seconds": 90})
    assert response.status_code == 302
    workout.refresh_from_db()
    assert workout.rest_ends_at is not None
    body = client.get(page(workout)).content.decode()
    assert "data-rest-ends=" in body
    assert "Rest until <time datetime=" in body
    assert timezone.localtime(workout.rest_ends_at).strftime("%H:%M:%S") in body
    assert client.post(f"{page(workout)}/rest", {"seconds": 2}).status_code == 400


def test_completed_workout_shows_its_summary_and_records(client, member, squat):
    workout = completed(member, squat)
    body = client.get(page(workout)).content.decode()
    assert "Summary" in body
    assert "400 kg" in body  # 5 reps at 80 kg
    assert "Personal records" in body


def test_another_users_workout_is_not_found(client, member, squat):
    theirs = planned(UserFactory(), squat)
    assert client.get(page(theirs)).status_code == 404
    assert log(client, theirs, 0).status_code == 404
    assert client.post(f"{page(theirs)}/start").status_code == 404
    assert client.post(f"{page(theirs)}/rest", {"seconds": 60}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "planned"


def test_anonymous_visitors_cannot_log_sets(client, squat):
    workout = planned(UserFactory(), squat)
    response = log(client, workout, 0)
    assert response.status_code == 302
    assert not WorkoutSet.objects.filter(workout=workout).exists()


def test_nav_links_to_workouts(client, member):
    assert 'href="/workouts/" aria-current="page">Workouts' in client.get(HISTORY).content.decode()


def test_the_live_script_refreshes_on_every_event_type_the_services_emit():
    """An event the script ignores is a change (a sync merge, a share) the open page never shows."""
    sources = "".join(Path(module.__file__).read_text() for module in (services, sync))
    emitted = {
        kind
        for pair in re.findall(r'_emit\(\s*workout,\s*(?:"(\w+)" if \w+ else )?"(\w+)"', sources)
        for kind in pair
        if kind
    }
    script = (settings.BASE_DIR / "static" / "js" / "live-workout.js").read_text()
    listed = set(re.findall(r'"(\w+)"', re.search(r"var EVENTS = \[(.*?)\];", script, re.S).group(1)))
    assert {"set_logged", "set_updated", "workout_updated", "workout_shared"} <= emitted
    assert emitted <= listed
