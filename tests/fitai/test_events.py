"""The domain-event dispatcher: after-commit delivery, isolation of failing subscribers."""

import logging

import pytest
from django.db import transaction

from fitai import events

EVENT = "probe.happened"


@pytest.fixture
def received():
    calls: list[dict] = []

    def subscriber(**payload):
        calls.append(payload)

    events.declare(EVENT)
    events.subscribe(EVENT, subscriber)
    yield calls
    events.unsubscribe(EVENT, subscriber)


@pytest.mark.django_db
def test_emit_delivers_after_commit(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events.emit(EVENT, thing_id=7)
        assert received == []
    assert len(callbacks) == 1
    assert received == [{"thing_id": 7}]


@pytest.mark.django_db(transaction=True)
def test_emit_inside_a_rolled_back_transaction_delivers_nothing(received):
    def emit_then_fail():
        with transaction.atomic():
            events.emit(EVENT, thing_id=1)
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError, match="abort"):
        emit_then_fail()
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_delivers_at_once(received):
    events.emit(EVENT, thing_id=2)
    assert received == [{"thing_id": 2}]


def test_a_failing_subscriber_is_logged_and_does_not_stop_the_others(received, caplog):
    later: list[dict] = []

    def broken(**payload):
        raise ValueError("boom")

    def after_broken(**payload):
        later.append(payload)

    events.subscribe(EVENT, broken)
    events.subscribe(EVENT, after_broken)
    try:
        with caplog.at_level(logging.ERROR, logger="fitai.events"):
            delivered = events.dispatch(EVENT, thing_id=3)
    finally:
        events.unsubscribe(EVENT, broken)
        events.unsubscribe(EVENT, after_broken)
    assert delivered == 2
    assert received == [{"thing_id": 3}]
    assert later == [{"thing_id": 3}]
    assert "broken" in caplog.text
    assert "ValueError: boom" in caplog.text


def test_subscribing_twice_delivers_once(received):
    subscriber = events.subscribers(EVENT)[0]
    events.subscribe(EVENT, subscriber)
    assert events.dispatch(EVENT, thing_id=4) == 1
    assert received == [{"thing_id": 4}]


def test_undeclared_events_are_refused():
    with pytest.raises(events.UnknownEventError, match=r"probe\.typo"):
        events.emit("probe.typo", thing_id=1)
    with pytest.raises(events.UnknownEventError, match=r"probe\.typo"):
        events.subscribe("probe.typo", print)
