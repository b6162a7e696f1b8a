"""Redis that FitAI can do without: a cache backend that fails soft, and the circuit breaker its users share.

Redis holds nothing that cannot be rebuilt: cached reads, throttle counters, the read-your-writes
pin, leaderboard sorted sets and the WebSocket fan-out. So when it is unreachable a request is
answered without it, from the database, instead of failing:

- `FailSoftRedisCache` (the `default` cache with `REDIS_URL`) is Django's `RedisCache` in which a
  Redis error is a miss: `get` returns the default, `set`/`add`/`delete` do nothing (`add` and
  `delete` say False), `incr` answers `delta` as if the counter had just started, so throttles and
  rate limits fail open. Invalidations that could not reach Redis (`delete`, `incr` of a version
  key) are remembered, up to `MAX_PENDING`, and replayed once it answers again, so a Redis that
  kept its data does not serve entries made stale during the outage.
- `RedisBreaker`: after a failure, a Redis user skips Redis for `REDIS_RETRY_SECONDS`, then lets
  one call through to probe it. A refused connection fails in a millisecond, a hung server only
  after its socket timeout (`REDIS_SOFT_TIMEOUT`); the breaker makes the hung case cost that once
  per retry window and process, not once per call. Failures are logged at most once per
  `LOG_INTERVAL_SECONDS` per breaker, the recovery once. The breakers are per process and keyed
  by what they guard (Django creates one cache object per thread; they share one breaker).
- Metrics on `/metrics`: `fitai_cache_requests_total{result="hit|miss|error"}` counts lookups
  (hit ratio = hit / (hit + miss + error)), `fitai_cache_errors_total{operation}` the operations
  that did not reach Redis, `fitai_redis_available{client}` 1 or 0 per Redis user.

`/health/ready` probes Redis past the breaker (`FailSoftRedisCache.probe`), so it reports an
outage at once and its first success closes the breaker.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from prometheus_client import Counter, Gauge
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("fitai.cache")

T = TypeVar("T")

LOG_INTERVAL_SECONDS = 30.0
MAX_PENDING = 1000
# Errors that mean "Redis is not there" (open the breaker) rather than "Redis refused this command"
# (out of memory, a read-only replica during failover: a miss, but Redis is up).
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
    TimeoutError,
)

CACHE_REQUESTS = Counter(
    "fitai_cache_requests",
    "Cache lookups by result; hit ratio = hit / (hit + miss + error).",
    ["result"],
)
CACHE_ERRORS = Counter(
    "fitai_cache_errors",
    "Cache operations that did not reach Redis (failed, or skipped while it is down).",
    ["operation"],
)
REDIS_AVAILABLE = Gauge(
    "fitai_redis_available",
    "1 while this process's last call to Redis for this use succeeded, 0 while it is skipped.",
    ["client"],
)
for _result in ("hit", "miss", "error"):
    CACHE_REQUESTS.labels(result=_result)  # Exported from the start, so rates work from zero.

# Replays of lost invalidations: a version key is bumped only if it still exists (a restarted
# Redis starts every version afresh, with nothing cached under the old ones).
_REPLAY_INCR = """
for i, key in ipairs(KEYS) do
  if redis.call('exists', key) == 1 then redis.call('incrby', key, ARGV[i]) end
