"""Notifications for what lower apps report through domain events (`fitai.events`).

The lower apps cannot import `community`, so they emit events after commit and these subscribers
turn them into notifications: friend requests and acceptances (accounts), moderation results
(exercises), new personal records of a completed workout (workouts), goals and milestones reached
and background exports ready (progress). Likes, comments, replies, mentions and challenge results
call `community.notifications.notify` directly.
"""

from decimal import Decimal
from typing import Any

from django.urls import reverse

from accounts.friend_serializers import display_name
from accounts.friendships import FRIENDSHIP_ACCEPTED, FRIENDSHIP_REQUESTED
from accounts.models import User
from community.notifications import notify
from exercises.models import Exercise
from fitai import events
from fitai.exporting import EXPORT_READY
from progress.goals import GOAL_ACHIEVED, MILESTONE_ACHIEVED
from progress.models import Goal, Milestone
from workouts.models import PersonalRecord, Workout

RECORD_LABELS = {
    PersonalRecord.Type.MAX_WEIGHT: ("heaviest weight", "kg"),
    PersonalRecord.Type.MAX_REPS: ("most reps", "reps"),
    PersonalRecord.Type.E1RM: ("best estimated 1RM", "kg"),
    PersonalRecord.Type.SET_VOLUME: ("best set volume", "kg"),
    PersonalRecord.Type.SESSION_VOLUME: ("best session volume", "kg"),
}


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def on_friendship_requested(*, from_user_id: int, to_user_id: int, **_: Any) -> None:
    sender = User.objects.filter(pk=from_user_id).first()
    if sender is None:
        return
    notify(
        recipient_id=to_user_id,
        type="friend_request",
        actor_id=from_user_id,
        title=f"{display_name(sender)} wants to be your friend",
        url=reverse("accounts:friends"),
        data={"user_id": str(sender.public_id)},
    )


def on_friendship_accepted(*, from_user_id: int, to_user_id: int, **_: Any) -> None:
    """`from_user_id` asked, `to_user_id` accepted: the one who asked hears about it."""
    friend = User.objects.filter(pk=to_user_id).first()
    if friend is None:
        return
    notify(
        recipient_id=from_user_id,
        type="friend_accepted",
        actor_id=to_user_id,
        title=f"{display_name(friend)} accepted your friend request",
        url=reverse("accounts:friends"),
        data={"user_id": str(friend.public_id)},
    )


def on_exercise_moderated(
    *, exercise_id: int, creator_id: int, status: str, reason: str = "", **_: Any
) -> None:
    exercise = Exercise.objects.filter(pk=exercise_id).only("public_id", "slug", "name").first()
    if exercise is None:
        return
    approved = status == Exercise.Status.APPROVED
    notify(
        recipient_id=creator_id,
        type="exercise_moderation",
        title=f"Your exercise “{exercise.name}” was {'approved' if approved else 'not approved'}",
        body="It is now in the library for everyone." if approved else f"Reason: {reason}",
        url=reverse("exercises:detail", kwargs={"slug": exercise.slug}),
        data={
            "exercise_id": str(exercise.public_id),
            "slug": exercise.slug,
            "status": status,
            "reason": reason,
        },
    )


def on_goal_achieved(*, goal_id: int, user_id: int, **_: Any) -> None:
    goal = Goal.objects.filter(pk=goal_id).only("public_id", "title").first()
    if goal is None:
        return
    notify(
        recipient_id=user_id,
        type="goal_achieved",
        title=f"Goal achieved: {goal.title}",
        url=reverse("progress:goals"),
        data={"goal_id": str(goal.public_id)},
    )


def on_milestone_achieved(*, milestone_id: int, goal_id: int, user_id: int, **_: Any) -> None:
    milestone = Milestone.objects.select_related("goal").filter(pk=milestone_id).first()
    if milestone is None:
        return
    notify(
        recipient_id=user_id,
        type="goal_achieved",
        title=f"Milestone reached: {milestone.title}",
        body=f"On the way to {milestone.goal.title}.",
        url=reverse("progress:goals"),
        data={"goal_id": str(milestone.goal.public_id), "milestone_id": str(milestone.public_id)},
    )


def on_export_ready(*, export_id: str, user_id: int, **_: Any) -> None:
    """The link is the export's status endpoint, which signs a fresh download link on each read."""
    notify(
        recipient_id=user_id,
        type="export_ready",
        title="Your data export is ready",
        body="Download it from FitAI before it expires.",
        url=f"/api/v1/analytics/export/{export_id}",
        data={"export_id": export_id},
    )


def _records_of(workout_id: int) -> list[PersonalRecord]:
    """The records the workout beat (not first-time baselines), the best one per exercise and type."""
    rows = (
        PersonalRecord.objects.filter(workout_id=workout_id, previous_value__isnull=False)
        .select_related("exercise")
        .order_by("exercise_id", "type", "-value")
    )
    best: dict[tuple[int, str], PersonalRecord] = {}
    for row in rows:
        best.setdefault((row.exercise_id, row.type), row)
    return list(best.values())


def on_workout_completed(*, workout_id: int, user_id: int, **_: Any) -> None:
    """One notification per workout, listing every record it beat; a workout without any says nothing."""
    records = _records_of(workout_id)
    workout = Workout.objects.filter(pk=workout_id).only("public_id", "name").first()
    if not records or workout is None:
        return
    lines = []
    for record in records:
        label, unit = RECORD_LABELS.get(record.type, (record.type, ""))
        at = f" at {_number(record.weight_kg)} kg" if record.type == PersonalRecord.Type.MAX_REPS else ""
        lines.append(
            f"{record.exercise.name}: {label} {_number(record.value)} {unit}{at}"
            f" (was {_number(record.previous_value)})"
        )
    first = records[0]
    title = (
        f"New personal record: {first.exercise.name}"
        if len(records) == 1
        else f"{len(records)} new personal records in {workout.name or 'your workout'}"
    )
    notify(
        recipient_id=user_id,
        type="personal_record",
        title=title,
        body="\n".join(lines),
        url=reverse("workouts:detail", kwargs={"workout_id": workout.public_id}),
        data={
            "workout_id": str(workout.public_id),
            "records": [
                {
                    "type": record.type,
                    "exercise_id": str(record.exercise.public_id),
                    "value": float(record.value),
                    "previous_value": float(record.previous_value),
                }
                for record in records
            ],
        },
    )


def connect_notifications() -> None:
    """Subscribe to the events that become notifications; call from `CommunityConfig.ready()`."""
    events.subscribe(FRIENDSHIP_REQUESTED, on_friendship_requested)
    events.subscribe(FRIENDSHIP_ACCEPTED, on_friendship_accepted)
    events.subscribe("exercise.moderated", on_exercise_moderated)
    events.subscribe(GOAL_ACHIEVED, on_goal_achieved)
    events.subscribe(MILESTONE_ACHIEVED, on_milestone_achieved)
    events.subscribe(EXPORT_READY, on_export_ready)
    events.subscribe("workout.completed", on_workout_completed)
