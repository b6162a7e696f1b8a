"""Library use cases: submission and moderation, editing and soft deletion, ratings, popularity.

Every change bumps the library cache version after commit (`exercises.cache.library_changed`).
"""

import math
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, ExpressionWrapper, F, FloatField, Sum
from django.db.models.functions import Cast, Ln
from django.utils import timezone

from accounts.models import User
from exercises.cache import library_changed
from exercises.models import Equipment, Exercise, ExerciseRating, ExerciseUsage, Muscle
from exercises.text import name_key, slug_for
from fitai import events
from fitai.api.permissions import MODERATOR, TRAINER, user_has_role
from fitai.errors import ConflictError, ForbiddenError

# Half-life of popularity: use a month ago counts half as much as use today.
POPULARITY_HALF_LIFE_DAYS = 30
USAGE_WEIGHTS = {"workouts": 3.0, "templates": 2.0, "favorites": 2.0}
EDITABLE_FIELDS = (
    "name",
    "description",
    "instructions",
    "category",
    "mechanics",
    "force",
    "difficulty",
    "media",
    "safety_notes",
    "contraindications",
)


class DuplicateExerciseError(ConflictError):
    default_code = "duplicate_exercise"
    default_message = "An exercise with a very similar name already exists."


def is_moderator(user: User) -> bool:
    return user_has_role(user, MODERATOR)


def _on_commit_library_changed() -> None:
    transaction.on_commit(library_changed)


# --- Submission, editing, deletion ---------------------------------------------------------------


def exercise_find_duplicate(*, name: str, exclude_pk: int | None = None) -> Exercise | None:
    """A live exercise whose name means the same: equal normalised names, or on PostgreSQL a
    trigram similarity of at least 0.8 between them."""
    key = name_key(name)
    candidates = Exercise.objects.alive().exclude(status=Exercise.Status.REJECTED)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    exact = candidates.filter(name_key=key).first()
    if exact is not None or connection.vendor != "postgresql":
        return exact
    from django.contrib.postgres.search import TrigramSimilarity

    return (
        candidates.annotate(similarity=TrigramSimilarity("name_key", key))
        .filter(similarity__gte=0.8)
        .order_by("-similarity")
        .first()
    )


