"""Platform tasks."""

from celery import shared_task


@shared_task(name="fitai.ping", ignore_result=False)
def ping_task(value: str = "pong") -> str:
    """Echo `value`: lets operators and the stack tests prove a worker consumes the broker."""
    return value
