"""The replica router and the read-your-own-writes pin, without a real replica.

`fitai.db` decides from `settings.DATABASES`; these tests pretend a replica is configured by
patching that one check and drive the middleware with plain requests and stand-in users.
"""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import User
from community.models import Activity, Comment, Like
from fitai import db
from progress.models import DailySummary, ExerciseDaySummary, MuscleDaySummary
from workouts.models import Workout

ALICE = SimpleNamespace(pk=41, is_authenticated=True)
BOB = SimpleNamespace(pk=42, is_authenticated=True)
ANONYMOUS = SimpleNamespace(pk=None, is_authenticated=False)


@pytest.fixture
def replica(monkeypatch, settings):
    settings.FITAI_READ_YOUR_WRITES_SECONDS = 5
    monkeypatch.setattr(db, "replica_configured", lambda: True)


def serve(method: str, user, status: int = 200, read=db.read_alias):
    """Run one request through the middleware; return what `read()` answered inside the view."""
    seen = {}

    def view(request):
        request.user = user  # what DRF does once it has authenticated the request
        seen["alias"] = read()
        return HttpResponse(status=status)

    request = getattr(RequestFactory(), method.lower())("/api/v1/anything")
    db.read_your_writes_middleware(view)(request)
    return seen["alias"]


def test_without_a_replica_every_read_uses_the_primary():
    assert serve("GET", ALICE) == "default"
    assert db.ReplicaRouter().db_for_read(DailySummary) == "default"


def test_a_safe_request_reads_the_replica(replica):
    assert serve("GET", ALICE) == "replica"
    assert serve("HEAD", ANONYMOUS) == "replica"


def test_a_write_request_reads_the_primary(replica):
    assert serve("POST", ALICE) == "default"


def test_reads_outside_a_request_use_the_primary(replica):
    # Celery tasks and commands read what they then write: they must not see a lagging copy.
    assert db.read_alias() == "default"


def test_after_a_write_the_writer_reads_the_primary_and_others_the_replica(replica):
    serve("PATCH", ALICE)

    assert serve("GET", ALICE) == "default"
    assert serve("GET", BOB) == "replica"


def test_the_pin_expires_and_the_writer_reads_the_replica_again(replica):
    serve("POST", ALICE)
    assert serve("GET", ALICE) == "default"

    cache.delete(db.pin_key(ALICE.pk))  # what the cache does after FITAI_READ_YOUR_WRITES_SECONDS

    assert serve("GET", ALICE) == "replica"


def test_a_failed_write_does_not_pin(replica):
    serve("POST", ALICE, status=400)

    assert serve("GET", ALICE) == "replica"


def test_the_pin_lasts_the_configured_window(replica, settings, monkeypatch):
    settings.FITAI_READ_YOUR_WRITES_SECONDS = 7
    calls = []
    monkeypatch.setattr(db.cache, "set", lambda key, value, timeout: calls.append((key, timeout)))

    serve("DELETE", ALICE)

    assert calls == [("pin:41", 7)]


def test_an_unreachable_cache_reads_the_primary(replica, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(db.cache, "get", broken)

    assert serve("GET", ALICE) == "default"


@pytest.mark.parametrize(
    "model", [DailySummary, ExerciseDaySummary, MuscleDaySummary, Activity, Like, Comment]
)
def test_the_router_sends_aggregate_and_feed_reads_to_the_replica(replica, model):
    assert serve("GET", ALICE, read=lambda: db.ReplicaRouter().db_for_read(model)) == "replica"


@pytest.mark.parametrize("model", [User, Workout])
def test_the_router_keeps_other_reads_on_the_primary(replica, model):
    assert serve("GET", ALICE, read=lambda: db.ReplicaRouter().db_for_read(model)) == "default"


def test_the_router_writes_to_the_primary_even_for_a_row_read_from_the_replica(replica):
    row = DailySummary()
    row._state.db = "replica"

    assert db.ReplicaRouter().db_for_write(DailySummary, instance=row) == "default"


def test_the_replica_is_never_migrated():
    router = db.ReplicaRouter()

    assert router.allow_migrate("replica", "progress") is False
    assert router.allow_migrate("default", "progress") is None
