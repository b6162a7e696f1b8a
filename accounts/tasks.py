"""Account e-mails, sent by workers (queue `emails`). Tasks take ids or addresses, never objects."""

from celery import shared_task

from accounts import services

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def send_verification_email_task(user_id: int, email: str | None = None) -> bool:
    """Mail a verification link after registration or an address change."""
    return services.email_verification_send(user_id=user_id, email=email)


@shared_task(**RETRY)
def send_verification_email_by_address_task(email: str) -> bool:
    """Mail a new verification link if the address names an unverified account (resend)."""
    return services.email_verification_send_to_address(email=email)


@shared_task(**RETRY)
def send_password_reset_task(email: str) -> bool:
    """Mail a reset link if the address names an active account."""
    return services.password_reset_send(email=email)


@shared_task(**RETRY)
def send_password_changed_task(user_id: int) -> None:
    """Tell the owner that their password changed."""
    services.password_changed_notify(user_id=user_id)
