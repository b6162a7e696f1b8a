"""The transactional outbox: tasks commit with the change that queued them and survive a broker outage.

With a broker, tasks go to kombu's in-memory transport (a real broker protocol, in this process) or
to a Redis port nobody listens on (a broker that is down); without one they run inline as before.
"""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_guid import clear_guid, set_guid

from accounts.services import user_register
from fitai import outbox
from fitai.celery import app
from fitai.models import OutboxMessage

DOWN = "redis://127.0.0.1:1/0"  # connection refused: a broker that is down
UP = "memory://"

ran: list[tuple] = []


@app.task(name="tests.fitai.outbox_probe")
def probe_task(*args, **kwargs) -> None:
    ran.append((args, kwargs))


def _reset_pools() -> None:
    """Make Celery take its connections from the pool of the broker now configured."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(monkeypatch):
    """`broker(url)` sends tasks to that broker instead of running them inline."""
    saved = app.conf.task_always_eager, app.conf.broker_url
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)

    def use(url: str) -> None:
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        _reset_pools()
        outbox._broker_down_until = 0.0
        if url == UP:  # the in-memory broker lives as long as the process: start it empty
            published("default"), published("emails")

    yield use
    app.conf.task_always_eager, app.conf.broker_url = saved
    _reset_pools()


def published(queue: str = "default") -> list[dict]:
    """Take every message off `queue` of the in-memory broker."""
    messages = []
    with app.connection_for_write() as conn, conn.SimpleQueue(queue) as simple:
        while True:
            try:
                message = simple.get(block=False)
            except simple.Empty:
                return messages
            args, kwargs, _ = message.decode()
            messages.append(
                {"task": message.headers["task"], "args": args, "kwargs": kwargs, **message.headers}
            )
            message.ack()


@pytest.fixture(autouse=True)
def _clear_ran():
    ran.clear()
    yield
    clear_guid()


@pytest.mark.django_db
def test_without_a_broker_the_task_runs_inline_after_commit_and_nothing_is_stored(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(probe_task, 1, note="x")
        assert ran == []
    assert ran == [((1,), {"note": "x"})]
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_row_is_written_in_the_transaction_and_published_after_commit(
    broker, django_capture_on_commit_callbacks
):
    broker(UP)
    token = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(probe_task, 7, token=token)
        row = OutboxMessage.objects.get()
        assert (row.task, row.sent_at, row.attempts) == ("tests.fitai.outbox_probe", None, 0)
        assert published() == []
    row.refresh_from_db()
    assert row.sent_at is not None
    assert row.last_error == ""
    [message] = published()
    # Arguments arrive as `.delay` would have sent them, a UUID still a UUID.
    assert (message["task"], message["args"], message["kwargs"]) == (
        "tests.fitai.outbox_probe",
        [7],
        {"token": token},
    )
    assert ran == []


@pytest.mark.django_db
def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(
    broker, django_capture_on_commit_callbacks
):
    broker(UP)

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            outbox.enqueue(probe_task, 1)
            raise RuntimeError("abort")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="abort"):
        enqueue_then_fail()
    assert not OutboxMessage.objects.exists()
    assert published() == []


@pytest.mark.django_db
def test_arguments_celery_cannot_encode_fail_in_the_callers_transaction(broker):
    broker(UP)
    with pytest.raises(TypeError, match="not JSON serializable"):
        outbox.enqueue(probe_task, object())
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_broker_that_is_down_fails_fast_and_leaves_the_row_pending_with_the_error(
    broker, django_capture_on_commit_callbacks
):
    broker(DOWN)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(probe_task, 1)
    # One connection attempt, not kombu's default retry loop (4 s and more).
    assert time.monotonic() - started < 2
    row = OutboxMessage.objects.get()
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error.startswith("OperationalError:")
    assert "Connection refused" in row.last_error
    # Meanwhile this process leaves new messages to the relay instead of retrying per request.
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(probe_task, 2)
    assert list(OutboxMessage.objects.values_list("attempts", "sent_at")) == [(1, None), (0, None)]


@pytest.mark.django_db
def test_the_relay_publishes_pending_rows_oldest_first_once_the_broker_is_back(
    broker, django_capture_on_commit_callbacks
):
    broker(DOWN)
    set_guid("req-outbox-1")
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(5):
            outbox.enqueue(probe_task, number)
    clear_guid()
    assert outbox.relay_outbox() == 0  # still down: nothing sent, the error recorded
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 5

    broker(UP)
    assert outbox.relay_outbox(batch_size=2) == 5
    messages = published()
    assert [message["args"] for message in messages] == [[0], [1], [2], [3], [4]]
    assert {message["X-Request-ID"] for message in messages} == {"req-outbox-1"}
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    # A second run, or a late publish after commit, sends nothing twice.
    assert outbox.relay_outbox() == 0
    assert not outbox.publish_pending(OutboxMessage.objects.first().pk)
    assert published() == []


@pytest.mark.django_db
def test_the_relay_stops_at_a_broker_error_and_the_next_run_resumes(broker):
    broker(UP)
    rows = [OutboxMessage.objects.create(task=probe_task.name, args=[n]) for n in range(3)]
    broker(DOWN)
    assert outbox.relay_outbox() == 0
    attempts = dict(OutboxMessage.objects.values_list("pk", "attempts"))
    assert attempts == {rows[0].pk: 1, rows[1].pk: 0, rows[2].pk: 0}
    broker(UP)
    assert outbox.relay_outbox() == 3
    assert [message["args"] for message in published()] == [[0], [1], [2]]


@pytest.mark.django_db
def test_the_relay_purges_rows_sent_more_than_a_day_ago(broker):
    broker(UP)
    now = timezone.now()
    old = OutboxMessage.objects.create(task=probe_task.name, sent_at=now - timedelta(days=1, minutes=1))
    recent = OutboxMessage.objects.create(task=probe_task.name, sent_at=now - timedelta(hours=23))
    pending = OutboxMessage.objects.create(task=probe_task.name, created_at=now - timedelta(days=3))
    assert outbox.relay_outbox() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_registration_queues_the_verification_mail_on_the_emails_queue(
    broker, django_capture_on_commit_callbacks
):
    broker(UP)
    with django_capture_on_commit_callbacks(execute=True):
        user = user_register(email="Outbox@Example.com", username="outbox", password="a-Long-passw0rd!")
    [message] = published("emails")
    assert message["task"] == "accounts.tasks.send_verification_email_task"
    assert message["args"] == [user.pk, "outbox@example.com"]
    assert OutboxMessage.objects.get().sent_at is not None


@pytest.mark.django_db
def test_the_relay_outbox_command_reports_what_it_sent(broker, capsys):
    broker(UP)
    OutboxMessage.objects.create(task=probe_task.name, args=[1])
    call_command("relay_outbox")
    assert capsys.readouterr().out.strip() == "1 message(s) sent."
    assert [message["args"] for message in published()] == [[1]]


@pytest.mark.django_db(transaction=True)
def test_concurrent_relays_skip_the_rows_another_one_holds(broker):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE SKIP LOCKED) need PostgreSQL")
    broker(UP)
    rows = [OutboxMessage.objects.create(task=probe_task.name, args=[n]) for n in range(4)]
    locked, release = threading.Event(), threading.Event()

    def other_relay_holding_two_rows() -> None:
        try:
            with transaction.atomic():
                list(OutboxMessage.objects.select_for_update().filter(pk__in=[rows[0].pk, rows[1].pk]))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_relay_holding_two_rows)
    thread.start()
    try:
        assert locked.wait(10)
        assert outbox.relay_outbox() == 2
        assert outbox.publish_pending(rows[0].pk) is False
    finally:
        release.set()
        thread.join()
    assert outbox.relay_outbox() == 2
    assert sorted(message["args"][0] for message in published()) == [0, 1, 2, 3]
