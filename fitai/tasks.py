"""Platform tasks."""

from celery import shared_task


@shared_task(name="fitai.ping", ignore_result=False)
def ping_task(value: str = "pong") -> str:
    """Echo `value`: lets operators and the stack tests prove a worker consumes the broker."""
    return value


@shared_task(ignore_result=True)
def outbox_relay_task() -> int:
    """Publish the outbox's pending tasks (beat, every few seconds); see `fitai.outbox`."""
    from fitai.outbox import relay_outbox

    return relay_outbox()
