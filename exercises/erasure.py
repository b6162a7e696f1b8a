"""What erasing a person means for the library: their ratings go; their unreviewed submissions go;
their approved submissions stay, anonymous, because other people's programs and workouts use them."""

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import User
from exercises.models import Exercise, ExerciseRating
from fitai.erasure import ErasureResult

ERASED_MODELS = [Exercise, ExerciseRating]


def exercises_erase(user: User) -> ErasureResult:
    from exercises.services import rating_aggregates_refresh

    result = ErasureResult()
    rated = list(ExerciseRating.objects.filter(user=user).values_list("exercise_id", flat=True))
    result.add_deleted(ExerciseRating.objects.filter(user=user).delete())
    for draft in Exercise.objects.filter(created_by=user).exclude(status=Exercise.Status.APPROVED):
        try:
            with transaction.atomic():
                result.add_deleted(draft.delete())
        except ProtectedError:  # A program still uses it: keep it, anonymous and hidden.
            Exercise.objects.filter(pk=draft.pk).update(deleted_at=timezone.now())
    result.add(Exercise, Exercise.objects.filter(created_by=user).update(created_by=None))
    result.add(Exercise, Exercise.objects.filter(moderated_by=user).update(moderated_by=None))
    rating_aggregates_refresh(exercise_ids=rated)
    return result
