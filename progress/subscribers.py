"""What progress does when lower apps report a change (domain events, after commit).

Connected in `ProgressConfig.ready()`; each handler only queues a task with ids.
"""

from fitai import events, outbox


def on_workout_changed(*, workout_id: int, user_id: int, **_: object) -> None:
    from progress.tasks import workout_summarise_task

    outbox.enqueue(workout_summarise_task, workout_id, user_id)


def on_metric_changed(*, user_id: int, kind: str, **_: object) -> None:
    """A new, changed or deleted weight or body-fat reading moves the goals that read it."""
    from progress.goals import METRIC_KINDS
    from progress.tasks import goals_refresh_task

    if kind in METRIC_KINDS.values():
        outbox.enqueue(goals_refresh_task, user_id)


def on_timezone_changed(*, user_id: int, **_: object) -> None:
    """Days are local days: a new time zone moves workouts between them, so recount everything."""
    from progress.tasks import analytics_rebuild_task

    outbox.enqueue(analytics_rebuild_task, user_id)


def connect() -> None:
    from progress import goals  # noqa: F401  (declares goal.achieved and milestone.achieved)

    events.subscribe("workout.changed", on_workout_changed)
    events.subscribe("metric.changed", on_metric_changed)
    events.subscribe("preferences.timezone_changed", on_timezone_changed)
