"""Reads of workouts: your own, scoped in one place, and the ones shared with you."""

from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.friendships import accepted_between, blocked_between
from accounts.models import Friendship, User
from fitai.errors import NotFoundError
from workouts.models import Workout, WorkoutExercise, WorkoutSet


def workouts_of(*, user: User) -> QuerySet[Workout]:
    return Workout.objects.filter(owner=user, deleted_at__isnull=True)


def workout_get_for_user(*, user: User, workout_id: UUID | str) -> Workout:
    """The user's own workout; anyone else's is simply not found."""
    try:
        public_id = UUID(str(workout_id))
    except ValueError:
        raise NotFoundError("No such workout.") from None
    workout = workouts_of(user=user).filter(public_id=public_id).first()
    if workout is None:
        raise NotFoundError("No such workout.")
    return workout


def with_document(workouts: QuerySet[Workout]) -> QuerySet[Workout]:
    """The whole workout in a fixed number of queries, however many exercises and sets it has."""
    exercises = WorkoutExercise.objects.select_related("exercise").prefetch_related(
        Prefetch("sets", queryset=WorkoutSet.objects.order_by("index"))
    )
    return workouts.select_related("template").prefetch_related(
        Prefetch("exercises", queryset=exercises.order_by("index")), "personal_records"
    )


def workouts_shared_with(*, user: User) -> QuerySet[Workout]:
    """Workouts friends shared with friends, and anyone's public ones, minus blocked people's."""
    friends = Exists(Friendship.objects.filter(accepted_between(user, OuterRef("owner_id"))))
    blocked = Exists(Friendship.objects.filter(blocked_between(user, OuterRef("owner_id"))))
    visible = Q(visibility=Workout.Visibility.PUBLIC) | (Q(visibility=Workout.Visibility.FRIENDS) & friends)
    return (
        Workout.objects.filter(deleted_at__isnull=True, shared_at__isnull=False)
        .exclude(owner=user)
        .filter(visible & ~blocked)
    )
