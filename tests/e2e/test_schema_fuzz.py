"""Schema fuzzing: every operation in `/api/schema/`, called by a verified user, keeps its contract.

Schemathesis generates valid and invalid requests from the OpenAPI schema (examples, coverage
and fuzzing phases) and sends them to the app in-process over WSGI, inside the test's transaction.
Each answer must not be a server error and must match what the schema says: a documented status,
the documented content type and headers, and a body valid against the documented schema.

Not checked here, on purpose: whether valid-looking input is accepted or invalid-looking input
refused (`positive_data_acceptance`, `negative_data_rejection`). The schema cannot say "an exercise
that exists" or "a date not in the past", so a schema-valid request is often rightly refused with a
400 in the envelope, and such answers are what the contract asks for. Authorization checks that
need two users' data (`ignored_auth`, object-level) are covered by each app's API tests.

Deterministic: Hypothesis is derandomized, so CI runs the same cases every time.
"""

import uuid
import zlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from fitai.wsgi import application
from tests.conftest import STACK
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Examples per operation in the fuzzing phase (the coverage phase adds its own boundary cases).
MAX_EXAMPLES = 8
# The fuzz user writes far more than any throttle allows a person; throttles have their own tests.
UNTHROTTLED = "1000000/min"

# Sign-in with Google or Apple answers 503 `provider_not_configured` when the provider's
# credentials are not set (API.md), which they are not here: a documented answer, not a crash.
PROVIDER_PATHS = ("/api/v1/auth/google", "/api/v1/auth/apple")


@pytest.fixture
def fuzz_user(db) -> User:
    return UserFactory(email_verified=True)


@pytest.fixture(autouse=True)
def _unthrottled(settings) -> None:
    rest = dict(django_settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {scope: UNTHROTTLED for scope in rest["DEFAULT_THROTTLE_RATES"]}
    settings.REST_FRAMEWORK = rest
    settings.FITAI_AI_DAILY_QUOTA = 0


def _keep_connection_open() -> None:
    """Each WSGI request would close the database connection at its end, and with it the test's
    transaction. Django's own test client turns that off the same way, and back on after each of
    its requests, so this is done again before every fuzzed call (disconnecting is idempotent)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


@pytest.fixture
def keep_connection() -> Iterator[None]:
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(fuzz_user) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(fuzz_user)}"}


def _created(response) -> dict:
    assert response.status_code in (200, 201), response.content
    return response.json()


@pytest.fixture
def fuzz_objects(fuzz_user, bearer) -> dict[str, str]:
    """One object of each kind the fuzz user may act on, made through the API, by path parameter.

    Without them nearly every `{id}` route would only ever answer 404 to random ids.
    """
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer["Authorization"])
    friend = UserFactory(email_verified=True)
    exercise = ExerciseFactory(muscles=["chest"])
    sets = [{"weight_kg": 60, "reps": 5}]
    template = _created(
        client.post(
            "/api/v1/templates",
            {
                "name": "Fuzz program",
                "goal": "strength",
                "difficulty": "beginner",
                "visibility": "public",
                "days_per_week": 1,
                "duration_weeks": 4,
                "days": [
                    {
                        "name": "Day 1",
                        "exercises": [
                            {"exercise_id": str(exercise.public_id), "sets": [{"reps_min": 5, "reps_max": 5}]}
                        ],
                    }
                ],
            },
            format="json",
        )
    )
    workout = _created(
        client.post(
            "/api/v1/workouts",
            {"name": "Fuzz session", "exercises": [{"exercise_id": str(exercise.public_id), "sets": sets}]},
            format="json",
        )
    )
    goal = _created(client.post("/api/v1/goals", {"type": "custom", "title": "Fuzz", "target_value": 10}))
    checkin = _created(
        client.post("/api/v1/progress/body", {"weight_kg": 80, "measured_at": timezone.now().isoformat()})
    )
    metric = _created(client.post("/api/v1/users/metrics", {"kind": "weight", "value": 80}, format="json"))
    activity = _created(
        client.post("/api/v1/community/activities", {"text": "fuzzing", "visibility": "public"})
    )
    comment = _created(client.post(f"/api/v1/community/activities/{activity['id']}/comment", {"text": "ok"}))
    today = timezone.localdate()
    challenge = _created(
        client.post(
            "/api/v1/community/challenges",
            {
                "title": "Fuzz month",
                "type": "workout_count",
                "start_date": today.isoformat(),
                "end_date": (today + timedelta(days=30)).isoformat(),
            },
            format="json",
        )
    )
    return {
        "id_or_slug": exercise.slug,
        "template_id": template["id"],
        "workout_id": workout["id"],
        "goal_id": goal["id"],
        "checkin_id": checkin["id"],
        "metric_id": metric["id"],
        "activity_id": activity["id"],
        "comment_id": comment["id"],
        "challenge_id": challenge["id"],
        "user_id": str(friend.public_id),
    }


def _aim_at_real_objects(case, objects: dict[str, str]) -> None:
    """Point about half the cases (chosen by a stable hash of the generated value) at real objects,
    and leave the rest on the generated, mostly unknown or malformed, ids."""
    for name, value in (case.path_parameters or {}).items():
        if name in objects and zlib.crc32(repr(value).encode()) % 2 == 0:
            case.path_parameters[name] = objects[name]


if not STACK:
    # Generating the schema costs seconds; the embedded suite skips this module anyway.
    pytest.skip("end-to-end: run with `make test-stack` (FITAI_STACK=1)", allow_module_level=True)

# Loaded once at collection (the schema view reads no rows). `schemathesis.pytest.from_fixture`
# would load it per test, but its lazy loader does not run on pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@schemathesis.check
def no_server_error(ctx, response, case) -> None:
    """Like `not_a_server_error`, except an unconfigured social provider's documented 503."""
    if response.status_code == 503 and case.path.startswith(PROVIDER_PATHS):
        assert response.json()["error"]["code"] == "provider_not_configured"
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case, request, fuzz_user, bearer, keep_connection):
    # A fuzzed profile update may change the e-mail (unverifying it) or erase the account: put the
    # user back, so every case is sent by a verified, active member.
    User.objects.filter(pk=fuzz_user.pk).update(email_verified=True, is_active=True)
    if case.path_parameters:
        # Made once per operation (pytest caches it), and only for those with ids in the path.
        _aim_at_real_objects(case, request.getfixturevalue("fuzz_objects"))
    _keep_connection_open()
    case.call_and_validate(headers=bearer, checks=CHECKS)


def test_fuzz_user_token_is_accepted(client, bearer):
    """Guards the fuzz run: with a refused token every operation would only be probed for 401."""
    response = client.get("/api/v1/users/profile", headers=bearer)
    assert response.status_code == 200, response.content
    assert uuid.UUID(response.json()["id"])
