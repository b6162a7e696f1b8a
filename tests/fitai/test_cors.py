"""CORS for browser clients: only the allow-listed origins, only under /api/, no cookies.

Native apps do not send an `Origin`; a browser app on another origin (`CORS_ALLOWED_ORIGINS`)
calls the API with a bearer token, so credentials (cookies) are never allowed cross-origin, and
the headers a client needs to read (request id, Retry-After, ETag) are exposed.
"""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

ALLOWED = "https://app.fitai.example"
ALLOW_ORIGIN = "Access-Control-Allow-Origin"


@pytest.fixture(autouse=True)
def _allow_list():
    """Two browser apps are allowed (as `CORS_ALLOWED_ORIGINS=a,b` in the environment would)."""
    with override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED, "http://localhost:5173"]):
        yield


def preflight(
    client, path: str, origin: str, method: str = "POST", headers: str = "authorization, content-type"
):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def listed(value: str | None) -> set[str]:
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}


# --- an allowed origin --------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [ALLOWED, "http://localhost:5173"])
def test_a_preflight_from_an_allowed_origin_is_answered_with_the_grant(client, origin):
    response = preflight(client, "/api/v1/workouts", origin)
    assert response.status_code == 200
    assert response.headers[ALLOW_ORIGIN] == origin
    assert {"authorization", "content-type"} <= listed(response.headers["Access-Control-Allow-Headers"])
    assert {"get", "post", "put", "patch", "delete", "options"} <= listed(
        response.headers["Access-Control-Allow-Methods"]
    )
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    # A preflight never reaches the view: nothing is created, no 401 for the missing token.
    assert response.content == b""


def test_a_preflight_allows_the_conditional_request_headers_the_api_reads(client):
    """Offline sync sends If-Match (PUT /workouts/:id, /templates/:id), cached reads If-None-Match."""
    response = preflight(
        client,
        "/api/v1/workouts/00000000-0000-0000-0000-000000000000",
        ALLOWED,
        "PUT",
        "authorization, content-type, if-match, if-none-match, x-request-id",
    )
    assert response.status_code == 200
    assert {"if-match", "if-none-match", "x-request-id"} <= listed(
        response.headers["Access-Control-Allow-Headers"]
    )


def test_a_real_request_from_an_allowed_origin_may_read_the_answer(auth_client):
    response = auth_client().get("/api/v1/workouts", HTTP_ORIGIN=ALLOWED)
    assert response.status_code == 200
    assert response.headers[ALLOW_ORIGIN] == ALLOWED
    assert "origin" in listed(response.headers["Vary"])
    assert {"x-request-id", "retry-after", "etag"} <= listed(
        response.headers["Access-Control-Expose-Headers"]
    )
    assert "X-Request-ID" in response.headers


def test_an_error_is_readable_cross_origin_too(client):
    """A browser app must see the 401 envelope to know it has to refresh its token."""
    response = client.get("/api/v1/workouts", HTTP_ORIGIN=ALLOWED)
    assert response.status_code == 401
    assert response.headers[ALLOW_ORIGIN] == ALLOWED
    assert response.json()["error"]["code"] == "not_authenticated"


def test_cookies_are_never_allowed_cross_origin(client, auth_client):
    """The API authenticates with bearer tokens; a session cookie must not ride along cross-origin."""
    for response in (
        preflight(client, "/api/v1/workouts", ALLOWED),
        auth_client().get("/api/v1/workouts", HTTP_ORIGIN=ALLOWED),
    ):
        assert response.headers[ALLOW_ORIGIN] == ALLOWED
        assert "Access-Control-Allow-Credentials" not in response.headers


# --- everything else ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://app.fitai.example",  # another scheme is another origin
        "https://app.fitai.example.evil.example",
        "https://app.fitai.example:8443",
        "null",
    ],
)
def test_a_foreign_origin_gets_no_grant(client, auth_client, origin):
    response = preflight(client, "/api/v1/workouts", origin)
    assert ALLOW_ORIGIN not in response.headers
    assert "Access-Control-Allow-Headers" not in response.headers
    real = auth_client().get("/api/v1/workouts", HTTP_ORIGIN=origin)
    assert real.status_code == 200  # served (CORS is the browser's rule), but not readable by it
    assert ALLOW_ORIGIN not in real.headers
    assert "Access-Control-Expose-Headers" not in real.headers


@pytest.mark.parametrize("path", ["/", "/health/live", "/admin/login/", "/accounts/login/", "/metrics"])
def test_pages_outside_the_api_get_no_grant_even_for_an_allowed_origin(client, path):
    assert ALLOW_ORIGIN not in client.get(path, HTTP_ORIGIN=ALLOWED).headers
    assert ALLOW_ORIGIN not in preflight(client, path, ALLOWED).headers


@override_settings(CORS_ALLOWED_ORIGINS=[])
def test_no_origin_is_allowed_unless_configured(client):
    """The default (no CORS_ALLOWED_ORIGINS in the environment) is same-origin only."""
    assert ALLOW_ORIGIN not in preflight(client, "/api/v1/workouts", ALLOWED).headers
    assert ALLOW_ORIGIN not in client.get("/api/v1/ping", HTTP_ORIGIN=ALLOWED).headers
