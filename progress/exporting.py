"""What a person's export holds from progress: check-ins with links to their photos, and goals with
their milestones (registered in `ProgressConfig.ready()`).

Photo links are `fitai.private_files` URLs and expire like every private link (15 minutes by
default): an export downloaded later still lists each photo, and `/progress/body` hands out
fresh links. The training aggregates are left out: they are derived from the exported workouts.
"""

from collections import defaultdict
from typing import Any

from django.conf import settings

from accounts.models import User
from fitai import exporting
from fitai.private_files import private_url
from progress.models import (
    CheckIn,
    DailySummary,
    DataExport,
    ExerciseDaySummary,
    Goal,
    Milestone,
    MuscleDaySummary,
    ProgressPhoto,
    SummarisedWorkout,
)

EXPORTED_MODELS = [CheckIn, ProgressPhoto, Goal, Milestone]
_DERIVED = "Training aggregates derived from the exported workouts; rebuilt from them at will."
NOT_EXPORTED = {
    DailySummary: _DERIVED,
    ExerciseDaySummary: _DERIVED,
    MuscleDaySummary: _DERIVED,
    SummarisedWorkout: _DERIVED,
    DataExport: "The export jobs themselves: a status and an expiring copy of this very data.",
}

GOAL_FIELDS = [
    "public_id",
    "type",
    "title",
    "description",
    "target_value",
    "unit",
    "exercise__public_id",
    "exercise__name",
    "weight_kg",
    "start_value",
    "current_value",
    "deadline",
    "status",
    "achieved_at",
    "created_at",
    "updated_at",
]


def _absolute(url: str) -> str:
    """Links in an export are read outside the site: make local ones absolute."""
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def progress_export(user: User) -> dict[str, list[dict[str, Any]]]:
    """The user's check-ins, photos, goals and milestones, as export tables."""
    metric_ids: dict[int, list] = defaultdict(list)
    links = CheckIn.metrics.through.objects.filter(checkin__user=user).order_by("pk")
    for check_in_id, metric_id in links.values_list("checkin_id", "bodymetric_id"):
        metric_ids[check_in_id].append(metric_id)
    check_ins = CheckIn.objects.filter(user=user).order_by("measured_at", "pk")
    photos = ProgressPhoto.objects.filter(user=user).order_by("check_in__measured_at", "check_in", "pose")
    goals = Goal.objects.filter(user=user).order_by("created_at", "pk")
    milestones = Milestone.objects.filter(goal__user=user).order_by(
        "goal__created_at", "goal", "target_value"
    )
    return {
        "check_ins": [
            {
                "id": row["public_id"],
                "measured_at": row["measured_at"],
                "note": row["note"],
                "metric_ids": metric_ids.get(row["pk"], []),
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
            }
            for row in check_ins.values("pk", "public_id", "measured_at", "note", "created_at", "updated_at")
        ],
        "progress_photos": [
            {
                "id": row["public_id"],
                "check_in_id": row["check_in__public_id"],
                "pose": row["pose"],
                "width": row["width"],
                "height": row["height"],
                "url": _absolute(private_url(row["file"])) if row["file"] else None,
                "created_at": row["created_at"],
            }
            for row in photos.values(
                "public_id", "check_in__public_id", "pose", "width", "height", "file", "created_at"
            )
        ],
        "goals": [
            {
                "id": row.pop("public_id"),
                "exercise_id": row.pop("exercise__public_id"),
                "exercise_name": row.pop("exercise__name"),
                **row,
            }
            for row in goals.values(*GOAL_FIELDS)
        ],
        "goal_milestones": [
            {"goal_id": row.pop("goal__public_id"), "id": row.pop("public_id"), **row}
            for row in milestones.values(
                "goal__public_id",
                "public_id",
                "title",
                "target_value",
                "due_date",
                "achieved_at",
                "created_at",
            )
        ],
    }


def progress_export_count(user: User) -> int:
    return (
        CheckIn.objects.filter(user=user).count()
        + ProgressPhoto.objects.filter(user=user).count()
        + Goal.objects.filter(user=user).count()
        + Milestone.objects.filter(goal__user=user).count()
    )


def register_exporter() -> None:
    """Register the progress exporter; called from `ProgressConfig.ready()`."""
    exporting.register(
        "progress",
        progress_export,
        count=progress_export_count,
        models=EXPORTED_MODELS,
        excluded=NOT_EXPORTED,
    )
