"""What a person's export holds from workouts: every workout with its exercises and sets, and their
personal records (registered in `WorkoutsConfig.ready()`).

Left out: the sync change feed, the live sessions' event log and the stored sync revisions —
machinery that replays or merges the workouts exported here, holding nothing they don't.
"""

from typing import Any

from accounts.models import User
from fitai import exporting
from workouts.models import PersonalRecord, Workout, WorkoutChange, WorkoutExercise, WorkoutSet

EXPORTED_MODELS = [Workout, WorkoutExercise, WorkoutSet, PersonalRecord]
NOT_EXPORTED = {
    WorkoutChange: "The offline-sync change feed: cursors over the workouts the export already holds.",
}

WORKOUT_FIELDS = [
    "public_id",
    "client_id",
    "template__public_id",
    "template_day",
    "name",
    "status",
    "started_at",
    "completed_at",
    "active_seconds",
    "notes",
    "visibility",
    "shared_at",
    "share_message",
    "volume_kg",
    "total_sets",
    "total_reps",
    "created_at",
    "updated_at",
    "deleted_at",
]
SET_FIELDS = [
    "workout__public_id",
    "workout_exercise__index",
    "index",
    "set_type",
    "reps",
    "weight_kg",
    "rpe",
    "rir",
    "duration_s",
    "distance_m",
    "completed_at",
]


def workouts_export(user: User) -> dict[str, list[dict[str, Any]]]:
    """The user's workouts (exercises and sets flattened, keyed by workout id and position) and
    personal records, as export tables."""
    exercises = WorkoutExercise.objects.filter(workout__owner=user).order_by(
        "workout__created_at", "workout", "index"
    )
    sets = WorkoutSet.objects.filter(workout__owner=user).order_by(
        "workout__created_at", "workout", "workout_exercise__index", "index"
    )
    records = PersonalRecord.objects.filter(user=user).order_by("achieved_at", "pk")
    return {
        "workouts": [
            {"id": row.pop("public_id"), "program_id": row.pop("template__public_id"), **row}
            for row in Workout.objects.filter(owner=user).order_by("created_at", "pk").values(*WORKOUT_FIELDS)
        ],
        "workout_exercises": [
            {
                "workout_id": row.pop("workout__public_id"),
                "index": row.pop("index"),
                "exercise_id": row.pop("exercise__public_id"),
                "exercise_name": row.pop("exercise__name"),
                **row,
            }
            for row in exercises.values(
                "workout__public_id", "index", "exercise__public_id", "exercise__name", "notes"
            )
        ],
        "workout_sets": [
            {
                "workout_id": row.pop("workout__public_id"),
                "exercise_index": row.pop("workout_exercise__index"),
                **row,
            }
            for row in sets.values(*SET_FIELDS)
        ],
        "personal_records": [
            {
                "exercise_id": row.pop("exercise__public_id"),
                "exercise_name": row.pop("exercise__name"),
                "workout_id": row.pop("workout__public_id"),
                **row,
            }
            for row in records.values(
                "exercise__public_id",
                "exercise__name",
                "workout__public_id",
                "type",
                "value",
                "previous_value",
                "weight_kg",
                "achieved_at",
                "is_current",
            )
        ],
    }


def workouts_export_count(user: User) -> int:
    return (
        Workout.objects.filter(owner=user).count()
        + WorkoutExercise.objects.filter(workout__owner=user).count()
        + WorkoutSet.objects.filter(workout__owner=user).count()
        + PersonalRecord.objects.filter(user=user).count()
    )


def register_exporter() -> None:
    """Register the workouts exporter; called from `WorkoutsConfig.ready()`."""
    exporting.register(
        "workouts",
        workouts_export,
        count=workouts_export_count,
        models=EXPORTED_MODELS,
        excluded=NOT_EXPORTED,
    )
