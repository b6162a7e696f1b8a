"""Every API error is answered in the one envelope, with the right status (API.md, Conventions)."""

import io
import json
import logging

import pytest
from django.test import Client
from django_guid.log_filters import CorrelationId

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.fitai.urls")]

ECHO = "/api/v1/_probe/echo"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return body["error"]


def test_unknown_api_path_is_404_in_the_envelope(api_client):
    assert_envelope(api_client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_unknown_api_path_with_trailing_slash_is_404_in_the_envelope(api_client):
    assert_envelope(api_client.post("/api/v1/no/such/thing/", {}), 404, "not_found")


def test_wrong_method_is_405_in_the_envelope(api_client):
    error = assert_envelope(api_client.delete("/api/v1/ping"), 405, "method_not_allowed")
    assert "DELETE" in error["message"]


def test_malformed_json_is_400_in_the_envelope(auth_client):
    response = auth_client().post(ECHO, data='{"weight_kg": 80,', content_type="application/json")
    assert_envelope(response, 400, "parse_error")


def test_validation_errors_name_the_fields(auth_client):
    response = auth_client().post(ECHO, {"weight_kg": 900}, format="json")
    error = assert_envelope(response, 400, "validation_error")
    assert list(error["fields"]) == ["weight_kg"]
    assert "500" in error["fields"]["weight_kg"][0]


def test_valid_json_reaches_the_view(auth_client):
    response = auth_client().post(ECHO, {"weight_kg": "80.5"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"echo": {"weight_kg": "80.5"}}


def test_trailing_slash_reaches_the_same_view_without_redirect(auth_client):
    response = auth_client().post(ECHO + "/", {"weight_kg": 80}, format="json")
    assert response.status_code == 200
    assert response.json() == {"echo": {"weight_kg": 80}}


def test_json_nested_100_levels_is_accepted(auth_client):
    body = json.dumps({"weight_kg": 80, "note": json.loads(_nested(99))})
    response = auth_client().post(ECHO, data=body, content_type="application/json")
    assert response.status_code == 200


@pytest.mark.parametrize("depth", [101, 5000, 100_000])
def test_json_nested_deeper_than_100_levels_is_400(auth_client, depth):
    body = '{"weight_kg": 80, "note": ' + _nested(depth) + "}"
    error = assert_envelope(
        auth_client().post(ECHO, data=body, content_type="application/json"), 400, "parse_error"
    )
    assert "100" in error["message"] or "JSON" in error["message"]


def test_body_over_the_size_limit_is_413(auth_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"weight_kg": 80, "note": "x" * 2000})
    assert_envelope(
        auth_client().post(ECHO, data=body, content_type="application/json"), 413, "payload_too_large"
    )


def test_unsupported_media_type_is_415(auth_client):
    response = auth_client().post(ECHO, data="weight_kg=80", content_type="text/plain")
    assert_envelope(response, 415, "unsupported_media_type")


def test_missing_token_is_401_with_a_challenge(api_client):
    response = api_client.post(ECHO, {"weight_kg": 80}, format="json")
    assert_envelope(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_invalid_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_envelope(api_client.get("/api/v1/_probe/users"), 401, "token_not_valid")


def test_a_bad_token_is_refused_even_on_anonymous_endpoints(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api_client.get("/api/v1").status_code == 401


def test_missing_role_is_403(auth_client):
    assert_envelope(auth_client().get("/api/v1/_probe/moderators"), 403, "permission_denied")


def test_role_grants_access(auth_client):
    moderator = UserFactory(roles=["moderator"])
    assert auth_client(moderator).get("/api/v1/_probe/moderators").json() == {"ok": True}


def test_django_validation_error_from_a_service_is_400_with_fields(auth_client):
    error = assert_envelope(auth_client().get("/api/v1/_probe/rule"), 400, "validation_error")
    assert error["fields"] == {"birth_date": ["Birth date cannot be in the future."]}


def test_domain_error_keeps_its_status_code_and_context(auth_client):
    error = assert_envelope(auth_client().post("/api/v1/_probe/rule"), 409, "workout_running")
    assert error["active_workout_id"] == "abc"


def test_throttled_requests_get_429_with_retry_after(auth_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "search": "2/min"},
    }
    client = auth_client()
    assert [client.get("/api/v1/_probe/throttled").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/_probe/throttled")
    assert_envelope(response, 429, "throttled")
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_throttle_counts_each_user_separately(auth_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "search": "1/min"},
    }
    assert auth_client().get("/api/v1/_probe/throttled").status_code == 200
    assert auth_client().get("/api/v1/_probe/throttled").status_code == 200


def test_unexpected_exception_is_500_without_internals_and_logged_with_request_id(auth_client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationId())
    handler.setFormatter(logging.Formatter("%(correlation_id)s %(message)s"))
    logger = logging.getLogger("fitai.api")
    logger.addHandler(handler)
    try:
        response = auth_client().get("/api/v1/_probe/fail", HTTP_X_REQUEST_ID="req-1234")
    finally:
        logger.removeHandler(handler)
    assert_envelope(response, 500, "server_error")
    assert b"secret internal detail" not in response.content
    assert b"Traceback" not in response.content
    assert response.headers["X-Request-ID"] == "req-1234"
    log = stream.getvalue()
    assert log.startswith("req-1234 Unhandled error in FailingApi")
    assert "RuntimeError: secret internal detail" in log


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/api/v1/_probe/plain-django", "application/json"), ("/_probe/broken-page", "text/html")],
)
def test_crashes_outside_drf_answer_500_without_internals(path, content_type):
    client = Client(raise_request_exception=False)
    response = client.get(path)
    assert response.status_code == 500
    assert response["Content-Type"].startswith(content_type)
    assert b"page internals" not in response.content
    assert b"Traceback" not in response.content
    if content_type == "application/json":
        assert response.json()["error"]["code"] == "server_error"
