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


def put_set(live_url: str, workout: Workout, body: dict) -> tuple[int, dict]:
    status, payload, _ = http(
        "PUT",
        f"{live_url}/api/v1/workouts/{workout.public_id}/set/0",
        {"reps": 5, "weight_kg": 100, **body},
        headers={"Authorization": f"Bearer {AccessToken.for_user(workout.owner)}"},
    )
    return status, payload


def event_seqs(workout: Workout) -> list[int]:
    return list(WorkoutEvent.objects.filter(workout=workout).values_list("seq", flat=True))


def test_thirty_concurrent_sets_on_thirty_exercises_all_land(live_url):
    workout = planned_workout(REQUESTS)
    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        answers = list(
            pool.map(lambda index: put_set(live_url, workout, {"exercise_index": index}), range(REQUESTS))
        )

    assert [status for status, _ in answers] == [200] * REQUESTS, answers
    sets = WorkoutSet.objects.filter(workout=workout)
    assert sorted(sets.values_list("workout_exercise__index", flat=True)) == list(range(REQUESTS))
    assert set(sets.values_list("index", flat=True)) == {0}
    workout.refresh_from_db()
    assert workout.status == Workout.Status.IN_PROGRESS
    # One status_changed (the first set started it) and one set_logged each, numbered without gaps.
    assert event_seqs(workout) == list(range(1, REQUESTS + 2))
    assert workout.last_seq == REQUESTS + 1
    assert WorkoutEvent.objects.filter(workout=workout, type="status_changed").count() == 1


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
