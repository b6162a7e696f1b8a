"""Program use cases: nested create and replace, duplicate, favourites, ratings, featuring, and the
counters the workouts app updates when a workout started from a program changes state."""

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from accounts.models import User
from exercises.models import Exercise
from exercises.services import bayesian_score, exercise_usage_record
from fitai.api.permissions import MODERATOR, TRAINER, user_has_role
from fitai.errors import ConflictError, ForbiddenError
from templates_app.models import (
    TemplateDay,
    TemplateExercise,
    TemplateFavorite,
    TemplateRating,
    TemplateSet,
    Visibility,
    WorkoutTemplate,
)

PROGRAM_FIELDS = (
    "name",
    "description",
    "goal",
    "difficulty",
    "visibility",
    "days_per_week",
    "duration_weeks",
    "tags",
)


class StaleVersionError(ConflictError):
    default_code = "stale_version"
    default_message = "The program changed since you loaded it."


def _usable_exercises(
    *,
    author: User,
    document: dict[str, Any],
    kept: Iterable[int] = (),
    message: str = "No usable exercise with this id.",
) -> dict[UUID, Exercise]:
    """The exercises the document names that the author may use: live approved ones, their own
    live drafts, and `kept` (pks the program already uses).

    `kept` is why a soft-deleted exercise does not break the programs that use it (API.md: they
    keep working): resending such a program is accepted, while a new reference to a deleted
    exercise, or to someone else's unapproved one, is reported with its exact path.
    """
    wanted = {exercise["exercise_id"] for day in document["days"] for exercise in day["exercises"]}
    new_use = Q(deleted_at__isnull=True) & (Q(status=Exercise.Status.APPROVED) | Q(created_by=author))
    usable = Exercise.objects.filter(new_use | Q(pk__in=list(kept)), public_id__in=wanted).prefetch_related(
        "equipment"
    )
    found = {exercise.public_id: exercise for exercise in usable}
    errors = {
        f"days[{d}].exercises[{e}].exercise_id": [message]
        for d, day in enumerate(document["days"])
        for e, exercise in enumerate(day["exercises"])
        if exercise["exercise_id"] not in found
    }
    if errors:
        raise ValidationError(errors)
    return found


def _write_program(
    *, template: WorkoutTemplate, document: dict[str, Any], exercises: dict[UUID, Exercise]
) -> None:
    """Insert days, exercises and sets in three bulk statements; list order is program order."""
    days = TemplateDay.objects.bulk_create(
        TemplateDay(
            template=template, index=i, week=day.get("week"), name=day["name"], focus=day.get("focus", "")
        )
        for i, day in enumerate(document["days"])
    )
    rows: list[tuple[TemplateExercise, list[dict]]] = []
    for day, day_doc in zip(days, document["days"], strict=True):
        for order, item in enumerate(day_doc["exercises"]):
            rows.append(
                (
                    TemplateExercise(
                        day=day,
                        order=order,
                        exercise=exercises[item["exercise_id"]],
                        superset_group=item.get("superset_group", ""),
                        notes=item.get("notes", ""),
                        rest_seconds=item.get("rest_seconds", 90),
                        progression=item.get("progression") or {"type": "none"},
                    ),
                    item["sets"],
                )
            )
    created = TemplateExercise.objects.bulk_create(row for row, _ in rows)
    TemplateSet.objects.bulk_create(
        TemplateSet(
            template_exercise=exercise, order=order, **{k: v for k, v in item.items() if k != "order"}
        )
        for exercise, (_, sets) in zip(created, rows, strict=True)
        for order, item in enumerate(sets)
    )
    equipment = {piece.pk for exercise in exercises.values() for piece in exercise.equipment.all()}
    template.required_equipment.set(equipment)


def _program_exercise_ids(template: WorkoutTemplate) -> set[int]:
    return set(TemplateExercise.objects.filter(day__template=template).values_list("exercise_id", flat=True))


def _record_usage_after_commit(
    *, exercise_ids: Iterable[int], kind: str, delta: int = 1, day: date | None = None
) -> None:
    """Feed the library's popularity (use in programs, favourites) once the change is committed, so
    a rolled-back write never counts."""
    ids = sorted(set(exercise_ids))
    if ids:
        transaction.on_commit(
            lambda: exercise_usage_record(exercise_ids=ids, kind=kind, delta=delta, day=day)
        )


def _check_public_allowed(*, user: User, visibility: str) -> None:
    if visibility == Visibility.PUBLIC and not user.email_verified:
        raise ValidationError({"visibility": ["Confirm your e-mail address before publishing a program."]})


@transaction.atomic
def template_create(
    *,
    owner: User,
    document: dict[str, Any],
    forked_from: WorkoutTemplate | None = None,
    source: str = WorkoutTemplate.Source.USER,
) -> WorkoutTemplate:
    """Create a whole program in one transaction; nothing is written if any part is invalid."""
    _check_public_allowed(user=owner, visibility=document.get("visibility", Visibility.PRIVATE))
    exercises = _usable_exercises(author=owner, document=document)
    template = WorkoutTemplate.objects.create(
        owner=owner,
        forked_from=forked_from,
        source=source,
        **{field: document[field] for field in PROGRAM_FIELDS if field in document},
    )
    _write_program(template=template, document=document, exercises=exercises)
    _record_usage_after_commit(exercise_ids=(e.pk for e in exercises.values()), kind="templates")
    return template


