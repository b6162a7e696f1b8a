"""Live workout sockets over a real Daphne and the Redis channel layer, with a real WebSocket client."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken
from websockets.sync.client import ClientConnection, connect

from tests.e2e.conftest import http
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts.models import Workout, WorkoutExercise

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workout() -> Workout:
    now = timezone.now()
    workout = Workout.objects.create(
        owner=UserFactory(),
        name="Squat day",
        status=Workout.Status.IN_PROGRESS,
        started_at=now,
        resumed_at=now,
    )
    WorkoutExercise.objects.create(workout=workout, index=0, exercise=ExerciseFactory(name="Back squat"))
    return workout


@contextmanager
def device(live_url: str, workout: Workout) -> Iterator[tuple[ClientConnection, dict]]:
    """A device's socket (token in the query string, as mobile clients send it) and its snapshot."""
    url = live_url.replace("http://", "ws://", 1)
    with connect(
        f"{url}/ws/workouts/{workout.public_id}/?token={AccessToken.for_user(workout.owner)}",
        origin=live_url,  # See test_a_client_that_sends_no_origin_header_may_connect.
        proxy=None,
        open_timeout=10,
    ) as socket:
        snapshot = json.loads(socket.recv(timeout=5))
        assert snapshot["type"] == "snapshot", snapshot
        yield socket, snapshot


def next_event(socket: ClientConnection, timeout: float = 2) -> dict:
    """The next numbered event, past any heartbeat."""
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(socket.recv(timeout=max(deadline - time.monotonic(), 0.01)))
        if frame["type"] != "heartbeat":
            return frame


def events_until_quiet(socket: ClientConnection, quiet: float = 0.7) -> list[dict]:
    frames = []
    while True:
        try:
            frames.append(next_event(socket, timeout=quiet))
        except TimeoutError:
            return frames


def log_set(live_url: str, workout: Workout, set_index: int, reps: int = 5, weight: float = 100) -> dict:
    status, body, _ = http(
        "PUT",
        f"{live_url}/api/v1/workouts/{workout.public_id}/set/{set_index}",
        {"exercise_index": 0, "reps": reps, "weight_kg": weight},
        headers={"Authorization": f"Bearer {AccessToken.for_user(workout.owner)}"},
    )
    assert status == 200, body
    return body


def test_a_set_logged_over_rest_reaches_both_devices_within_a_second(live_url, workout):
    with device(live_url, workout) as (phone, _), device(live_url, workout) as (watch, _):
        log_set(live_url, workout, 0)
        logged_at = time.monotonic()
        frames = [next_event(phone, timeout=1), next_event(watch, timeout=1)]
        elapsed = time.monotonic() - logged_at
    assert elapsed < 1
    for frame in frames:
        assert (frame["seq"], frame["type"]) == (1, "set_logged")
        assert (frame["data"]["index"], frame["data"]["reps"], frame["data"]["weight_kg"]) == (0, 5, "100.00")


def test_a_device_that_reconnects_gets_exactly_the_events_it_missed(live_url, workout):
    with device(live_url, workout) as (phone, _):
        with device(live_url, workout) as (watch, _):
            log_set(live_url, workout, 0)  # The first time this exercise is logged: a silent baseline.
            seen = next_event(watch)
            assert next_event(phone) == seen
            assert (seen["seq"], seen["type"]) == (1, "set_logged")

        log_set(live_url, workout, 1)
        pr_bodies = [
            log_set(live_url, workout, 2, weight=110),
            log_set(live_url, workout, 3, reps=6, weight=110),
        ]
        live = events_until_quiet(phone)

        with device(live_url, workout) as (watch, snapshot):
            watch.send(json.dumps({"type": "resume", "last_seq": seen["seq"]}))
            replayed = events_until_quiet(watch)

    assert all(body["personal_records"] for body in pr_bodies)
    assert [frame["seq"] for frame in replayed] == list(range(seen["seq"] + 1, snapshot["seq"] + 1))
    assert replayed == live
    assert [f["data"]["index"] for f in replayed if f["type"] == "set_logged"] == [1, 2, 3]
    kinds = [frame["type"] for frame in replayed]
    assert set(kinds) == {"set_logged", "personal_record"}
    assert kinds.count("personal_record") == sum(len(body["personal_records"]) for body in pr_bodies)
    assert kinds[kinds.index("personal_record") - 1] == "set_logged"  # A record follows its set.


def test_a_client_that_sends_no_origin_header_may_connect(live_url, workout):
    """Native apps send no Origin; only browsers do, and for them the header is checked."""
    url = live_url.replace("http://", "ws://", 1)
    token = AccessToken.for_user(workout.owner)
    with connect(f"{url}/ws/workouts/{workout.public_id}/?token={token}", proxy=None) as socket:
        assert json.loads(socket.recv(timeout=5))["type"] == "snapshot"
