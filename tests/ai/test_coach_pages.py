"""The AI coach page: generate, read the rationale and warnings, save."""

import pytest

from templates_app.models import WorkoutTemplate
from tests.factories import UserFactory
from workouts.models import Workout

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "workout",
    "goal": "hypertrophy",
    "experience_level": "beginner",
    "minutes": 45,
    "days_per_week": 3,
    "weeks": 8,
    "equipment": ["dumbbell", "bench"],
    "focus": "",
    "injuries": "shoulder",
}


@pytest.fixture
def member(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_the_page_needs_a_login(client):
    response = client.get("/coach/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_generating_shows_the_plan_its_rationale_and_warnings_without_saving(client, member, library):
    response = client.post("/coach/", FORM)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Why" in html
    assert "shoulder" in html
    assert "Save this workout" in html
    assert response.context["answer"]["exercises"]
    assert not Workout.objects.filter(owner=member).exists()


def test_saving_a_workout_opens_the_planned_workout(client, member, library):
    response = client.post("/coach/", {**FORM, "save": "1"})
    workout = Workout.objects.get(owner=member)
    assert response.status_code == 302
    assert str(workout.public_id) in response["Location"]
    assert workout.status == "planned"
    assert workout.exercises.count() > 0


def test_saving_a_program_creates_a_private_program(client, member, library):
    response = client.post("/coach/", {**FORM, "kind": "program", "save": "1"})
    program = WorkoutTemplate.objects.get(owner=member)
    assert response.status_code == 302
    assert str(program.public_id) in response["Location"]
    assert program.visibility == "private"
    assert "ai" in program.tags


def test_bad_input_is_a_400_with_the_form(client, member):
    response = client.post("/coach/", {**FORM, "minutes": 5})
    assert response.status_code == 400
    assert response.context["form"].errors["minutes"]