end
return 1
"""


def retry_seconds() -> float:
    return float(getattr(settings, "REDIS_RETRY_SECONDS", 2.0))


def soft_timeout() -> float:
    """Socket timeout of the Redis calls that can do without Redis: cache, broadcasts, boards."""
    return float(getattr(settings, "REDIS_SOFT_TIMEOUT", 0.5))


class RedisBreaker:
    """A circuit breaker for one use of Redis in this process (thread-safe).

    Closed: every call goes to Redis. After a failure it opens: `allow()` says no until
    `retry_seconds` have passed, then yes to one caller (the probe) while the others keep skipping.
    The probe's `succeeded()` closes it, its `failed()` opens it for another window.
    """

    def __init__(self, client: str, *, retry: float | None = None, log_interval: float | None = None) -> None:
        self.client = client
        self._retry = retry
        self.log_interval = LOG_INTERVAL_SECONDS if log_interval is None else log_interval
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._logged_at = -float("inf")
        self._suppressed = 0
        REDIS_AVAILABLE.labels(client=client).set(1)

    @property
    def retry(self) -> float:
        return retry_seconds() if self._retry is None else self._retry

    @property
    def is_open(self) -> bool:
        return self._down_since is not None

    def allow(self) -> bool:
        """Whether to call Redis now."""
        if self._down_since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry  # This caller probes; the others wait for it.
            return True

    def failed(self, error: BaseException) -> None:
        """Open (or keep open) the breaker after an outage error, logging it at most once per interval."""
        with self._lock:
            now = time.monotonic()
            if self._down_since is None:
                self._down_since = now
                REDIS_AVAILABLE.labels(client=self.client).set(0)
            self._retry_at = now + self.retry
            if now - self._logged_at < self.log_interval:
                self._suppressed += 1
                return
            suppressed, self._suppressed, self._logged_at = self._suppressed, 0, now
        logger.warning(
            "Redis unreachable for %s (%s: %s); going on without it, retrying every %gs%s",
            self.client,
            type(error).__name__,
            error,
            self.retry,
            f" ({suppressed} more failures since the last report)" if suppressed else "",
        )

    def succeeded(self) -> bool:
        """Close the breaker; True when it was open (Redis just came back)."""
        if self._down_since is None:
            return False
        with self._lock:
            if self._down_since is None:
                return False
            down_for = time.monotonic() - self._down_since
            self._down_since = None
            self._retry_at = 0.0
            REDIS_AVAILABLE.labels(client=self.client).set(1)
        # Failures stay rate-limited across recoveries, so a flapping Redis cannot flood the log.
        logger.info("Redis reachable again for %s after %.1fs", self.client, down_for)
        return True


_breakers: dict[str, RedisBreaker] = {}
_breakers_lock = threading.Lock()


def breaker(client: str, key: str = "", **options: Any) -> RedisBreaker:
    """The process's breaker for `client` (cache, realtime, leaderboards) on one server (`key`)."""
    name = f"{client}|{key}"
    with _breakers_lock:
        if name not in _breakers:
            _breakers[name] = RedisBreaker(client, **options)
        return _breakers[name]


