"""The fail-soft Redis cache (`fitai.cache`) against a real, throwaway `redis-server`.

A stopped server is a miss, never an exception; a hung one costs one socket timeout, after which the
circuit breaker keeps calls off it; invalidations lost meanwhile are replayed when it is back; hits,
misses and errors are counted on `/metrics`. Each test starts its own server on a free port (the
machine's shared Redis is never stopped); without the `redis-server` binary they are skipped.
"""

import os
import re
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.profiles import profile_get
from exercises.seed import library_load
from fitai.api.permissions import MODERATOR, user_has_role
from fitai.cache import CACHE_REQUESTS, FailSoftRedisCache
from fitai.realtime import broadcast
from tests.community import post, verified
from tests.e2e.conftest import Process, free_port
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary")


class RedisServer:
    """A redis-server of our own on one port, which a test may stop, restart, freeze and thaw."""

    def __init__(self, log_dir) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_dir = log_dir
        self.runs = 0
        self.process: Process | None = None

    def start(self) -> None:
        self.runs += 1
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = Process(
            f"redis-{self.runs}",
            [shutil.which("redis-server"), *args],
            {"PATH": os.environ["PATH"]},
            self.log_dir,
        )
        self.process.wait_until(lambda: "Ready to accept connections" in self.process.log(), timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.popen.poll() is None:
            self.thaw()
            self.process.stop()

    def freeze(self) -> None:
        """SIGSTOP: the kernel still accepts connections, nothing answers (a hung Redis)."""
        os.kill(self.process.popen.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.popen.pid, signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def make_cache(url: str, **options) -> FailSoftRedisCache:
    """A backend as the settings build it, with a short timeout and its own options."""
    return FailSoftRedisCache(
        url,
        {
            "KEY_PREFIX": "t",
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3, "RETRY_SECONDS": 0, **options},
        },
    )


def counts() -> dict[str, float]:
    return {result: CACHE_REQUESTS.labels(result=result)._value.get() for result in ("hit", "miss", "error")}


def moved(before: dict[str, float]) -> dict[str, float]:
    after = counts()
    return {result: after[result] - before[result] for result in after}


def test_hits_and_misses_are_counted(redis_server):
    cache = make_cache(redis_server.url)
    before = counts()

    assert cache.get("absent", "fallback") == "fallback"
    cache.set("present", {"a": 1}, 60)
    assert cache.get("present") == {"a": 1}
    assert cache.get_many(["present", "absent"]) == {"present": {"a": 1}}
    cache.set("none", None, 60)
    assert cache.get("none", "default") is None  # a stored None is a hit, not a miss

    assert moved(before) == {"hit": 3, "miss": 2, "error": 0}


def test_a_stopped_redis_is_a_miss_and_writes_do_nothing(redis_server):
    cache = make_cache(redis_server.url)
    cache.set("kept", 1, 60)
    redis_server.stop()
    before = counts()

    started = time.monotonic()
    assert cache.get("kept", "default") == "default"
    assert cache.get_many(["kept", "other"]) == {}
    assert cache.has_key("kept") is False
    assert cache.add("new", 1) is False
    cache.set("new", 1)
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # Django's contract: the keys not stored
    assert cache.delete("kept") is False
    cache.delete_many(["a", "b"])
    assert cache.incr("counter", 3) == 3  # as if the counter had just started: throttles fail open
    assert cache.decr("counter") == -1
    assert cache.touch("kept") is False
    assert cache.get_or_set("computed", lambda: "built") == "built"
    assert cache.clear() is False
    elapsed = time.monotonic() - started

    assert moved(before) == {"hit": 0, "miss": 0, "error": 5}  # get, 2 keys of get_many, 2 in get_or_set
    assert elapsed < 1, "a refused connection must cost milliseconds, not the socket timeout"


async def test_the_async_api_fails_soft_too(redis_server):
    cache = make_cache(redis_server.url)
    redis_server.stop()
    assert await cache.aget("key", "default") == "default"
    await cache.aset("key", 1)
    assert await cache.aincr("key") == 1


def test_a_missing_key_still_raises_on_incr_while_redis_is_up(redis_server):
    cache = make_cache(redis_server.url)
    with pytest.raises(ValueError, match="not found"):
        cache.incr("never-set")


def test_caching_resumes_when_redis_restarts_on_the_same_port(redis_server):
    cache = make_cache(redis_server.url)
    redis_server.stop()
    assert cache.get("key") is None
    cache.set("key", "lost")

    redis_server.start()
    before = counts()
    assert cache.get("key") is None  # nothing survived; the call reached Redis again
    cache.set("key", "stored", 60)
    assert cache.get("key") == "stored"
    assert moved(before) == {"hit": 1, "miss": 1, "error": 0}


class HungServer:
    """Accepts connections and never answers: what a frozen or half-dead Redis looks like."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.url = f"redis://127.0.0.1:{self.sock.getsockname()[1]}/0"
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def test_a_hung_redis_costs_one_timeout_then_the_breaker_skips_it():
    server = HungServer()
    try:
        cache = make_cache(server.url, RETRY_SECONDS=60, LOG_INTERVAL=0)
        started = time.monotonic()
        assert cache.get("key", "default") == "default"
        first = time.monotonic() - started
        connections = len(server.accepted)

        started = time.monotonic()
        for _ in range(50):
            assert cache.get("key", "default") == "default"
            cache.set("key", 1)
        rest = time.monotonic() - started
    finally:
        server.close()

    assert 0.25 <= first < 2, "the first call waits for the socket timeout (0.3 s), no longer"
    assert connections == 1
    assert len(server.accepted) == connections, "while the breaker is open no call reaches the server"
    assert rest < 0.5


def test_invalidations_lost_while_redis_hangs_are_replayed_when_it_answers(redis_server):
    cache = make_cache(redis_server.url, RETRY_SECONDS=60, LOG_INTERVAL=0)
    cache.set("library-version", 1, None)
    cache.set("entry", "stale", 60)
    redis_server.freeze()
    try:
        assert cache.get("entry") is None  # times out: the breaker opens for 60 s
        assert cache.incr("library-version") == 1  # skipped, remembered
        assert cache.delete("entry") is False  # skipped, remembered
    finally:
        redis_server.thaw()
    assert cache.get("entry") is None  # the breaker still skips Redis: no reply yet

    cache.probe()  # what /health/ready does: past the breaker, and it closes it

    assert cache.get("library-version") == 2
    assert cache.get("entry") is None
    cache.set("entry", "fresh", 60)
    assert cache.get("entry") == "fresh"


@pytest.mark.django_db
def test_throttled_api_reads_answer_while_the_cache_is_down(redis_server, auth_client):
    location = redis_server.url
    redis_server.stop()
    dead = {
        "BACKEND": "fitai.cache.FailSoftRedisCache",
        "LOCATION": location,
        "OPTIONS": {"RETRY_SECONDS": 0},
    }
    with override_settings(CACHES={"default": dead}):
        assert isinstance(caches["default"], FailSoftRedisCache)
        client = auth_client()
        before = counts()
        responses = [client.get("/api/v1/exercises") for _ in range(3)]
        assert moved(before)["error"] > 0
    assert [r.status_code for r in responses] == [200, 200, 200]


@pytest.mark.django_db
def test_metrics_export_the_cache_lookups(redis_server, client):
    cache = make_cache(redis_server.url)
    dead = make_cache(f"redis://127.0.0.1:{free_port()}/0")
    cache.set("present", 1, 60)

    series = {
        "hit": 'fitai_cache_requests_total{result="hit"}',
        "miss": 'fitai_cache_requests_total{result="miss"}',
        "get_errors": 'fitai_cache_errors_total{operation="get"}',
    }

    def exported() -> dict[str, float]:
        text = client.get("/metrics").content.decode()
        assert 'fitai_redis_available{client="cache"}' in text
        values = {}
        for name, sample in series.items():
            match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
            values[name] = float(match.group(1)) if match else 0.0
        return values

    before = exported()
    cache.get("present")
    cache.get("present")
    cache.get("absent")
    dead.get("anything")
    after = exported()

    assert {name: after[name] - before[name] for name in series} == {"hit": 2, "miss": 1, "get_errors": 1}


@pytest.mark.django_db(transaction=True)
def test_ready_reports_the_cache_down_and_recovers_when_redis_is_back(redis_server, client):
    cache_settings = {
        "default": {
            "BACKEND": "fitai.cache.FailSoftRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3, "RETRY_SECONDS": 60},
        }
    }
    with override_settings(CACHES=cache_settings):
        assert client.get("/health/ready").status_code == 200
        redis_server.stop()
        down = client.get("/health/ready")
        live = client.get("/health/live")
        redis_server.start()
        # The probe goes past the breaker: readiness recovers without waiting out the retry window.
        up = client.get("/health/ready")
        cached_again = caches["default"].get_or_set("after", lambda: "computed")
        hit = caches["default"].get("after")

    assert down.status_code == 503
    assert down.json()["failing"] == ["cache"]
    assert down.json()["checks"]["cache"]["ok"] is False
    assert live.status_code == 200
    assert up.status_code == 200, up.json()
    assert (cached_again, hit) == ("computed", "computed")


def test_a_broadcast_to_an_unreachable_channel_layer_is_dropped_not_raised(settings):
    port = free_port()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]},
        }
    }
    assert broadcast("workout.abc", "workout.event", {"seq": 1}) is False


def test_a_broadcast_to_a_hung_channel_layer_gives_up_after_the_soft_timeout(settings):
    server = HungServer()
    settings.REDIS_SOFT_TIMEOUT = 0.3
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [server.url]}}
    }
    try:
        started = time.monotonic()
        delivered = broadcast("workout.abc", "workout.event", {"seq": 1})
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert delivered is False
    assert elapsed < 2


def test_a_broadcast_reaches_a_live_channel_layer(redis_server, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_server.url]},
        }
    }
    assert broadcast("workout.abc", "workout.event", {"seq": 1}) is True


# --- Per-request memoisation: lookups a request repeated (measured with CaptureQueriesContext) -----


def _queries_on(ctx, table: str) -> int:
    return sum(1 for query in ctx.captured_queries if f'FROM "{table}"' in query["sql"])


@pytest.mark.django_db
def test_a_request_asks_for_the_viewers_roles_once(auth_client):
    """Listing comments asked "is this a moderator?" twice (two group queries); now once."""
    activity = post(verified(), visibility="public")
    client = auth_client(verified())
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/community/activities/{activity.public_id}/comments")
    assert response.status_code == 200
    assert _queries_on(ctx, "auth_group") == 1


@pytest.mark.django_db
def test_changing_a_users_groups_forgets_the_memoised_roles():
    user = UserFactory()
    assert user_has_role(user, MODERATOR) is False
    user.groups.add(Group.objects.get_or_create(name=MODERATOR)[0])
    assert user_has_role(user, MODERATOR) is True
    user.groups.clear()
    assert user_has_role(user, MODERATOR) is False


@pytest.mark.django_db
def test_an_ai_request_reads_the_profile_once(auth_client):
    """The coach read the profile three times per request (level twice, preferences once)."""
    library_load()
    user = UserFactory()
    profile_get(user=user)  # a member who has a profile, as every member who signed up does
    client = auth_client(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/ai/workout-generate", {"goal": "strength"}, format="json")
    assert response.status_code == 200, response.content
    assert _queries_on(ctx, "accounts_profile") == 1
