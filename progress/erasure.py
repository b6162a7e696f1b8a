"""Erasing a person removes their check-ins (and the body metrics they wrote), photos, goals,
aggregates and exports, and deletes the photo and export files from storage."""

from accounts.models import User
from fitai.erasure import ErasureResult
from progress.models import (
    CheckIn,
    DailySummary,
    DataExport,
    ExerciseDaySummary,
    Goal,
    MuscleDaySummary,
    ProgressPhoto,
    SummarisedWorkout,
)

ERASED_MODELS = [
    CheckIn,
    ProgressPhoto,
    Goal,
    DailySummary,
    ExerciseDaySummary,
    MuscleDaySummary,
    SummarisedWorkout,
    DataExport,
]


def progress_erase(user: User) -> ErasureResult:
    result = ErasureResult()
    result.files.extend(ProgressPhoto.objects.filter(user=user).values_list("file", flat=True))
    result.files.extend(DataExport.objects.filter(user=user).exclude(file="").values_list("file", flat=True))
    for model in (ProgressPhoto, CheckIn, Goal, DailySummary, ExerciseDaySummary, MuscleDaySummary):
        result.add_deleted(model.objects.filter(user=user).delete())
    result.add_deleted(SummarisedWorkout.objects.filter(user=user).delete())
    result.add_deleted(DataExport.objects.filter(user=user).delete())
    return result
