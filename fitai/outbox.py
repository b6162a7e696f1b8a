"""The transactional outbox: Celery tasks that survive a broker outage.

`enqueue(task, *args, **kwargs)` replaces `transaction.on_commit(lambda: task.delay(...))`. With a
broker configured it writes an `OutboxMessage` row in the caller's transaction (so the task exists
exactly when the change does) and, after commit, tries once to publish it; a broker that is down
makes that attempt fail in milliseconds and leaves the row pending. `relay_outbox()` — a beat task
every few seconds, and `manage.py relay_outbox [--loop]` — publishes whatever is still pending,
oldest first, once the broker is back.

Delivery is at least once: a relay that crashes after the broker took a message but before the
row was marked sent publishes it again, so tasks queued this way must be idempotent (they take
ids and recompute, as STYLE.md asks). Several relays may run at once: each locks the rows it
publishes (`SKIP LOCKED`), so no message is sent by two of them.

Without a broker (`CELERY_TASK_ALWAYS_EAGER`: `make run`, `make test`) nothing is written: the task
runs inline once the transaction commits, as it always did.
"""

import json
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from celery import Task
from django.db import transaction
from django.utils import timezone
from django_guid import clear_guid, get_guid, set_guid
from kombu.exceptions import OperationalError
from kombu.utils import json as kombu_json

from fitai.celery import app
from fitai.models import OutboxMessage

logger = logging.getLogger("fitai.outbox")

BATCH_SIZE = 100
# Sent rows are kept this long so an operator can see what left, then purged by the relay.
SENT_RETENTION = timedelta(days=1)
PURGE_BATCH = 1000
# After a failed publish, a web process leaves new messages to the relay this long instead of
# paying a connection attempt per request (a blackholed broker costs the connect timeout).
BROKER_RETRY_AFTER = 5.0
_broker_down_until = 0.0


def enqueue(task: Task, /, *args: Any, **kwargs: Any) -> None:
    """Queue `task(*args, **kwargs)` to run once the current transaction commits (at once outside one).

    Arguments must be what Celery's JSON serializer takes (ids and plain values); a value it cannot
    encode fails here, in the caller's transaction, rather than later in the relay.
    """
    if app.conf.task_always_eager:
        transaction.on_commit(lambda: task.delay(*args, **kwargs))
        return
    message = OutboxMessage.objects.create(
        task=task.name,
        args=_encode(list(args)),
        kwargs=_encode(kwargs),
        request_id=(get_guid() or "")[:64],
    )
    message_id = message.pk
    # Robust: the change is committed whatever happens here, and the relay has the row.
    transaction.on_commit(lambda: publish_pending(message_id), robust=True)


def publish_pending(message_id: int) -> bool:
    """Publish one message now unless a relay holds it or it left already; return whether it was sent."""
    if time.monotonic() < _broker_down_until:
        return False
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, sent_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        sent, _ = _publish([message])
    return bool(sent)


def relay_outbox(*, batch_size: int = BATCH_SIZE) -> int:
    """Publish the pending messages oldest first, in batches, then purge old sent ones; return how many sent.

    Stops at the first broker error (the next run retries) and when a batch makes no progress.
    """
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .order_by("id")[:batch_size]
            )
            if not batch:
                break
            sent, broker_down = _publish(batch)
        total += sent
        if broker_down or not sent or len(batch) < batch_size:
            break
    purged = outbox_purge()
    if total or purged:
        logger.info("Outbox relay: %d sent, %d old rows purged", total, purged)
    return total


def outbox_purge(*, now: datetime | None = None) -> int:
    """Delete up to `PURGE_BATCH` rows sent more than `SENT_RETENTION` ago; return how many."""
    cutoff = (now or timezone.now()) - SENT_RETENTION
    old = list(OutboxMessage.objects.filter(sent_at__lt=cutoff).values_list("pk", flat=True)[:PURGE_BATCH])
    if not old:
        return 0
    deleted, _ = OutboxMessage.objects.filter(pk__in=old).delete()
    return deleted


def _publish(messages: Sequence[OutboxMessage]) -> tuple[int, bool]:
    """Publish locked rows over one connection and record the outcome; return (sent, broker_down).

    Call inside the transaction that holds the rows' locks. No kombu retry loop: one connection
    attempt, and on a broker error the rest wait for the next relay run.
    """
    global _broker_down_until
    sent_ids: list[int] = []
    broker_down = False
    previous_guid = get_guid()
    try:
        with app.producer_or_acquire() as producer:
            for message in messages:
                try:
                    producer.connection.ensure_connection(max_retries=0)
                    if message.request_id:
                        set_guid(message.request_id)  # django_guid copies it into the task's headers
                    app.send_task(
                        message.task,
                        args=_decode(message.args),
                        kwargs=_decode(message.kwargs),
                        producer=producer,
                        retry=False,
                        ignore_result=True,  # nobody holds the result of a task queued this way
                    )
                except (OperationalError, OSError) as exc:
                    _record_failure(message, exc)
                    broker_down = True
                    logger.warning("Broker unavailable; %s waits for the relay: %s", message, exc)
                    break
                except Exception as exc:  # a bad row must not hold up the ones after it
                    _record_failure(message, exc)
                    logger.exception("Outbox message %s could not be published", message)
                else:
                    sent_ids.append(message.pk)
    finally:
        if previous_guid:
            set_guid(previous_guid)
        else:
            clear_guid()
    if sent_ids:
        OutboxMessage.objects.filter(pk__in=sent_ids).update(sent_at=timezone.now())
    _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER if broker_down else 0.0
    return len(sent_ids), broker_down


def _record_failure(message: OutboxMessage, error: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.save(update_fields=["attempts", "last_error"])


def _encode(value: Any) -> Any:
    return json.loads(kombu_json.dumps(value))


def _decode(value: Any) -> Any:
    return kombu_json.loads(json.dumps(value))
