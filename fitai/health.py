"""Liveness and readiness probes for load balancers and orchestrators.

`/health/live` answers as long as the process serves requests. `/health/ready` checks what a
request needs — database and cache always, the Celery broker and channel layer when configured —
and answers 503 naming each failing part, so a broken node is taken out of rotation.

With Redis down the API still answers (the cache fails soft, see `fitai.cache`), but degraded:
readiness says so (`cache`, `channel_layer` and, on Redis, `broker` failing) while liveness stays
200, so an orchestrator does not restart processes that cannot fix Redis. The cache is probed past
its circuit breaker, so readiness sees an outage and the recovery at once.
"""

import asyncio
import dataclasses
import datetime
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from redis.exceptions import RedisError

from fitai.cache import OUTAGE_ERRORS, FailSoftRedisCache
from fitai.celery import app as celery_app


def _timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.HEALTH_CHECK_TIMEOUT_SECONDS)


@dataclasses.dataclass
class FitCache(Cache):
    """The cache stores and returns a value; a fail-soft Redis cache is asked past its breaker."""

    async def run(self) -> None:
        try:
            probed = await sync_to_async(self._probe, thread_sensitive=False)()
        except (RedisError, *OUTAGE_ERRORS) as exc:
            raise ServiceUnavailable(f"redis unreachable ({type(exc).__name__})") from exc
        if not probed:
            await super().run()

    def _probe(self) -> bool:
        """Probe a fail-soft Redis cache (in a worker thread: its client is synchronous)."""
        backend = caches[self.alias]
        if not isinstance(backend, FailSoftRedisCache):
            return False
        backend.probe()
        return True


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection."""

    timeout: datetime.timedelta = dataclasses.field(default_factory=_timeout, repr=False)

    def run(self) -> None:
        try:
            with celery_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, timeout=self.timeout.seconds)
        except Exception as exc:
            raise ServiceUnavailable(f"broker unreachable ({type(exc).__name__})") from exc


@dataclasses.dataclass
class ChannelLayer(HealthCheck):
    """A message sent through the channel layer comes back."""

    timeout: datetime.timedelta = dataclasses.field(default_factory=_timeout, repr=False)

    async def run(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel("health.")
        probe = uuid.uuid4().hex
        try:
            # One deadline for both: a hung Redis accepts the connection and never answers the send.
            async with asyncio.timeout(self.timeout.total_seconds()):
                await layer.send(channel, {"type": "health.probe", "probe": probe})
                message = await layer.receive(channel)
        except Exception as exc:
            raise ServiceUnavailable(f"channel layer unreachable ({type(exc).__name__})") from exc
        if message.get("probe") != probe:
            raise ServiceUnavailable("channel layer returned another message")


def readiness_checks() -> dict[str, HealthCheck]:
    """The parts this deployment depends on, by the name reported to the caller."""
    timeout = _timeout()
    checks: dict[str, HealthCheck] = {"database": Database(), "cache": FitCache(timeout=timeout)}
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = Broker()
    if settings.REDIS_URL:
        checks["channel_layer"] = ChannelLayer()
    return checks


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    response = JsonResponse({"status": "ok"})
    add_never_cache_headers(response)
    return response


@require_GET
async def ready(request: HttpRequest) -> JsonResponse:
    checks = readiness_checks()
    results = await asyncio.gather(*(check.get_result() for check in checks.values()))
    report = {
        name: {"ok": result.error is None, **({"error": str(result.error)} if result.error else {})}
        for name, result in zip(checks, results, strict=True)
    }
    failing = [name for name, outcome in report.items() if not outcome["ok"]]
    body = {"status": "unavailable" if failing else "ok", "failing": failing, "checks": report}
    response = JsonResponse(body, status=503 if failing else 200)
    add_never_cache_headers(response)
    return response