class _Pending:
    """Invalidations that could not reach Redis, replayed when it answers again (bounded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.deletes: set[str] = set()
        self.increments: dict[str, int] = {}
        self.overflowed = False

    def delete(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self.increments.pop(key, None)
                if len(self.deletes) + len(self.increments) >= MAX_PENDING:
                    self.overflowed = True
                    return
                self.deletes.add(key)

    def incr(self, key: str, delta: int) -> None:
        with self._lock:
            if key in self.deletes:
                return
            if key not in self.increments and len(self.deletes) + len(self.increments) >= MAX_PENDING:
                self.overflowed = True
                return
            self.increments[key] = self.increments.get(key, 0) + delta

    def take(self) -> tuple[set[str], dict[str, int], bool]:
        with self._lock:
            taken = self.deletes, self.increments, self.overflowed
            self.deletes, self.increments, self.overflowed = set(), {}, False
        return taken


_pending: dict[str, _Pending] = {}


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


class _ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new `redis.Redis` for every cache call, and each one fills a table of some
    170 response callbacks: a quarter of a millisecond per call, several calls per request
    (bench/results.md). A client holds no connection of its own (the pool does) and is safe to
    share between threads, so one per pool is kept."""

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache, in which Redis being unreachable is a miss (module docstring).

    Extra `OPTIONS` (removed before the rest reach redis-py): `RETRY_SECONDS` (default
    `REDIS_RETRY_SECONDS`) and `LOG_INTERVAL` (seconds between two warnings, default 30).
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        retry = options.pop("RETRY_SECONDS", None)
        log_interval = options.pop("LOG_INTERVAL", None)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = _ReusedClientRedisCacheClient
        location = ",".join(self._servers)
        self.breaker = breaker(
            "cache",
            location,
            retry=None if retry is None else float(retry),
            log_interval=None if log_interval is None else float(log_interval),
        )
        self._pending = _pending.setdefault(location, _Pending())

    # --- The guard -------------------------------------------------------------------------------

    def _guarded(self, operation: str, call: Callable[[], T], fallback: T) -> tuple[T, bool]:
        """(result, True) from Redis, or (fallback, False) when it cannot be reached."""
        if not self.breaker.allow():
            CACHE_ERRORS.labels(operation=operation).inc()
            return fallback, False
        try:
            result = call()
        except OUTAGE_ERRORS as error:
            CACHE_ERRORS.labels(operation=operation).inc()
            self.breaker.failed(error)
            return fallback, False
        except RedisError as error:
            # Redis is up but refused the command (out of memory, read-only): a miss, no breaker.
            CACHE_ERRORS.labels(operation=operation).inc()
            logger.warning("Redis refused a cache %s: %s", operation, error)
            return fallback, False
        except ValueError:
            self._answered()  # Redis answered: `incr` of a missing key raises, as Django's does.
            raise
        self._answered()
        return result, True

    def _answered(self) -> None:
        if self.breaker.succeeded():
            self._replay()

    def _replay(self) -> None:
        deletes, increments, overflowed = self._pending.take()
        if overflowed:
            logger.warning(
                "More than %s cache invalidations were lost while Redis was down: "
                "some entries may be stale until they expire",
                MAX_PENDING,
            )
        if not deletes and not increments:
            return
        try:
            client = self._cache.get_client(write=True)
            if deletes:
                client.delete(*deletes)
            if increments:
                keys = list(increments)
                client.eval(_REPLAY_INCR, len(keys), *keys, *(increments[k] for k in keys))
        except RedisError as error:
            logger.warning(
                "Replaying %s cache invalidations failed: %s", len(deletes) + len(increments), error
            )

    # --- Reads -----------------------------------------------------------------------------------

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        value, reached = self._guarded("get", lambda: self._cache.get(key, _MISSING), _MISSING)
        if not reached:
            CACHE_REQUESTS.labels(result="error").inc()
            return default
        if value is _MISSING:
            CACHE_REQUESTS.labels(result="miss").inc()
            return default
        CACHE_REQUESTS.labels(result="hit").inc()
        return value

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not key_map:
            return {}
        found, reached = self._guarded("get_many", lambda: self._cache.get_many(key_map.keys()), {})
        if not reached:
            CACHE_REQUESTS.labels(result="error").inc(len(key_map))
            return {}
        if found:
            CACHE_REQUESTS.labels(result="hit").inc(len(found))
        if len(key_map) > len(found):
            CACHE_REQUESTS.labels(result="miss").inc(len(key_map) - len(found))
        return {key_map[k]: v for k, v in found.items()}

    def has_key(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._guarded("has_key", lambda: self._cache.has_key(key), False)[0]

    # --- Writes ----------------------------------------------------------------------------------

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        return self._guarded("add", lambda: self._cache.add(key, value, timeout), False)[0]

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        self._guarded("set", lambda: self._cache.set(key, value, timeout), None)

    def set_many(
        self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        """Answer the keys that were not stored: all of them when Redis is down."""
        if not data:
            return []
        safe = {self.make_and_validate_key(key, version=version): value for key, value in data.items()}
        timeout = self.get_backend_timeout(timeout)
        _, reached = self._guarded("set_many", lambda: self._cache.set_many(safe, timeout), None)
        return [] if reached else list(data)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        return self._guarded("touch", lambda: self._cache.touch(key, timeout), False)[0]

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        deleted, reached = self._guarded("delete", lambda: self._cache.delete(key), False)
        if not reached:
            self._pending.delete([key])
        return deleted

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        safe = [self.make_and_validate_key(key, version=version) for key in keys]
        if not safe:
            return
        _, reached = self._guarded("delete_many", lambda: self._cache.delete_many(safe), None)
        if not reached:
            self._pending.delete(safe)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Raise ValueError for a missing key as Django does; answer `delta` when Redis is down."""
        key = self.make_and_validate_key(key, version=version)
        value, reached = self._guarded("incr", lambda: self._cache.incr(key, delta), delta)
        if not reached:
            self._pending.incr(key, delta)
        return value

    async def aincr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        # Django's default is a get then a set: not atomic, and not fail-soft.
        return await sync_to_async(self.incr)(key, delta, version)

    async def adecr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return await sync_to_async(self.incr)(key, -delta, version)

    def clear(self) -> bool:
        return self._guarded("clear", self._cache.clear, False)[0]

    # --- Health ----------------------------------------------------------------------------------

    def probe(self) -> None:
        """Write and read back a short-lived key, past the breaker; raise RedisError when Redis fails.

        Closes the breaker (and replays lost invalidations) when Redis answers.
        """
        client = self._cache.get_client(write=True)
        token = uuid.uuid4().hex
        key = self.make_key(f"health:probe:{token}")  # One key per probe: processes probe at once.
        try:
            client.set(key, token, ex=10)
            if client.get(key) != token.encode():
                raise RedisError("the probe key did not read back")
            client.delete(key)
        except OUTAGE_ERRORS as error:
            self.breaker.failed(error)
            raise
        self._answered()
