"""Set logging stays exact under concurrent requests, over real HTTP on PostgreSQL."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from tests.e2e.conftest import http
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts.models import Workout, WorkoutEvent, WorkoutExercise, WorkoutSet

pytestmark = pytest.mark.django_db(transaction=True)
REQUESTS = 30


def planned_workout(exercises: int) -> Workout:
    workout = Workout.objects.create(owner=UserFactory(), name="Everything at once")
    WorkoutExercise.objects.bulk_create(
        WorkoutExercise(workout=workout, index=index, exercise=ExerciseFactory())
        for index in range(exercises)
    )
    return workout


def put_set(live_url: str, workout: Workout, body: dict, set_index: int = 0) -> tuple[int, dict]:
    status, payload, _ = http(
        "PUT",
        f"{live_url}/api/v1/workouts/{workout.public_id}/set/{set_index}",
        {"reps": 5, "weight_kg": 100, **body},
        headers={"Authorization": f"Bearer {AccessToken.for_user(workout.owner)}"},
    )
    return status, payload


def event_seqs(workout: Workout) -> list[int]:
    return list(WorkoutEvent.objects.filter(workout=workout).values_list("seq", flat=True))


def test_thirty_concurrent_sets_of_one_exercise_all_land(live_url):
    """A device fires sets 0..29 at once; they arrive in any order and each lands at its index."""
    workout = planned_workout(1)
    client_ids = [str(uuid.uuid4()) for _ in range(REQUESTS)]

    def put(index: int) -> tuple[int, dict]:
        body = {"exercise_index": 0, "client_id": client_ids[index], "duration_s": index}
        return put_set(live_url, workout, body, set_index=index)

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        answers = list(pool.map(put, range(REQUESTS)))

    assert [status for status, _ in answers] == [200] * REQUESTS, answers
    assert [payload["set"]["index"] for _, payload in answers] == list(range(REQUESTS))
    sets = WorkoutSet.objects.filter(workout=workout).order_by("index")
    assert [(s.index, str(s.client_id), s.duration_s) for s in sets] == [
        (index, client_ids[index], index) for index in range(REQUESTS)
    ]
    assert all(s.completed_at is not None for s in sets)
    workout.refresh_from_db()
    assert workout.status == Workout.Status.IN_PROGRESS
    # One status_changed (the first set started it) and one set_logged per set, numbered without
    # gaps; equal sets beat no record.
    assert event_seqs(workout) == list(range(1, REQUESTS + 2))
    assert workout.last_seq == REQUESTS + 1
    kinds = list(WorkoutEvent.objects.filter(workout=workout).values_list("type", flat=True))
    assert (kinds.count("status_changed"), kinds.count("set_logged")) == (1, REQUESTS)


def test_thirty_concurrent_retries_of_one_set_leave_exactly_one(live_url):
    workout = planned_workout(1)
    body = {"exercise_index": 0, "client_id": str(uuid.uuid4())}
    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        answers = list(pool.map(lambda _: put_set(live_url, workout, body), range(REQUESTS)))

    assert [status for status, _ in answers] == [200] * REQUESTS, answers
    assert {payload["set"]["id"] for _, payload in answers} == {WorkoutSet.objects.get(workout=workout).pk}
    assert {payload["set"]["client_id"] for _, payload in answers} == {body["client_id"]}
    assert list(WorkoutEvent.objects.filter(workout=workout).values_list("seq", "type")) == [
        (1, "status_changed"),
        (2, "set_logged"),
    ]
