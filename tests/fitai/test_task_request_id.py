"""Celery tasks log with the id of the request (or task) that queued them."""

import io
import logging

import pytest
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.http import HttpResponse
from django.urls import path
from django_guid import clear_guid, get_guid, set_guid
from django_guid.log_filters import CorrelationId

from fitai.celery import app

logger = logging.getLogger("fitai.tests.tasks")


@app.task(name="tests.fitai.log_request_id")
def log_request_id_task() -> str | None:
    logger.warning("task ran")
    return get_guid()


def queue_a_task(request):
    logger.warning("before the task")
    result = log_request_id_task.delay()
    logger.warning("after the task")
    return HttpResponse(result.get() or "")


urlpatterns = [path("queue-a-task", queue_a_task)]


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationId())
    handler.setFormatter(logging.Formatter("%(correlation_id)s %(message)s"))
    logger.addHandler(handler)
    yield lambda: stream.getvalue().splitlines()
    logger.removeHandler(handler)
    clear_guid()


@pytest.mark.urls(__name__)
def test_a_task_run_during_a_request_logs_with_its_id_and_leaves_it_to_the_request(client, log_lines):
    response = client.get("/queue-a-task", HTTP_X_REQUEST_ID="req-4242")
    assert response.content == b"req-4242"
    assert response.headers["X-Request-ID"] == "req-4242"
    assert log_lines() == ["req-4242 before the task", "req-4242 task ran", "req-4242 after the task"]


def test_a_task_sent_to_a_broker_carries_the_request_id_to_the_worker(log_lines):
    set_guid("req-5151")
    headers: dict = {}
    before_task_publish.send(
        sender=log_request_id_task.name, body=((), {}, {}), exchange="", routing_key="", headers=headers
    )
    assert headers["X-Request-ID"] == "req-5151"

    clear_guid()  # The worker's own context: no request there.
    log_request_id_task.push_request(**headers, is_eager=False)
    try:
        task_prerun.send(
            sender=log_request_id_task, task_id="t-1", task=log_request_id_task, args=(), kwargs={}
        )
        assert log_request_id_task.run() == "req-5151"
        task_postrun.send(
            sender=log_request_id_task, task_id="t-1", task=log_request_id_task, args=(), kwargs={}
        )
    finally:
        log_request_id_task.pop_request()
    assert log_lines() == ["req-5151 task ran"]
    assert get_guid() is None, "the next task on this worker does not inherit the id"
