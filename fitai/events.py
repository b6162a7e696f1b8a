"""Domain events: how a lower app makes higher apps act without importing them (DESIGN.md).

An app declares the events it emits and emits them from its services; delivery happens after the
surrounding transaction commits (at once outside one), so subscribers never see rolled-back
state. Higher apps subscribe in `AppConfig.ready()`. Delivery is synchronous and in-process;
one subscriber's failure is logged and does not stop the others or the emitter.

    # workouts/apps.py                     # progress/apps.py
    events.declare("workout.completed")    events.subscribe("workout.completed", aggregates_update)
    # workouts/services.py
    events.emit("workout.completed", workout_id=workout.pk)
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger("fitai.events")

Subscriber = Callable[..., None]

_declared: set[str] = set()
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


class UnknownEventError(LookupError):
    """An event was emitted or subscribed to before any app declared it: usually a typo."""


def declare(*names: str) -> None:
    """Declare the events an app emits; call from the emitting app's `AppConfig.ready()`."""
    _declared.update(names)


def subscribe(name: str, subscriber: Subscriber) -> None:
    """Call `subscriber(**payload)` after each `emit(name, ...)`; idempotent per subscriber."""
    _check_declared(name)
    if subscriber not in _subscribers[name]:
        _subscribers[name].append(subscriber)


def unsubscribe(name: str, subscriber: Subscriber) -> None:
    if subscriber in _subscribers.get(name, ()):
        _subscribers[name].remove(subscriber)


def emit(name: str, /, using: str | None = None, **payload: Any) -> None:
    """Deliver `payload` (ids and plain values, never model instances) once the transaction commits."""
    _check_declared(name)
    transaction.on_commit(lambda: dispatch(name, **payload), using=using)


def dispatch(name: str, /, **payload: Any) -> int:
    """Call every subscriber of `name` now; return how many succeeded."""
    delivered = 0
    for subscriber in list(_subscribers.get(name, ())):
        try:
            subscriber(**payload)
        except Exception:
            logger.exception(
                "Subscriber %s of event %s failed", getattr(subscriber, "__qualname__", subscriber), name
            )
        else:
            delivered += 1
    return delivered


def subscribers(name: str) -> list[Subscriber]:
    """The subscribers of `name`, in registration order."""
    return list(_subscribers.get(name, ()))


def _check_declared(name: str) -> None:
    if name not in _declared:
        raise UnknownEventError(f"Event {name!r} is not declared; declare it in the emitting app's ready().")
