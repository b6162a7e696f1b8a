"""Library reads: who may see which exercise, and the querysets behind lists, detail and popular."""

from datetime import timedelta
from uuid import UUID

from django.db.models import ExpressionWrapper, FloatField, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from exercises.models import Equipment, Exercise, ExerciseRating, Muscle
from exercises.services import USAGE_WEIGHTS
from fitai.errors import NotFoundError

ORDERINGS = {
    "name": ("name",),
    "-name": ("-name",),
    "rating": ("rating_score", "name"),
    "-rating": ("-rating_score", "name"),
    "popularity": ("popularity", "name"),
    "-popularity": ("-popularity", "-rating_score", "name"),
    "created": ("created_at", "name"),
    "-created": ("-created_at", "name"),
}
PERIOD_DAYS = {"week": 7, "month": 30}


LIST_DEFERRED = ("description", "instructions", "media", "safety_notes", "contraindications")


def with_relations(exercises: QuerySet[Exercise]) -> QuerySet[Exercise]:
    """Everything a list row shows, in a fixed number of queries, without the long text fields."""
    return exercises.defer(*LIST_DEFERRED).prefetch_related(
        Prefetch("primary_muscles", queryset=Muscle.objects.order_by("name")),
        Prefetch("equipment", queryset=Equipment.objects.order_by("name")),
    )


def with_detail_relations(exercises: QuerySet[Exercise]) -> QuerySet[Exercise]:
    """Everything the detail shows."""
    return exercises.prefetch_related(
        Prefetch("primary_muscles", queryset=Muscle.objects.order_by("name")),
        Prefetch("secondary_muscles", queryset=Muscle.objects.order_by("name")),
        Prefetch("equipment", queryset=Equipment.objects.order_by("name")),
        Prefetch("variations", queryset=Exercise.objects.approved().order_by("name")),
    )


def exercises_visible_to(*, user_public_id: str | None, is_moderator: bool = False) -> QuerySet[Exercise]:
    """Approved exercises, plus the viewer's own submissions (all of them for moderators)."""
    exercises = Exercise.objects.alive()
    if is_moderator:
        return exercises
    visible = Q(status=Exercise.Status.APPROVED)
    if user_public_id:
        visible |= Q(created_by__public_id=user_public_id)
    return exercises.filter(visible)


def exercise_get_visible(*, id_or_slug: str, visible: QuerySet[Exercise]) -> Exercise:
    """By public id or slug; anything the viewer may not see is simply not found."""
    try:
        lookup = Q(public_id=UUID(str(id_or_slug)))
    except ValueError:
        lookup = Q(slug=id_or_slug)
    exercise = with_detail_relations(visible.filter(lookup)).first()
    if exercise is None:
        raise NotFoundError("No such exercise.")
    return exercise


def exercises_ordered(exercises: QuerySet[Exercise], ordering: str | None) -> QuerySet[Exercise]:
    return exercises.order_by(*ORDERINGS.get(ordering or "name", ORDERINGS["name"]))


def exercises_popular(*, period: str) -> QuerySet[Exercise]:
    """Approved exercises by popularity in the period, then by rating, then by name: never empty."""
    exercises = Exercise.objects.approved()
    if period not in PERIOD_DAYS:
        return exercises.order_by("-popularity", "-rating_score", "name")
    since = timezone.localdate() - timedelta(days=PERIOD_DAYS[period])
    recent = Q(usage__day__gte=since)
    score = sum(
        Coalesce(Sum(f"usage__{kind}", filter=recent), 0) * weight for kind, weight in USAGE_WEIGHTS.items()
    )
    return exercises.annotate(period_score=ExpressionWrapper(score, output_field=FloatField())).order_by(
        "-period_score", "-popularity", "-rating_score", "name"
    )


def my_rating_for(*, exercise_public_id: str, user_public_id: str | None) -> dict | None:
    """The viewer's own rating of an exercise, in one query, or None."""
    if not user_public_id:
        return None
    rating = (
        ExerciseRating.objects.filter(exercise__public_id=exercise_public_id, user__public_id=user_public_id)
        .values("score", "review")
        .first()
    )
    return rating


def muscles_all() -> QuerySet[Muscle]:
    return Muscle.objects.order_by("name")


def equipment_all() -> QuerySet[Equipment]:
    return Equipment.objects.order_by("name")
