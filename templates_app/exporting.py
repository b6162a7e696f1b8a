"""What a person's export holds from programs: their programs with days, exercises and sets, and
the programs they favourited or rated (registered in `TemplatesAppConfig.ready()`).

Programs a trainer featured are their authors' data: only `owner` makes a program part of an
export. Favourites and ratings name the program by public id and name, which the person saw.
"""

from typing import Any

from django.db.models import Prefetch

from accounts.models import User
from exercises.models import Equipment
from fitai import exporting
from templates_app.models import (
    TemplateDay,
    TemplateExercise,
    TemplateFavorite,
    TemplateRating,
    TemplateSet,
    WorkoutTemplate,
)

EXPORTED_MODELS = [
    WorkoutTemplate,
    TemplateDay,
    TemplateExercise,
    TemplateSet,
    TemplateFavorite,
    TemplateRating,
]

PROGRAM_FIELDS = [
    "name",
    "description",
    "goal",
    "difficulty",
    "visibility",
    "days_per_week",
    "duration_weeks",
    "tags",
    "version",
    "is_featured",
    "featured_at",
    "favorite_count",
    "fork_count",
    "rating_count",
    "use_count",
    "completion_count",
    "created_at",
    "updated_at",
    "deleted_at",
]


def templates_export(user: User) -> dict[str, list[dict[str, Any]]]:
    """The user's programs (children flattened, keyed by program id and position), favourites
    and ratings, as export tables."""
    programs = (
        WorkoutTemplate.objects.filter(owner=user)
        .select_related("forked_from")
        .prefetch_related(Prefetch("required_equipment", queryset=Equipment.objects.only("slug")))
        .order_by("created_at", "pk")
    )
    days = TemplateDay.objects.filter(template__owner=user).order_by(
        "template__created_at", "template", "index"
    )
    exercises = TemplateExercise.objects.filter(day__template__owner=user).order_by(
        "day__template__created_at", "day__template", "day__index", "order"
    )
    sets = TemplateSet.objects.filter(template_exercise__day__template__owner=user).order_by(
        "template_exercise__day__template__created_at",
        "template_exercise__day__template",
        "template_exercise__day__index",
        "template_exercise__order",
        "order",
    )
    return {
        "programs": [
            {
                "id": program.public_id,
                **{field: getattr(program, field) for field in PROGRAM_FIELDS},
                "forked_from_id": program.forked_from.public_id if program.forked_from else None,
                "required_equipment": [piece.slug for piece in program.required_equipment.all()],
            }
            for program in programs
        ],
        "program_days": [
            {"program_id": row.pop("template__public_id"), **row}
            for row in days.values("template__public_id", "index", "week", "name", "focus")
        ],
        "program_exercises": [
            {
                "program_id": row.pop("day__template__public_id"),
                "day_index": row.pop("day__index"),
                "order": row.pop("order"),
                "exercise_id": row.pop("exercise__public_id"),
                "exercise_name": row.pop("exercise__name"),
                **row,
            }
            for row in exercises.values(
                "day__template__public_id",
                "day__index",
                "order",
                "exercise__public_id",
                "exercise__name",
                "superset_group",
                "notes",
                "rest_seconds",
                "progression",
            )
        ],
        "program_sets": [
            {
                "program_id": row.pop("template_exercise__day__template__public_id"),
                "day_index": row.pop("template_exercise__day__index"),
                "exercise_order": row.pop("template_exercise__order"),
                **row,
            }
            for row in sets.values(
                "template_exercise__day__template__public_id",
                "template_exercise__day__index",
                "template_exercise__order",
                "order",
                "set_type",
                "reps_min",
                "reps_max",
                "weight_kg",
                "percent_1rm",
                "rpe",
                "rest_seconds",
                "tempo",
            )
        ],
        "program_favorites": [
            {"program_id": row.pop("template__public_id"), "program_name": row.pop("template__name"), **row}
            for row in TemplateFavorite.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values("template__public_id", "template__name", "created_at")
        ],
        "program_ratings": [
            {"program_id": row.pop("template__public_id"), "program_name": row.pop("template__name"), **row}
            for row in TemplateRating.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values("template__public_id", "template__name", "score", "review", "created_at", "updated_at")
        ],
    }


def templates_export_count(user: User) -> int:
    return (
        WorkoutTemplate.objects.filter(owner=user).count()
        + TemplateDay.objects.filter(template__owner=user).count()
        + TemplateExercise.objects.filter(day__template__owner=user).count()
        + TemplateSet.objects.filter(template_exercise__day__template__owner=user).count()
        + TemplateFavorite.objects.filter(user=user).count()
        + TemplateRating.objects.filter(user=user).count()
    )


def register_exporter() -> None:
    """Register the programs exporter; called from `TemplatesAppConfig.ready()`."""
    exporting.register("templates", templates_export, count=templates_export_count, models=EXPORTED_MODELS)
