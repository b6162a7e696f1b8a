"""Redis stopped mid-run: the API keeps answering, readiness says so, and all recovers when it is back.

A real Daphne uses a throwaway `redis-server` of its own for the cache, the channel layer and the
Celery broker (no worker: queued tasks wait in Redis). The same reads and writes run three times:
with Redis up, with Redis stopped (cache misses, throttles failing open, leaderboards from the
database, broadcasts dropped: never a 500) and after Redis restarts on the same port (readiness
200 again, the leaderboard back on Redis, cache hits counted on `/metrics` again).
"""

import re
import shutil
import time
from collections.abc import Iterator

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command

from accounts.models import User
from exercises.models import Exercise
from templates_app.models import WorkoutTemplate
from tests.e2e.conftest import Process, http, start_daphne

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "redis-down-password-2026"


@pytest.fixture
def member() -> User:
    """A seeded member (friends, programs, workouts, posts) whose password the server can check."""
    call_command("seed_demo", users=6, weeks=2, seed=7, verbosity=0)
    user = User.objects.filter(email__startswith="demo-user-").order_by("pk").first()
    # The suite hashes with MD5, which the server does not accept; few iterations keep login fast.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def stack(stack_env, redis_server, tmp_path) -> Iterator[dict]:
    """Daphne on its own Redis; `restart()` starts a new redis-server on the same port."""
    redis, url = redis_server
    env = {**stack_env, "REDIS_URL": url, "CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url}
    daphne, base_url = start_daphne(env, tmp_path, name="daphne-redis-down")
    restarted: list[Process] = []

    def restart() -> None:
        port = url.rsplit(":", 1)[1].split("/")[0]
        process = Process(
            f"redis-again-{len(restarted)}",
            [
                shutil.which("redis-server"),
                "--port",
                port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            {"PATH": stack_env["PATH"]},
            tmp_path,
        )
        restarted.append(process)
        process.wait_until(lambda: "Ready to accept connections" in process.log(), timeout=20)

    try:
        yield {"url": base_url, "redis": redis, "restart": restart, "daphne": daphne}
    finally:
        daphne.stop()
        for process in restarted:
            process.stop()


def metric(base_url: str, sample: str) -> float:
    status, text, _ = http("GET", base_url + "/metrics")
    assert status == 200
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def exercise_round(base_url: str, member: User) -> dict[str, tuple[int, object]]:
    """A client's session, from logging in (a throttled endpoint) on; each answer as (status, body)."""
    api = base_url + "/api/v1"
    auth: dict[str, str] = {}
    program = WorkoutTemplate.objects.filter(owner=member).first()
    exercise = Exercise.objects.filter(status="approved").order_by("pk").first()
    seen: dict[str, tuple[int, object]] = {}

    def call(name: str, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        status, payload, _ = http(method, api + path, body, headers if headers is not None else auth)
        seen[name] = (status, payload)
        return status, payload

    status, body = call(
        "login", "POST", "/auth/login", {"email": member.email, "password": PASSWORD}, headers={}
    )
    if status == 200:
        auth["Authorization"] = f"Bearer {body['access']}"
    call("exercises", "GET", "/exercises")
    call("exercises again", "GET", "/exercises")
    call("search", "GET", "/exercises/search?q=squat")
    call("program", "GET", f"/templates/{program.public_id}")
    status, created = call(
        "create workout",
        "POST",
        "/workouts",
        {"name": "Outage day", "exercises": [{"exercise_id": str(exercise.public_id)}]},
    )
    if status == 201:
        workout = created["id"]
        call("start workout", "POST", f"/workouts/{workout}/start", {})
        call(
            "log set", "PUT", f"/workouts/{workout}/set/0", {"exercise_index": 0, "reps": 5, "weight_kg": 60}
        )
        call("complete workout", "POST", f"/workouts/{workout}/complete", {})
    call("feed", "GET", "/community/feed")
    call("analytics", "GET", "/analytics/overview")
    call("leaderboard", "GET", "/community/leaderboard?metric=volume&period=all")
    return seen


def wait_for_backend(base_url: str, token: str, wanted: str, within: float) -> str:
    """The leaderboard's backend, asked until it is `wanted` or `within` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        status, body, _ = http(
            "GET",
            base_url + "/api/v1/community/leaderboard?metric=volume&period=all",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert status == 200, body
        if body["backend"] == wanted or time.monotonic() > deadline:
            return body["backend"]
        time.sleep(0.25)


def assert_all_answered(seen: dict[str, tuple[int, object]]) -> None:
    expected = {
        "login": 200,
        "exercises": 200,
        "exercises again": 200,
        "search": 200,
        "program": 200,
        "create workout": 201,
        "start workout": 200,
        "log set": 200,
        "complete workout": 200,
        "feed": 200,
        "analytics": 200,
        "leaderboard": 200,
    }
    statuses = {name: status for name, (status, _) in seen.items()}
    assert statuses == expected, {
        name: seen[name] for name in statuses if statuses[name] != expected.get(name)
    }


def test_the_api_answers_while_redis_is_down_and_recovers_when_it_is_back(stack, member):
    base_url = stack["url"]

    # Redis up: everything answers, readiness is 200, the leaderboard is a Redis sorted set.
    assert http("GET", base_url + "/health/ready")[0] == 200
    up = exercise_round(base_url, member)
    assert_all_answered(up)
    assert up["leaderboard"][1]["backend"] == "redis"

    # Redis stopped mid-run: the same session still answers, from the database.
    stack["redis"].stop()
    errors_before = metric(base_url, 'fitai_cache_requests_total{result="error"}')
    down = exercise_round(base_url, member)
    assert_all_answered(down)
    assert down["leaderboard"][1]["backend"] == "database"
    # The same standings: both backends answer alike (no worker ran, so the aggregates did not move).
    assert down["leaderboard"][1]["entries"] == up["leaderboard"][1]["entries"]
    assert metric(base_url, 'fitai_cache_requests_total{result="error"}') > errors_before
    status, body, _ = http("GET", base_url + "/health/ready")
    assert status == 503, body
    assert {"cache", "channel_layer", "broker"} <= set(body["failing"]), body
    assert body["checks"]["database"] == {"ok": True}
    assert http("GET", base_url + "/health/live")[0] == 200

    # Redis back on the same port: readiness recovers, caching resumes, the board is on Redis again.
    stack["restart"]()
    status, body, _ = http("GET", base_url + "/health/ready")
    assert status == 200, body
    hits_before = metric(base_url, 'fitai_cache_requests_total{result="hit"}')
    again = exercise_round(base_url, member)
    assert_all_answered(again)
    assert metric(base_url, 'fitai_cache_requests_total{result="hit"}') > hits_before
    # The leaderboard's breaker lets a probe through once its retry window (2 s by default) is over.
    assert wait_for_backend(base_url, again["login"][1]["access"], "redis", within=6) == "redis"
    # Not one API request failed on the server's side, in any of the three rounds.
    assert not re.findall(r'"[A-Z]+ /api/\S+" 5\d\d ', stack["daphne"].log())
