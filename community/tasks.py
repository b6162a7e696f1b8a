"""Community background work. Tasks take ids and plain values, never objects.

`send_*` tasks are routed to the `emails` queue (`CELERY_TASK_ROUTES`).
"""

from celery import shared_task

from community import notifications

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def send_notification_email_task(
    recipient_id: int, type: str, title: str, body: str = "", url: str = ""
) -> bool:
    """Mail one notification to its recipient's verified address."""
    return notifications.notification_email_send(
        recipient_id=recipient_id, type=type, title=title, body=body, url=url
    )


@shared_task(**RETRY)
def push_notification_task(
    recipient_id: int, type: str, title: str, body: str = "", url: str = "", data: dict | None = None
) -> bool:
    """Hand one notification to the push backend (`FITAI_PUSH_BACKEND`)."""
    return notifications.notification_push_send(
        recipient_id=recipient_id, type=type, title=title, body=body, url=url, data=data
    )


@shared_task
def challenge_scores_task(user_id: int, workout_id: int | None = None) -> int:
    """After a workout changed: the member's aggregates, challenge scores and board entries."""
    from community import challenges

    return challenges.scores_after_workout(user_id=user_id, workout_id=workout_id)


@shared_task
def challenges_finish_task() -> int:
    """Announce the results of every challenge that has ended everywhere (beat); return how many."""
    from community import challenges

    return challenges.challenges_finish()
