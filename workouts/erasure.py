"""Erasing a person removes every workout, set, event and record of theirs."""

from accounts.models import User
from fitai.erasure import ErasureResult
from workouts.models import PersonalRecord, Workout, WorkoutChange

ERASED_MODELS = [Workout, WorkoutChange, PersonalRecord]


def workouts_erase(user: User) -> ErasureResult:
    result = ErasureResult()
    result.add_deleted(PersonalRecord.objects.filter(user=user).delete())
    result.add_deleted(WorkoutChange.objects.filter(owner=user).delete())
    result.add_deleted(Workout.objects.filter(owner=user).delete())
    return result