@transaction.atomic
def template_replace(
    *, template: WorkoutTemplate, user: User, document: dict[str, Any], version: int | None
) -> WorkoutTemplate:
    """Replace the whole program if `version` is still current: missing is a 400 (two editors
    without versions would silently overwrite each other), stale is a 409.

    Exercises the program already uses stay accepted even if soft-deleted since; only the ones
    newly added count as a use in the library's popularity.
    """
    if template.owner_id != user.pk:
        raise ForbiddenError("Only the owner can change this program.")
    if version is None:
        raise ValidationError({"version": ["Send the version you edited, in the body or as If-Match."]})
    current = WorkoutTemplate.objects.select_for_update().get(pk=template.pk)
    if version != current.version:
        raise StaleVersionError(current_version=current.version)
    _check_public_allowed(user=user, visibility=document.get("visibility", current.visibility))
    before = _program_exercise_ids(current)
    exercises = _usable_exercises(author=user, document=document, kept=before)
    for field in PROGRAM_FIELDS:
        setattr(current, field, document.get(field, getattr(current, field)))
    current.version += 1
    current.save()
    current.days.all().delete()
    _write_program(template=current, document=document, exercises=exercises)
    added = {exercise.pk for exercise in exercises.values()} - before
    _record_usage_after_commit(exercise_ids=added, kind="templates")
    return current


@transaction.atomic
def template_delete(*, template: WorkoutTemplate, user: User) -> None:
    """Soft delete, by the owner or a moderator (whatever its visibility: the view lets
    moderators reach every program): workouts started from it keep their link."""
    if template.owner_id != user.pk and not user_has_role(user, MODERATOR):
        raise ForbiddenError("Only the owner or a moderator can delete this program.")
    WorkoutTemplate.objects.filter(pk=template.pk).update(deleted_at=timezone.now())


@transaction.atomic
def template_restore(*, template: WorkoutTemplate, user: User) -> None:
    """Undo a soft delete (moderators, from the admin)."""
    if not user_has_role(user, MODERATOR):
        raise ForbiddenError("Only moderators can restore a program.")
    WorkoutTemplate.objects.filter(pk=template.pk).update(deleted_at=None)


def program_document(template: WorkoutTemplate) -> dict[str, Any]:
    """The program as an input document (for copies), from a template loaded `with_program`."""
    return {
        **{field: getattr(template, field) for field in PROGRAM_FIELDS},
        "days": [
            {
                "week": day.week,
                "name": day.name,
                "focus": day.focus,
                "exercises": [
                    {
                        "exercise_id": item.exercise.public_id,
                        "superset_group": item.superset_group,
                        "notes": item.notes,
                        "rest_seconds": item.rest_seconds,
                        "progression": item.progression,
                        "sets": [
                            {
                                field: getattr(row, field)
                                for field in (
                                    "set_type",
                                    "reps_min",
                                    "reps_max",
                                    "weight_kg",
                                    "percent_1rm",
                                    "rpe",
                                    "rest_seconds",
                                    "tempo",
                                )
                            }
                            for row in item.sets.all()
                        ],
                    }
                    for item in day.exercises.all()
                ],
            }
            for day in template.days.all()
        ],
    }


@transaction.atomic
def template_duplicate(*, template: WorkoutTemplate, user: User) -> WorkoutTemplate:
    """A private deep copy owned by `user`, remembering where it came from.

    The copier must be allowed to use every exercise: approved ones (soft-deleted ones too, since
    the copy is the same working program) and their own drafts. A program that uses someone
    else's unapproved exercise cannot be copied: 400 naming each such path, nothing written.
    """
    document = {**program_document(template), "visibility": Visibility.PRIVATE}
    sources = [item.exercise for day in template.days.all() for item in day.exercises.all()]
    kept = {
        exercise.pk
        for exercise in sources
        if exercise.status == Exercise.Status.APPROVED or exercise.created_by_id == user.pk
    }
    exercises = _usable_exercises(
        author=user,
        document=document,
        kept=kept,
        message="Someone else's submission awaiting review: the program cannot be copied yet.",
    )
    copy = WorkoutTemplate.objects.create(
        owner=user, forked_from=template, **{field: document[field] for field in PROGRAM_FIELDS}
    )
    _write_program(template=copy, document=document, exercises=exercises)
    WorkoutTemplate.objects.filter(pk=template.pk).update(fork_count=F("fork_count") + 1)
    _record_usage_after_commit(exercise_ids=(e.pk for e in exercises.values()), kind="templates")
    return copy


def template_favorite(*, template: WorkoutTemplate, user: User) -> bool:
    """Idempotent; the count moves only when a favourite is really added (exact under concurrency).

    A new favourite also counts as a favourite of each exercise in the program (popularity).
    """
    try:
        with transaction.atomic():
            TemplateFavorite.objects.create(template=template, user=user)
            WorkoutTemplate.objects.filter(pk=template.pk).update(favorite_count=F("favorite_count") + 1)
            _record_usage_after_commit(exercise_ids=_program_exercise_ids(template), kind="favorites")
    except IntegrityError:
        return False
    return True


