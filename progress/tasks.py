"""Progress maintenance on the `analytics` queue: thin tasks that take ids and call one service."""

from celery import shared_task

from accounts.models import User
from progress import aggregates, exports, goals


@shared_task
def workout_summarise_task(workout_id: int, user_id: int) -> None:
    """Recount the days a completed, edited or deleted workout touches."""
    aggregates.workout_summarise(workout_id=workout_id, user_id=user_id)
    goals.goals_refresh(user_id=user_id)


@shared_task
def analytics_rebuild_task(user_id: int | None = None) -> int:
    """Rebuild one user's aggregates, or everyone's who has trained (nightly); return users rebuilt."""
    users = User.objects.filter(is_active=True, workouts__status="completed").distinct()
    if user_id is not None:
        users = User.objects.filter(pk=user_id)
    rebuilt = 0
    for user in users.iterator():
        aggregates.analytics_rebuild(user=user)
        goals.goals_refresh(user_id=user.pk)
        rebuilt += 1
    return rebuilt


@shared_task
def goals_refresh_task(user_id: int) -> int:
    """Recompute one member's goals after their data changed; return how many changed status."""
    return goals.goals_refresh(user_id=user_id)


@shared_task
def goals_expire_task() -> int:
    """Expire goals whose deadline has passed unachieved (beat); return how many changed status."""
    return goals.goals_expire()


@shared_task
def data_export_task(export_id: int) -> None:
    """Build one background export, reporting progress on its row (`exports.export_run`)."""
    exports.export_run(export_id=export_id)


@shared_task
def data_export_cleanup_task() -> int:
    """Delete the files of expired exports (daily); return how many were deleted."""
    return exports.export_cleanup()
