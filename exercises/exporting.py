"""What a person's export holds from the library: the exercises they submitted (in any state) and
their ratings (registered in `ExercisesConfig.ready()`).

Exercises someone moderated are the submitters' data, not the moderator's: only `created_by` makes
an exercise part of a person's export.
"""

from typing import Any

from django.db.models import Prefetch

from accounts.models import User
from exercises.models import Equipment, Exercise, ExerciseRating, Muscle
from fitai import exporting

EXPORTED_MODELS = [Exercise, ExerciseRating]

EXERCISE_FIELDS = [
    "slug",
    "name",
    "status",
    "rejection_reason",
    "description",
    "instructions",
    "category",
    "mechanics",
    "force",
    "difficulty",
    "media",
    "safety_notes",
    "contraindications",
    "created_at",
    "updated_at",
    "deleted_at",
]


def exercises_export(user: User) -> dict[str, list[dict[str, Any]]]:
    """The user's submissions and ratings, as export tables."""
    submitted = (
        Exercise.objects.filter(created_by=user)
        .order_by("created_at", "pk")
        .prefetch_related(
            Prefetch("primary_muscles", queryset=Muscle.objects.only("slug")),
            Prefetch("secondary_muscles", queryset=Muscle.objects.only("slug")),
            Prefetch("equipment", queryset=Equipment.objects.only("slug")),
        )
    )
    return {
        "submitted_exercises": [
            {
                "id": exercise.public_id,
                **{field: getattr(exercise, field) for field in EXERCISE_FIELDS},
                "primary_muscles": [muscle.slug for muscle in exercise.primary_muscles.all()],
                "secondary_muscles": [muscle.slug for muscle in exercise.secondary_muscles.all()],
                "equipment": [piece.slug for piece in exercise.equipment.all()],
            }
            for exercise in submitted
        ],
        "exercise_ratings": [
            {
                "exercise_id": row.pop("exercise__public_id"),
                "exercise_name": row.pop("exercise__name"),
                **row,
            }
            for row in ExerciseRating.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values("exercise__public_id", "exercise__name", "score", "review", "created_at", "updated_at")
        ],
    }


def exercises_export_count(user: User) -> int:
    return Exercise.objects.filter(created_by=user).count() + ExerciseRating.objects.filter(user=user).count()


def register_exporter() -> None:
    """Register the library's exporter; called from `ExercisesConfig.ready()`."""
    exporting.register("exercises", exercises_export, count=exercises_export_count, models=EXPORTED_MODELS)
