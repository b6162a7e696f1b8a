"""The Celery broker down: writes still commit at once, and their tasks run once it is back.

The broker is a throwaway redis-server of our own, which the test stops and starts again on the same
port; the cache, the channel layer and Celery's results stay on the stack's Redis, so only the broker
is missing. Tasks wait in the outbox (`fitai.outbox`) and the relay — the beat task inside a real
worker — publishes them when the broker answers again.
"""

import shutil
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from fitai.models import OutboxMessage
from progress.models import DailySummary
from tests.e2e.conftest import Process, celery_worker_args, http, start_daphne
from tests.e2e.test_auth_flow import wait_for_mail
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts.models import Workout, WorkoutExercise

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not true after {timeout}s")


def timed_http(*args, **kwargs):
    started = time.monotonic()
    status, body, _ = http(*args, **kwargs)
    return status, body, time.monotonic() - started


def test_writes_commit_while_the_broker_is_down_and_their_tasks_run_once_it_is_back(
    stack_env, redis_server, tmp_path
):
    broker, broker_url = redis_server
    env = {**stack_env, "CELERY_BROKER_URL": broker_url}
    daphne, base_url = start_daphne(env, tmp_path, name="daphne-broker-down")
    processes = [daphne]
    try:
        now = timezone.now()
        lifter = UserFactory()
        workout = Workout.objects.create(
            owner=lifter,
            name="Deadlift day",
            status=Workout.Status.IN_PROGRESS,
            started_at=now,
            resumed_at=now,
        )
        WorkoutExercise.objects.create(workout=workout, index=0, exercise=ExerciseFactory(name="Deadlift"))
        bearer = {"Authorization": f"Bearer {AccessToken.for_user(lifter)}"}

        broker.stop()

        # A sign-up (verification e-mail) and a completed workout (analytics aggregates).
        address = f"outbox_{uuid.uuid4().hex[:10]}@example.com"
        account = {
            "email": address,
            "username": address.split("@")[0],
            "password": "deadlift-day-every-monday-7",
        }
        status, body, seconds = timed_http("POST", base_url + "/api/v1/auth/register", account)
        assert status == 201, body
        assert seconds < 3, f"sign-up took {seconds:.1f}s with the broker down"
        workout_url = f"{base_url}/api/v1/workouts/{workout.public_id}"
        status, body, _ = timed_http(
            "PUT", workout_url + "/set/0", {"exercise_index": 0, "reps": 5, "weight_kg": 140}, headers=bearer
        )
        assert status == 200, body
        status, body, seconds = timed_http("POST", workout_url + "/complete", {}, headers=bearer)
        assert status == 200, body
        assert seconds < 3, f"completing took {seconds:.1f}s with the broker down"

        # Committed, with their tasks pending in the outbox.
        assert User.objects.filter(email=address, email_verified=False).exists()
        workout.refresh_from_db()
        assert workout.status == Workout.Status.COMPLETED
        pending = set(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("task", flat=True))
        assert {
            "accounts.tasks.send_verification_email_task",
            "progress.tasks.workout_summarise_task",
        } <= pending
        assert OutboxMessage.objects.filter(sent_at__isnull=True, attempts__gte=1).exists()
        assert "Connection refused" in OutboxMessage.objects.exclude(last_error="").first().last_error
        assert not DailySummary.objects.filter(user=lifter).exists()
        mail_dir = Path(stack_env["EMAIL_FILE_PATH"])
        assert not any(address in path.read_text(errors="replace") for path in mail_dir.glob("*.log"))

        # The broker comes back on the same port; a worker with beat (whose relay runs every 5 s) drains it.
        port = urlsplit(broker_url).port
        redis = Process(
            "redis-again",
            [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
            {"PATH": stack_env["PATH"]},
            tmp_path,
        )
        processes.append(redis)
        redis.wait_until(lambda: "Ready to accept connections" in redis.log(), timeout=15)
        beat = ("--beat", "--schedule", str(tmp_path / "celerybeat-schedule"))
        worker = Process("celery-broker-down", celery_worker_args(*beat), env, tmp_path)
        processes.append(worker)
        worker.wait_until(lambda: " ready." in worker.log(), timeout=30)

        wait_for_mail(mail_dir, address, timeout=30)
        wait_for(
            lambda: DailySummary.objects.filter(user=lifter, workouts=1).exists(),
            timeout=15,
            what="the day's aggregates",
        )
        summary = DailySummary.objects.get(user=lifter)
        assert (summary.sets, summary.reps, summary.volume_kg) == (1, 5, Decimal("700.00"))
        wait_for(
            lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists(),
            timeout=10,
            what="every outbox row sent",
        )
        assert "fitai.tasks.outbox_relay_task" in worker.log()
        assert "accounts.tasks.send_verification_email_task" in worker.log()
    finally:
        for process in reversed(processes):
            process.stop()
