"""The goals page: login required, only your own goals with their progress bars, status and
milestones, and the forms to set a goal, add a milestone, abandon, reactivate and delete."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import URLResolver, include, path
from django.utils import timezone

from accounts.metrics import metric_record
from fitai.urls import urlpatterns as project_urlpatterns
from progress import goals
from progress.models import Goal, Milestone
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory

# The project's routes, plus the progress pages where fitai/urls.py does not mount them yet.
_mounted = any(
    isinstance(pattern, URLResolver) and pattern.app_name == "progress" for pattern in project_urlpatterns
)
urlpatterns = (
    project_urlpatterns
    if _mounted
    else [*project_urlpatterns, path("progress/", include("progress.page_urls"))]
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PAGE = "/progress/goals"


@pytest.fixture
def member(client):
    member = UserFactory(username="me")
    client.force_login(member)
    return member


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def weight_goal(user, *, title="Cut", start=90, now=85, target=80, **extra) -> Goal:
    metric_record(
        user=user, kind="weight", value=Decimal(start), measured_at=timezone.now() - timedelta(days=7)
    )
    goal = goals.goal_create(
        user=user, type="body_weight", title=title, target_value=Decimal(target), **extra
    )
    metric_record(user=user, kind="weight", value=Decimal(now))
    goals.goals_refresh(user_id=user.pk)
    return goal


def test_the_page_requires_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]
    assert client.post(PAGE, {"type": "custom", "title": "x", "target_value": 5}).status_code == 302
    assert not Goal.objects.exists()


def test_the_page_shows_your_goals_with_an_accessible_progress_bar(client, member):
    goal = weight_goal(member, title="Summer cut")
    goals.milestone_create(goal=goal, title="First five", target_value=Decimal(85))
    goals.milestone_create(goal=goal, title="Almost", target_value=Decimal(82))
    weight_goal(UserFactory(), title="Someone else's cut")
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Summer cut" in html
    assert "Someone else" not in html
    bar = re.search(r'<progress id="goal-bar-[^"]+" class="goal-bar" max="100" value="([0-9.]+)">', html)
    assert bar is not None
    assert bar.group(1) == "50.0"
    assert f'<label class="goal-progress-label" for="goal-bar-{goal.public_id}">' in html
    assert "50%" in html
    assert "Active" in html
    assert re.search(r'milestone-done">\s*<span[^>]*>✓</span>\s*First five', html)
    assert "Almost: 82" in html


def test_the_page_filters_by_status(client, member):
    weight_goal(member, title="Kept going")
    dropped = goals.goal_create(user=member, type="custom", title="Dropped it", target_value=Decimal(10))
    goals.goal_update(goal=dropped, status="abandoned")
    html = client.get(PAGE, {"status": "abandoned"}).content.decode()
    assert "Dropped it" in html
    assert "Kept going" not in html
    assert "Kept going" in client.get(PAGE, {"status": "nonsense"}).content.decode()


def test_setting_a_goal_from_the_form(client, member):
    squat = ExerciseFactory(name="Back Squat")
    response = client.post(
        PAGE,
        {
            "type": "lift_reps",
            "title": "Ten at a hundred",
            "target_value": "10",
            "exercise": squat.slug,
            "weight_kg": "100",
        },
    )
    assert response.status_code == 302
    assert texts(response) == ["Goal set: Ten at a hundred."]
    goal = Goal.objects.get()
    assert (goal.user, goal.exercise, goal.weight_kg, goal.target_value) == (member, squat, 100, 10)
    assert "Ten at a hundred" in client.get(PAGE).content.decode()


def test_a_bad_goal_shows_the_errors_next_to_the_fields(client, member):
    response = client.post(
        PAGE, {"type": "lift_1rm", "title": "Big squat", "target_value": "150", "exercise": "nope"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["exercise"] == ["No usable exercise with this id or slug."]
    response = client.post(PAGE, {"type": "body_fat", "title": "Lean", "target_value": "90"})
    assert response.status_code == 400
    assert "target_value" in response.context["form"].errors
    assert not Goal.objects.exists()


def test_adding_a_milestone(client, member):
    goal = weight_goal(member)
    url = f"/progress/goals/{goal.public_id}/milestone"
    response = client.post(url, {"title": "Halfway", "target_value": "85"})
    assert response.status_code == 302
    assert Milestone.objects.get().achieved_at is not None  # 85 kg is already reached
    refused = client.post(url, {"title": "Too far", "target_value": "70"})
    assert refused.status_code == 400
    assert "target_value" in refused.context["goals"][0].milestone_form.errors
    assert Milestone.objects.count() == 1


def test_abandoning_reactivating_and_deleting(client, member):
    goal = weight_goal(member)
    base = f"/progress/goals/{goal.public_id}"
    assert client.post(f"{base}/abandon").status_code == 302
    assert Goal.objects.get().status == Goal.Status.ABANDONED
    assert client.post(f"{base}/reactivate").status_code == 302
    assert Goal.objects.get().status == Goal.Status.ACTIVE
    response = client.post(f"{base}/delete")
    assert response.status_code == 302
    assert texts(response)[-1] == "Deleted the goal Cut."
    assert not Goal.objects.exists()


def test_another_members_goal_is_404_on_every_action(client, member):
    theirs = weight_goal(UserFactory(), title="Theirs")
    base = f"/progress/goals/{theirs.public_id}"
    for action in ("milestone", "abandon", "reactivate", "delete"):
        assert client.post(f"{base}/{action}", {"title": "x", "target_value": "85"}).status_code == 404
    stored = Goal.objects.get()
    assert (stored.status, stored.milestones.count()) == ("active", 0)
    assert client.get(f"{base}/delete").status_code == 405
