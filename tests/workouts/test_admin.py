"""Workouts in the admin: staff with the view permission look, nobody adds, changes or deletes."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts import services
from workouts.models import PersonalRecord, Workout, WorkoutExercise

pytestmark = pytest.mark.django_db

WORKOUTS_URL = "/admin/workouts/workout/"
RECORDS_URL = "/admin/workouts/personalrecord/"


@pytest.fixture
def squat():
    return ExerciseFactory(name="Squat", muscles=["quadriceps"], gear=["barbell"])


def finished(owner, exercise, name="Leg day") -> Workout:
    now = timezone.now()
    workout, _ = services.workout_create(
        owner=owner,
        name=name,
        status=Workout.Status.COMPLETED,
        started_at=now - timezone.timedelta(hours=1),
        completed_at=now,
        exercises=[{"exercise_id": exercise.public_id, "sets": [{"reps": 5, "weight_kg": 80}] * 2}],
    )
    return workout


@pytest.fixture
def support(client):
    """A staff member given only the view permissions, as a support role would be."""
    user = UserFactory(is_staff=True)
    codenames = ["view_workout", "view_personalrecord"]
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="workouts", codename__in=codenames)
    )
    client.force_login(user)
    return user


def test_staff_can_list_and_search_workouts(client, support, squat):
    finished(UserFactory(email="lifter@example.com"), squat, name="Heavy legs")
    finished(UserFactory(email="other@example.com"), squat, name="Arms")
    response = client.get(WORKOUTS_URL, {"q": "lifter@"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Heavy legs" in body
    assert "Arms" not in body
    assert client.get(WORKOUTS_URL, {"status__exact": "completed"}).status_code == 200


def test_changelist_query_count_does_not_grow_with_rows(client, support, squat):
    finished(UserFactory(), squat)
    with CaptureQueriesContext(connection) as few:
        client.get(WORKOUTS_URL)
    for _ in range(5):
        finished(UserFactory(), squat)
    with CaptureQueriesContext(connection) as many:
        client.get(WORKOUTS_URL)
    assert len(many) == len(few), "list_select_related must cover the columns of the list"


def test_staff_can_view_a_workout_and_its_exercise_but_not_change_it(client, support, squat):
    workout = finished(UserFactory(), squat)
    response = client.get(f"{WORKOUTS_URL}{workout.pk}/change/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Squat" in body
    assert 'name="_save"' not in body, "the admin must be read-only"
    exercise = WorkoutExercise.objects.get(workout=workout)
    assert f"/admin/workouts/workoutexercise/{exercise.pk}/change/" in body  # the inline's view link
    sets_page = client.get(f"/admin/workouts/workoutexercise/{exercise.pk}/change/")
    assert sets_page.status_code == 200
    assert "80.00" in sets_page.content.decode()

    assert client.post(f"{WORKOUTS_URL}{workout.pk}/change/", {"name": "Renamed"}).status_code == 403
    workout.refresh_from_db()
    assert workout.name == "Leg day"


def test_nobody_adds_or_deletes_workouts_not_even_a_superuser(client, squat):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    workout = finished(UserFactory(), squat)
    assert client.get(f"{WORKOUTS_URL}add/").status_code == 403
    assert client.post(f"{WORKOUTS_URL}{workout.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Workout.objects.filter(pk=workout.pk).exists()
    assert 'name="_save"' not in client.get(f"{WORKOUTS_URL}{workout.pk}/change/").content.decode()


def test_staff_can_view_personal_records_read_only(client, support, squat):
    owner = UserFactory()
    finished(owner, squat)
    assert PersonalRecord.objects.filter(user=owner).exists()
    response = client.get(RECORDS_URL)
    assert response.status_code == 200
    assert "Squat" in response.content.decode()
    assert client.get(f"{RECORDS_URL}add/").status_code == 403


def test_staff_without_the_permission_and_members_cannot_get_in(client, squat):
    workout = finished(UserFactory(), squat)
    client.force_login(UserFactory(is_staff=True))
    assert client.get(WORKOUTS_URL).status_code == 403
    client.force_login(UserFactory())
    response = client.get(f"{WORKOUTS_URL}{workout.pk}/change/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
