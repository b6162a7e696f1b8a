"""The progress dashboard page: login required, your own numbers only, every chart drawn."""

from datetime import timedelta

import pytest

from progress import aggregates
from progress.models import DailySummary
from tests.exercises.factories import ExerciseFactory
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.progress.test_analytics import build_history, local_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    user = UserFactory()
    client.login(username=user.email, password=DEFAULT_PASSWORD)
    return user


def test_the_dashboard_needs_a_login(client):
    response = client.get("/progress/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login")


def test_an_empty_dashboard_invites_a_first_workout(client, member):
    response = client.get("/progress/")
    assert response.status_code == 200
    assert b"Complete a workout to see this chart." in response.content
    assert b"Log a few workouts" in response.content


def test_the_dashboard_draws_your_training_only(client, member, django_assert_max_num_queries):
    squat = ExerciseFactory(name="Dashboard Squat", muscles=["quadriceps"])
    build_history(member, [squat], weeks=8)
    aggregates.analytics_rebuild(user=member)
    stranger = UserFactory()
    build_history(stranger, [ExerciseFactory(name="Stranger Press")], weeks=2)
    aggregates.analytics_rebuild(user=stranger)

    with django_assert_max_num_queries(20):
        response = client.get("/progress/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="chart chart-bars"' in page
    assert 'class="chart-bar chart-group-legs"' in page
    # One cell per training day; how many the current week holds depends on today's weekday.
    training_days = DailySummary.objects.filter(user=member, workouts=1).count()
    assert training_days >= 7 * 4 + 1
    assert page.count('class="heat heat-1"') == training_days
    assert "Dashboard Squat: estimated 1RM" in page
    assert "Stranger Press" not in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_calendar_marks_a_late_evening_workout_on_its_local_day(client, member):
    squat = ExerciseFactory(name="Late Squat", muscles=["quadriceps"])
    from accounts.profiles import preferences_update

    preferences_update(user=member, changes={"timezone": "America/New_York"})
    build_history(member, [squat], weeks=2)
    aggregates.analytics_rebuild(user=member)
    page = client.get("/progress/").content.decode()
    saturday = local_today() - timedelta(days=local_today().weekday() + 2)  # last week's, at 23:30
    assert f"{saturday.day} {saturday:%b %Y}: 1 workout<" in page
    sunday = saturday + timedelta(days=1)
    assert f"{sunday.day} {sunday:%b %Y}: 0 workouts<" in page