@transaction.atomic
def template_unfavorite(*, template: WorkoutTemplate, user: User) -> bool:
    """Idempotent. Removing a favourite takes back its popularity on the day it was given, so
    favouriting and unfavouriting again and again does not inflate the exercises' popularity."""
    favorite = TemplateFavorite.objects.filter(template=template, user=user).first()
    if favorite is None:
        return False
    deleted, _ = TemplateFavorite.objects.filter(pk=favorite.pk).delete()
    if deleted:
        WorkoutTemplate.objects.filter(pk=template.pk).update(favorite_count=F("favorite_count") - 1)
        _record_usage_after_commit(
            exercise_ids=_program_exercise_ids(template),
            kind="favorites",
            delta=-1,
            day=timezone.localdate(favorite.created_at),
        )
    return bool(deleted)


def template_mean_rating() -> float:
    totals = TemplateRating.objects.filter(counted=True).aggregate(n=Count("id"), total=Sum("score"))
    return totals["total"] / totals["n"] if totals["n"] else 3.0


def template_ratings_refresh(*, template_ids: list[int]) -> None:
    mean = template_mean_rating()
    for template_id in set(template_ids):
        totals = TemplateRating.objects.filter(template_id=template_id, counted=True).aggregate(
            n=Count("id"), total=Sum("score")
        )
        count, total = totals["n"], totals["total"] or 0
        WorkoutTemplate.objects.filter(pk=template_id).update(
            rating_count=count,
            rating_sum=total,
            rating_score=bayesian_score(total=total, count=count, mean=mean),
        )


def template_rate(
    *, template: WorkoutTemplate, user: User, score: int, review: str = ""
) -> tuple[TemplateRating, bool]:
    """One rating per person (rating again updates it); the same Bayesian display as exercises."""
    counted = timezone.now() - user.date_joined >= timezone.timedelta(
        days=settings.FITAI_RATING_MIN_ACCOUNT_AGE_DAYS
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                rating, created = TemplateRating.objects.update_or_create(
                    template=template,
                    user=user,
                    defaults={"score": score, "review": review, "counted": counted},
                )
        except IntegrityError:
            rating = TemplateRating.objects.get(template=template, user=user)
            rating.score, rating.review, rating.counted = score, review, counted
            rating.save()
            created = False
        template_ratings_refresh(template_ids=[template.pk])
    return rating, created


def template_feature(*, template: WorkoutTemplate, user: User, featured: bool = True) -> WorkoutTemplate:
    """Trainers and moderators feature public programs."""
    if not user_has_role(user, TRAINER, MODERATOR):
        raise ForbiddenError("Only trainers and moderators feature programs.")
    if featured and template.visibility != Visibility.PUBLIC:
        raise ConflictError("Only public programs can be featured.", code="not_public")
    template.is_featured = featured
    template.featured_at = timezone.now() if featured else None
    template.featured_by = user if featured else None
    template.save(update_fields=["is_featured", "featured_at", "featured_by", "updated_at"])
    return template


# --- Counters for the workouts app ---------------------------------------------------------------


def template_workout_started(*, template_id: int) -> None:
    """A workout was started from the program (called by the workouts app)."""
    WorkoutTemplate.objects.filter(pk=template_id).update(use_count=F("use_count") + 1)


def template_workout_completed(*, template_id: int, active_seconds: int) -> None:
    """A workout started from the program was completed (called by the workouts app)."""
    WorkoutTemplate.objects.filter(pk=template_id).update(
        completion_count=F("completion_count") + 1,
        completed_seconds=F("completed_seconds") + max(0, active_seconds),
    )


@transaction.atomic
def template_workout_deleted(*, template_id: int, completed: bool, active_seconds: int = 0) -> None:
    """A started workout of the program was deleted (called by the workouts app): take back its use
    and, if it was finished, its completion, so the completion rate stays true. Never below zero
    (counters older than some workouts)."""
    templates = WorkoutTemplate.objects.filter(pk=template_id)
    templates.filter(use_count__gt=0).update(use_count=F("use_count") - 1)
    if not completed:
        return
    seconds = max(0, active_seconds)
    templates.filter(completion_count__gt=0).update(completion_count=F("completion_count") - 1)
    templates.filter(completed_seconds__lt=seconds).update(completed_seconds=0)
    templates.filter(completed_seconds__gte=seconds).update(
        completed_seconds=F("completed_seconds") - seconds
    )


def template_stats(*, template: WorkoutTemplate) -> dict[str, Any]:
    """Read from counters: never a scan of the workouts."""
    uses, completions = template.use_count, template.completion_count
    return {
        "uses": uses,
        "completions": completions,
        "completion_rate": round(completions / uses, 4) if uses else None,
        "average_duration_seconds": round(template.completed_seconds / completions) if completions else None,
        "favorites": template.favorite_count,
        "forks": template.fork_count,
    }
