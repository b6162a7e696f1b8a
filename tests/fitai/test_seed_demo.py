"""`manage.py seed_demo` builds a consistent, reproducible population that the API serves."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from accounts.models import BodyMetric, Friendship, Profile, User
from community.models import Activity, Challenge, ChallengeParticipant, Comment, Like
from progress.models import DailySummary
from workouts.models import Workout, WorkoutExercise, WorkoutSet

pytestmark = pytest.mark.django_db

PASSWORD = "load-test-password-1"


def seed(*extra: str) -> None:
    args = ["--users", "5", "--weeks", "2", "--seed", "7", "--until", "2026-03-01", "--password", PASSWORD]
    call_command("seed_demo", *args, *extra, stdout=io.StringIO(), stderr=io.StringIO())


def digest() -> str:
    """Key columns of everything generated, by natural keys (ids differ between runs)."""
    rows = [
        list(User.objects.order_by("email").values_list("email", "username", "public_id")),
        list(
            Profile.objects.order_by("user__email").values_list("user__email", "preferences", "fitness_level")
        ),
        list(
            Friendship.objects.order_by("user_low__email", "user_high__email").values_list(
                "user_low__email", "user_high__email", "status"
            )
        ),
        list(
            Workout.objects.order_by("owner__email", "started_at").values_list(
                "owner__email", "name", "started_at", "completed_at", "volume_kg", "template__name"
            )
        ),
        list(
            WorkoutSet.objects.order_by("workout__public_id", "workout_exercise__index", "index").values_list(
                "workout__public_id", "workout_exercise__exercise__slug", "index", "reps", "weight_kg"
            )
        ),
        list(BodyMetric.objects.order_by("user__email", "measured_at").values_list("user__email", "value")),
        list(
            Activity.objects.order_by("public_id").values_list(
                "author__email", "text", "created_at", "like_count"
            )
        ),
        list(Comment.objects.order_by("public_id").values_list("author__email", "text")),
        list(
            DailySummary.objects.order_by("user__email", "day").values_list("user__email", "day", "volume_kg")
        ),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_seed_demo_creates_the_population_it_describes():
    seed()

    members = User.objects.filter(email__endswith="@fitai.local", email__startswith="demo-user-")
    assert members.count() == 5
    assert Profile.objects.filter(user__in=members).count() == 5
    workouts = Workout.objects.filter(owner__in=members)
    for member in members:
        # Three or four workouts in each of the two weeks.
        assert 6 <= workouts.filter(owner=member).count() <= 8
        friends = (
            Friendship.objects.filter(user_low=member).count()
            + Friendship.objects.filter(user_high=member).count()
        )
        assert 3 <= friends <= 4  # 3-10, capped by the four other members
    assert WorkoutExercise.objects.filter(workout__in=workouts).count() == 4 * workouts.count()
    assert WorkoutSet.objects.filter(workout__in=workouts).count() == 12 * workouts.count()
    assert BodyMetric.objects.filter(user__in=members, kind="weight").count() == 5 * 2
    posts = Activity.objects.filter(author__in=members, type="post")
    assert posts.count() == 5
    assert Like.objects.filter(activity__in=posts).count() == posts.aggregate(n=Sum("like_count"))["n"]
    assert Comment.objects.filter(activity__in=posts).count() == posts.aggregate(n=Sum("comment_count"))["n"]
    assert Challenge.objects.count() == 2
    assert ChallengeParticipant.objects.exists()


def test_the_aggregates_match_the_workouts():
    seed()

    for member in User.objects.filter(email__startswith="demo-user-"):
        workouts = Workout.objects.filter(owner=member)
        summaries = DailySummary.objects.filter(user=member).aggregate(
            workouts=Sum("workouts"), volume=Sum("volume_kg"), sets=Sum("sets")
        )
        assert summaries["workouts"] == workouts.count()
        assert summaries["volume"] == workouts.aggregate(v=Sum("volume_kg"))["v"]
        assert summaries["sets"] == workouts.aggregate(s=Sum("total_sets"))["s"]


def test_the_same_seed_gives_the_same_data():
    seed()
    first = digest()

    seed("--reset")

    assert digest() == first


def test_a_second_run_without_reset_is_refused():
    seed()

    with pytest.raises(CommandError, match="--reset"):
        seed()


def test_a_seeded_member_logs_in_and_sees_their_workouts(api_client):
    seed()
    member = User.objects.get(email="demo-user-1@fitai.local")

    login = api_client.post("/api/v1/auth/login", {"email": member.email, "password": PASSWORD})
    assert login.status_code == 200, login.json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    overview = api_client.get("/api/v1/analytics/overview", {"period": "all"})

    assert overview.status_code == 200
    assert overview.json()["totals"]["workouts"] == Workout.objects.filter(owner=member).count() > 0
