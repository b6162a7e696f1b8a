"""The stack itself: real HTTP through Daphne, real tasks through Redis and a Celery worker."""

import pytest
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection

from fitai.tasks import ping_task
from tests.e2e.conftest import http, start_daphne

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_suite_runs_on_postgresql_and_redis():
    assert connection.vendor == "postgresql"
    assert settings.CACHES["default"]["BACKEND"] == "fitai.cache.FailSoftRedisCache"
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"


def test_ready_is_200_over_real_http_with_every_dependency_up(live_url):
    status, body, headers = http("GET", live_url + "/health/ready")
    assert status == 200, body
    assert body["checks"] == {
        "database": {"ok": True},
        "cache": {"ok": True},
        "broker": {"ok": True},
        "channel_layer": {"ok": True},
    }
    assert headers["Server"] == "daphne"


def test_api_errors_keep_the_envelope_over_real_http(live_url):
    status, body, _ = http("DELETE", live_url + "/api/v1/ping/")
    assert status == 405
    assert body["error"]["code"] == "method_not_allowed"
    status, body, _ = http("GET", live_url + "/api/v1/nowhere")
    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_a_task_sent_over_redis_is_executed_by_the_worker(celery_worker, tasks_over_broker):
    result = ping_task.delay("over the broker")
    assert isinstance(result, AsyncResult)
    assert result.get(timeout=30) == "over the broker"
    # The worker stores the result before it logs the success: wait for the line, briefly.
    celery_worker.wait_until(
        lambda: f"Task fitai.ping[{result.id}] succeeded" in celery_worker.log(), timeout=10
    )


def test_ready_is_503_naming_the_cache_when_redis_stops(stack_env, redis_server, tmp_path):
    redis, redis_url = redis_server
    daphne, base_url = start_daphne({**stack_env, "REDIS_URL": redis_url}, tmp_path, name="daphne-own-redis")
    try:
        assert http("GET", base_url + "/health/ready")[0] == 200
        redis.stop()
        status, body, _ = http("GET", base_url + "/health/ready")
        live_status = http("GET", base_url + "/health/live")[0]
    finally:
        daphne.stop()
    assert status == 503
    assert "cache" in body["failing"]
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"] == {"ok": True}
    assert live_status == 200
