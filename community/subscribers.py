"""Activities written by the community when lower apps report an achievement (domain events).

- `workout.completed(workout_id, user_id)`: a `workout` activity, visible as the owner's
  `privacy.workout_visibility` preference says (`private`, the default → no activity). Its `data`
  holds the totals and the personal records set in that workout: records are folded into the
  workout's activity (one card per session) rather than posted one by one, so a session with five
  records does not flood friends' feeds.
- `workout.shared(workout_id, user_id, visibility)`: the same activity with the chosen visibility
  and the share message as its text (created if completion did not create it; `workout:<id>` keeps
  it to one per workout).
- `workout.changed(workout_id, user_id)`: a deleted workout takes its activity with it.
- `goal.achieved(goal_id, user_id)`: a `goal_achieved` activity, visible like the owner's workouts
  (goals are training achievements); body weight and body fat targets are left out of `data`.
Connected from `CommunityConfig.ready()`; each handler is idempotent (events may be re-delivered).
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.profiles import user_preferences
from community.activities import activity_record, feeds_changed_on_commit
from community.models import Activity
from fitai import events
from workouts.models import PersonalRecord, Workout


def _workout_visibility(user_id: int) -> str | None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    visibility = user_preferences(user=user)["privacy"]["workout_visibility"]
    return None if visibility == "private" else visibility


def workout_data(workout: Workout) -> dict[str, Any]:
    """What a workout card shows: the totals and the records this session set."""
    records = (
        PersonalRecord.objects.filter(workout=workout)
        .select_related("exercise")
        .order_by("exercise__name", "type")
    )
    return {
        "workout_id": str(workout.public_id),
        "name": workout.name,
        "completed_at": workout.completed_at.isoformat() if workout.completed_at else None,
        "active_seconds": workout.active_seconds,
        "volume_kg": str(workout.volume_kg),
        "total_sets": workout.total_sets,
        "total_reps": workout.total_reps,
        "personal_records": [
            {
                "type": record.type,
                "exercise_id": str(record.exercise.public_id),
                "exercise_name": record.exercise.name,
                "value": str(record.value),
                "previous_value": None if record.previous_value is None else str(record.previous_value),
            }
            for record in records
        ],
    }


def _completed_workout(workout_id: int) -> Workout | None:
    return Workout.objects.filter(
        pk=workout_id, status=Workout.Status.COMPLETED, deleted_at__isnull=True
    ).first()


def on_workout_completed(*, workout_id: int, user_id: int, **_: object) -> None:
    visibility = _workout_visibility(user_id)
    workout = _completed_workout(workout_id)
    if visibility is None or workout is None:
        return
    activity_record(
        author_id=user_id,
        type=Activity.Type.WORKOUT,
        source_key=f"workout:{workout.pk}",
        data=workout_data(workout),
        visibility=visibility,
        workout_id=workout.pk,
    )


@transaction.atomic
def on_workout_shared(*, workout_id: int, user_id: int, visibility: str, **_: object) -> None:
    workout = Workout.objects.filter(pk=workout_id, deleted_at__isnull=True).first()
    if workout is None:
        return
    key = f"workout:{workout.pk}"
    existing = Activity.objects.select_for_update().filter(author_id=user_id, source_key=key).first()
    if visibility not in Activity.Visibility.values:  # shared back to private: the card goes
        if existing is not None and existing.deleted_at is None:
            Activity.objects.filter(pk=existing.pk).update(deleted_at=timezone.now())
            feeds_changed_on_commit(user_id)
        return
    if existing is None:
        activity_record(
            author_id=user_id,
            type=Activity.Type.WORKOUT,
            source_key=key,
            data=workout_data(workout),
            visibility=visibility,
            text=workout.share_message,
            workout_id=workout.pk,
        )
        return
    existing.visibility, existing.deleted_at, existing.data = visibility, None, workout_data(workout)
    existing.text = workout.share_message or existing.text
    existing.save(update_fields=["visibility", "deleted_at", "data", "text"])
    feeds_changed_on_commit(user_id)


def on_workout_changed(*, workout_id: int, user_id: int, **_: object) -> None:
    if Workout.objects.filter(pk=workout_id, deleted_at__isnull=False).exists():
        gone = Activity.objects.filter(
            author_id=user_id, source_key=f"workout:{workout_id}", deleted_at__isnull=True
        ).update(deleted_at=timezone.now())
        if gone:
            from community.feed import feed_invalidate_for_author

            feed_invalidate_for_author(author_id=user_id)


def on_goal_achieved(*, goal_id: int, user_id: int, **_: object) -> None:
    from progress.models import Goal

    visibility = _workout_visibility(user_id)
    goal = Goal.objects.filter(pk=goal_id, user_id=user_id).select_related("exercise").first()
    if visibility is None or goal is None:
        return
    data: dict[str, Any] = {"goal_id": str(goal.public_id), "title": goal.title, "type": goal.type}
    if goal.type not in {Goal.Type.BODY_WEIGHT, Goal.Type.BODY_FAT}:  # body data stays private
        data |= {"target_value": str(goal.target_value), "unit": goal.unit}
    if goal.exercise is not None:
        data |= {"exercise_id": str(goal.exercise.public_id), "exercise_name": goal.exercise.name}
    activity_record(
        author_id=user_id,
        type=Activity.Type.GOAL_ACHIEVED,
        source_key=f"goal:{goal.pk}",
        data=data,
        visibility=visibility,
    )


def connect() -> None:
    from progress import goals  # noqa: F401  (declares goal.achieved)

    events.subscribe("workout.completed", on_workout_completed)
    events.subscribe("workout.shared", on_workout_shared)
    events.subscribe("workout.changed", on_workout_changed)
    events.subscribe("goal.achieved", on_goal_achieved)
