"""Which database serves a read: the primary, or the replica for reads that tolerate lag.

With `DATABASE_REPLICA_URL` set, the settings define a `replica` alias and install `ReplicaRouter`.
Heavy reads go to the replica: the analytics aggregates and the feed's models through the router,
and any query written as `.using(read_alias())` (analytics selectors, the coach's context, search).
Everything else, and every write, goes to `default`.

The replica is only ever used where staleness cannot hurt: inside a safe (GET/HEAD/OPTIONS) HTTP
request, outside any transaction, for a user who has not written in the last
`FITAI_READ_YOUR_WRITES_SECONDS`. A write request, a Celery task, a management command or a
WebSocket consumer reads the primary, so a service never decides on replica data. After a user's
successful write, `pin:<user id>` in the shared cache pins that user's reads to the primary for the
window (read-your-own-writes): the workout they just logged shows up in their own analytics even
if the replica lags; other users read the replica meanwhile.
"""

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PIN_KEY = "pin:{user_id}"
# Models whose implicit reads the router sends to the replica: the analytics aggregates and the
# feed. Other models read from the primary unless a query opts in with `.using(read_alias())`.
REPLICA_MODELS = frozenset(
    {
        "progress.dailysummary",
        "progress.exercisedaysummary",
        "progress.muscledaysummary",
        "community.activity",
        "community.like",
        "community.comment",
    }
)


@dataclass
class _RequestReads:
    """What the current request may read from; the pin is looked up at most once."""

    request: HttpRequest
    pinned: bool | None = field(default=None)


_current: ContextVar[_RequestReads | None] = ContextVar("fitai_request_reads", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def pin_window() -> int:
    return int(getattr(settings, "FITAI_READ_YOUR_WRITES_SECONDS", 5))


def pin_key(user_id: int) -> str:
    return PIN_KEY.format(user_id=user_id)


def user_pin(*, user_id: int) -> None:
    """Pin the user's reads to the primary for the read-your-own-writes window."""
    if not replica_configured() or pin_window() <= 0:
        return
    try:
        cache.set(pin_key(user_id), 1, timeout=pin_window())
    except Exception:
        # A dead cache must not fail a write that already committed; without the pin the user may
        # briefly read their own data stale.
        logger.warning("Could not pin user %s to the primary", user_id, exc_info=True)


def user_is_pinned(*, user_id: int) -> bool:
    try:
        return cache.get(pin_key(user_id)) is not None
    except Exception:  # Unknown means the primary: correct, only slower.
        return True


def _request_pinned(state: _RequestReads) -> bool:
    if state.pinned is None:
        user = getattr(state.request, "user", None)
        # DRF sets `request.user` on the Django request once it authenticates (JWT included),
        # so by the time a view reads, the user is known.
        if user is None or not user.is_authenticated:
            return (
                False  # anonymous reads are never anyone's own writes; not cached, the user may still appear
            )
        state.pinned = user_is_pinned(user_id=user.pk)
    return state.pinned


def read_alias() -> str:
    """The alias for a read that tolerates replication lag, or `default` when it must not lag."""
    if not replica_configured():
        return PRIMARY
    state = _current.get()
    if state is None or state.request.method not in SAFE_METHODS:
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return PRIMARY if _request_pinned(state) else REPLICA


class ReplicaRouter:
    """Implicit reads of `REPLICA_MODELS` follow `read_alias()`; everything else is the primary's.

    Writes always name `default` explicitly: left to Django, a row loaded from the replica would be
    saved back where it came from.
    """

    def db_for_read(self, model, **hints) -> str:
        if model._meta.label_lower in REPLICA_MODELS:
            return read_alias()
        return PRIMARY

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        # A replica receives its schema by replication, never by `migrate`.
        return False if db == REPLICA else None


@sync_and_async_middleware
def read_your_writes_middleware(get_response: Callable) -> Callable:
    """Remember the request for `read_alias()`, and pin the user to the primary after a write.

    Sits after the authentication middleware; the pin is set after the response, when DRF has
    authenticated the user, for any non-safe method that succeeded.
    """

    def after(request: HttpRequest, response: HttpResponse) -> None:
        if request.method in SAFE_METHODS or response.status_code >= 400 or not replica_configured():
            return
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_pin(user_id=user.pk)

    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            token = _current.set(_RequestReads(request))
            try:
                response = await get_response(request)
            finally:
                _current.reset(token)
            await sync_to_async(after)(request, response)
            return response

        markcoroutinefunction(middleware)
    else:

        def middleware(request: HttpRequest) -> HttpResponse:
            token = _current.set(_RequestReads(request))
            try:
                response = get_response(request)
            finally:
                _current.reset(token)
            after(request, response)
            return response

    return middleware
