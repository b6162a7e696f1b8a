"""Program use cases: nested create and replace, duplicate, favourites, ratings, featuring, and the
counters the workouts app updates when a workout started from a program changes state."""

from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from accounts.models import User
from exercises.models import Exercise
from exercises.services import bayesian_score
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


def _usable_exercises(*, author: User, document: dict[str, Any]) -> dict[UUID, Exercise]:
    """The exercises the document names that the author may use: approved ones and their own drafts.

    Unknown or unusable ids are reported with their exact path in the document.
    """
    wanted = {exercise["exercise_id"] for day in document["days"] for exercise in day["exercises"]}
    usable = Exercise.objects.alive().filter(
        Q(status=Exercise.Status.APPROVED) | Q(created_by=author), public_id__in=wanted
    )
    found = {exercise.public_id: exercise for exercise in usable}
    errors = {
        f"days[{d}].exercises[{e}].exercise_id": ["No usable exercise with this id."]
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


def _check_public_allowed(*, user: User, visibility: str) -> None:
    if visibility == Visibility.PUBLIC and not user.email_verified:
        raise ValidationError({"visibility": ["Confirm your e-mail address before publishing a program."]})


@transaction.atomic
def template_create(
    *, owner: User, document: dict[str, Any], forked_from: WorkoutTemplate | None = None
) -> WorkoutTemplate:
    """Create a whole program in one transaction; nothing is written if any part is invalid."""
    _check_public_allowed(user=owner, visibility=document.get("visibility", Visibility.PRIVATE))
    exercises = _usable_exercises(author=owner, document=document)
    template = WorkoutTemplate.objects.create(
        owner=owner,
        forked_from=forked_from,
        **{field: document[field] for field in PROGRAM_FIELDS if field in document},
    )
    _write_program(template=template, document=document, exercises=exercises)
    return template


@transaction.atomic
def template_replace(
    *, template: WorkoutTemplate, user: User, document: dict[str, Any], version: int | None
) -> WorkoutTemplate:
    """Replace the whole program if `version` is still current; a stale version is a 409."""
    if template.owner_id != user.pk:
        raise ForbiddenError("Only the owner can change this program.")
    current = WorkoutTemplate.objects.select_for_update().get(pk=template.pk)
    if version is not None and version != current.version:
        raise StaleVersionError(current_version=current.version)
    _check_public_allowed(user=user, visibility=document.get("visibility", current.visibility))
    exercises = _usable_exercises(author=user, document=document)
    for field in PROGRAM_FIELDS:
        setattr(current, field, document.get(field, getattr(current, field)))
    current.version += 1
    current.save()
    current.days.all().delete()
    _write_program(template=current, document=document, exercises=exercises)
    return current


@transaction.atomic
def template_delete(*, template: WorkoutTemplate, user: User) -> None:
    """Soft delete, by the owner or a moderator: workouts started from it keep their link."""
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
    """A private deep copy owned by `user`, remembering where it came from."""
    document = {**program_document(template), "visibility": Visibility.PRIVATE}
    exercises = {
        item.exercise.public_id: item.exercise for day in template.days.all() for item in day.exercises.all()
    }
    copy = WorkoutTemplate.objects.create(
        owner=user, forked_from=template, **{field: document[field] for field in PROGRAM_FIELDS}
    )
    _write_program(template=copy, document=document, exercises=exercises)
    WorkoutTemplate.objects.filter(pk=template.pk).update(fork_count=F("fork_count") + 1)
    return copy


def template_favorite(*, template: WorkoutTemplate, user: User) -> bool:
    """Idempotent; the count moves only when a favourite is really added (exact under concurrency)."""
    try:
        with transaction.atomic():
            TemplateFavorite.objects.create(template=template, user=user)
            WorkoutTemplate.objects.filter(pk=template.pk).update(favorite_count=F("favorite_count") + 1)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def template_unfavorite(*, template: WorkoutTemplate, user: User) -> bool:
    deleted, _ = TemplateFavorite.objects.filter(template=template, user=user).delete()
    if deleted:
        WorkoutTemplate.objects.filter(pk=template.pk).update(favorite_count=F("favorite_count") - 1)
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