def _catalog(model: type[Muscle] | type[Equipment], slugs: Iterable[str], field: str) -> list:
    slugs = list(dict.fromkeys(slugs))
    found = {item.slug: item for item in model.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise ValidationError({field: [f"Unknown: {', '.join(unknown)}."]})
    return [found[slug] for slug in slugs]


# Slugs the pages use for their own routes under /exercises/.
RESERVED_SLUGS = {"submit", "search", "popular", "muscles", "equipment", "muscle"}


def _unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slug_for(name)[:110] or "exercise"
    slug, n = (f"{base}-2", 2) if base in RESERVED_SLUGS else (base, 1)
    while Exercise.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _raise_if_duplicate(name: str, exclude_pk: int | None = None) -> None:
    existing = exercise_find_duplicate(name=name, exclude_pk=exclude_pk)
    if existing is not None:
        raise DuplicateExerciseError(
            f"“{existing.name}” already exists.",
            existing={"id": str(existing.public_id), "slug": existing.slug, "name": existing.name},
        )


def _set_relations(exercise: Exercise, relations: dict[str, Any]) -> None:
    if "primary_muscles" in relations:
        exercise.primary_muscles.set(_catalog(Muscle, relations["primary_muscles"], "primary_muscles"))
    if "secondary_muscles" in relations:
        exercise.secondary_muscles.set(_catalog(Muscle, relations["secondary_muscles"], "secondary_muscles"))
    if "equipment" in relations:
        exercise.equipment.set(_catalog(Equipment, relations["equipment"], "equipment"))
    if "variations" in relations:
        variations = list(Exercise.objects.approved().filter(public_id__in=relations["variations"]))
        if len(variations) != len(set(relations["variations"])):
            raise ValidationError({"variations": ["Every variation must be an approved exercise."]})
        exercise.variations.set([v for v in variations if v.pk != exercise.pk])


@transaction.atomic
def exercise_create(*, user: User, name: str, primary_muscles: list[str], **fields: Any) -> Exercise:
    """Submit an exercise: pending review, or approved at once when a trainer or moderator adds it."""
    _raise_if_duplicate(name)
    relations = {
        key: fields.pop(key) for key in ("secondary_muscles", "equipment", "variations") if key in fields
    }
    trusted = user_has_role(user, TRAINER, MODERATOR)
    exercise = Exercise.objects.create(
        name=name,
        name_key=name_key(name),
        slug=_unique_slug(name),
        created_by=user,
        status=Exercise.Status.APPROVED if trusted else Exercise.Status.PENDING,
        moderated_by=user if trusted else None,
        moderated_at=timezone.now() if trusted else None,
        source=Exercise.Source.MEMBER,
        **{key: value for key, value in fields.items() if key in EDITABLE_FIELDS},
    )
    _set_relations(exercise, {"primary_muscles": primary_muscles, **relations})
    _on_commit_library_changed()
    return exercise


def exercise_can_edit(*, exercise: Exercise, user: User) -> bool:
    if is_moderator(user):
        return True
    return exercise.created_by_id == user.pk and exercise.status != Exercise.Status.APPROVED


@transaction.atomic
def exercise_update(*, exercise: Exercise, user: User, **changes: Any) -> Exercise:
    """The creator edits while pending or rejected (a rejected one goes back to review); moderators always."""
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if not exercise_can_edit(exercise=exercise, user=user):
        raise ForbiddenError("Only moderators can change an exercise once it is approved.")
    if "name" in changes and name_key(changes["name"]) != exercise.name_key:
        _raise_if_duplicate(changes["name"], exclude_pk=exercise.pk)
        exercise.name_key = name_key(changes["name"])
    for field in EDITABLE_FIELDS:
        if field in changes:
            setattr(exercise, field, changes[field])
    if exercise.status == Exercise.Status.REJECTED and not is_moderator(user):
        exercise.status, exercise.rejection_reason = Exercise.Status.PENDING, ""
    exercise.save()
    _set_relations(exercise, changes)
    _on_commit_library_changed()
    return exercise


@transaction.atomic
def exercise_delete(*, exercise: Exercise, user: User) -> None:
    """Soft delete: programs and workouts that use it keep their reference."""
    own_pending = exercise.created_by_id == user.pk and exercise.status != Exercise.Status.APPROVED
    if not (own_pending or is_moderator(user)):
        raise ForbiddenError("Only moderators can delete an approved exercise.")
    Exercise.objects.filter(pk=exercise.pk).update(deleted_at=timezone.now())
    _on_commit_library_changed()


@transaction.atomic
def exercise_restore(*, exercise: Exercise, user: User) -> None:
    """Undo a soft delete (moderators, from the admin)."""
    if not is_moderator(user) and not user.is_superuser:
        raise ForbiddenError("Only moderators can restore an exercise.")
    Exercise.objects.filter(pk=exercise.pk).update(deleted_at=None)
    _on_commit_library_changed()


@transaction.atomic
def exercise_moderate(*, exercise: Exercise, moderator: User, approve: bool, reason: str = "") -> Exercise:
    """Approve or reject a submission; the creator hears about it through `exercise.moderated`."""
    if not approve and not reason.strip():
        raise ValidationError({"reason": ["Say why the exercise is rejected: the creator will read it."]})
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    exercise.status = Exercise.Status.APPROVED if approve else Exercise.Status.REJECTED
    exercise.rejection_reason = "" if approve else reason.strip()
    exercise.moderated_by, exercise.moderated_at = moderator, timezone.now()
    exercise.save(update_fields=["status", "rejection_reason", "moderated_by", "moderated_at", "updated_at"])
    if exercise.created_by_id:
        events.emit(
            "exercise.moderated",
            exercise_id=exercise.pk,
            creator_id=exercise.created_by_id,
            status=exercise.status,
            reason=exercise.rejection_reason,
        )
    _on_commit_library_changed()
    return exercise


# --- Ratings -------------------------------------------------------------------------------------


def library_mean_rating() -> float:
    """The prior of the Bayesian average: the mean of every counted rating (3.0 with none)."""
    totals = ExerciseRating.objects.filter(counted=True).aggregate(n=Count("id"), total=Sum("score"))
    return totals["total"] / totals["n"] if totals["n"] else 3.0


def bayesian_score(*, total: int, count: int, mean: float) -> float:
    weight = settings.FITAI_RATING_PRIOR_WEIGHT
    return round((weight * mean + total) / (weight + count), 4)


def rating_aggregates_refresh(*, exercise_ids: Iterable[int], mean: float | None = None) -> None:
    """Recount the counted ratings of these exercises and store their Bayesian scores.

    Popularity moves at once too: its rating term (`rating_term`) is swapped for the new one in
    the same UPDATE, which reads the old score and count, so concurrent refreshes stay exact.
    """
    exercise_ids = list(set(exercise_ids))
    if not exercise_ids:
        return
    mean = library_mean_rating() if mean is None else mean
    totals = {
        row["exercise_id"]: row
        for row in ExerciseRating.objects.filter(exercise_id__in=exercise_ids, counted=True)
        .values("exercise_id")
        .annotate(n=Count("id"), total=Sum("score"))
    }
    for exercise_id in exercise_ids:
        row = totals.get(exercise_id, {"n": 0, "total": 0})
        score = bayesian_score(total=row["total"] or 0, count=row["n"], mean=mean)
        old_term = F("rating_score") * Ln(Cast(F("rating_count"), FloatField()) + 1.0)
        Exercise.objects.filter(pk=exercise_id).update(
            rating_count=row["n"],
            rating_sum=row["total"] or 0,
            rating_score=score,
            popularity=ExpressionWrapper(
                F("popularity") - old_term + rating_term(score=score, count=row["n"]),
                output_field=FloatField(),
            ),
        )
    _on_commit_library_changed()


def rating_term(*, score: float, count: int) -> float:
    """What the rating adds to popularity: the Bayesian score, weighted by how many votes back it."""
    return score * math.log1p(count)


def exercise_rate(
    *, exercise: Exercise, user: User, score: int, review: str = ""
) -> tuple[ExerciseRating, bool]:
    """Rate once; rating again updates it. Young accounts' ratings are kept but not counted."""
    if exercise.status != Exercise.Status.APPROVED or exercise.deleted_at:
        raise ConflictError("Only approved exercises can be rated.", code="not_rateable")
    min_age = timedelta(days=settings.FITAI_RATING_MIN_ACCOUNT_AGE_DAYS)
    counted = timezone.now() - user.date_joined >= min_age
    with transaction.atomic():
        try:
            with transaction.atomic():
                rating, created = ExerciseRating.objects.update_or_create(
                    exercise=exercise,
                    user=user,
                    defaults={"score": score, "review": review, "counted": counted},
                )
        except IntegrityError:  # A concurrent first rating by the same person won the insert.
            rating = ExerciseRating.objects.get(exercise=exercise, user=user)
            rating.score, rating.review, rating.counted = score, review, counted
            rating.save(update_fields=["score", "review", "counted", "updated_at"])
            created = False
        rating_aggregates_refresh(exercise_ids=[exercise.pk])
    return rating, created


# --- Usage and popularity ------------------------------------------------------------------------


def exercise_usage_record(
    *, exercise_ids: Iterable[int], kind: str, day: date | None = None, delta: int = 1
) -> None:
    """Count a use of these exercises (kind: workouts, templates or favorites); for the apps above.

    Popularity moves at once by the use's weight (decayed by its age); the hourly rescore then
    re-applies the decay to everything.
    """
    if kind not in USAGE_WEIGHTS:
        raise ValueError(f"Unknown usage kind {kind!r}.")
    day = day or timezone.localdate()
    exercise_ids = set(exercise_ids)
    bump = USAGE_WEIGHTS[kind] * delta * decay((timezone.localdate() - day).days)
    Exercise.objects.filter(pk__in=exercise_ids).update(popularity=F("popularity") + bump)
    _on_commit_library_changed()
    for exercise_id in exercise_ids:
        updated = ExerciseUsage.objects.filter(exercise_id=exercise_id, day=day).update(
            **{kind: F(kind) + delta}
        )
        if not updated:
            try:
                with transaction.atomic():
                    ExerciseUsage.objects.create(exercise_id=exercise_id, day=day, **{kind: delta})
            except IntegrityError:
                ExerciseUsage.objects.filter(exercise_id=exercise_id, day=day).update(
                    **{kind: F(kind) + delta}
                )


def decay(age_days: int) -> float:
    return 0.5 ** (age_days / POPULARITY_HALF_LIFE_DAYS)


def popularity_recompute(*, today: date | None = None) -> int:
    """Score every approved exercise from its decayed usage and its rating; returns how many changed."""
    today = today or timezone.localdate()
    since = today - timedelta(days=365)
    usage: dict[int, float] = {}
    for row in ExerciseUsage.objects.filter(day__gte=since).values("exercise_id", "day", *USAGE_WEIGHTS):
        weighted = sum(row[kind] * weight for kind, weight in USAGE_WEIGHTS.items())
        usage[row["exercise_id"]] = usage.get(row["exercise_id"], 0.0) + weighted * decay(
            (today - row["day"]).days
        )
    changed = []
    for exercise in Exercise.objects.approved().only("pk", "rating_score", "rating_count", "popularity"):
        score = round(
            usage.get(exercise.pk, 0.0)
            + rating_term(score=exercise.rating_score, count=exercise.rating_count),
            4,
        )
        if score != exercise.popularity:
            exercise.popularity = score
            changed.append(exercise)
    Exercise.objects.bulk_update(changed, ["popularity"], batch_size=500)
    if changed:
        _on_commit_library_changed()
    return len(changed)


def ratings_rescore_all() -> None:
    """Re-apply the Bayesian average with today's library mean to every exercise."""
    rating_aggregates_refresh(
        exercise_ids=Exercise.objects.values_list("pk", flat=True), mean=library_mean_rating()
    )
