"""Every page is sent with a Content-Security-Policy and the browser security headers.

The policy only allows scripts from the app itself, so a page with an inline script would break
silently in the browser: the pages are also checked to carry none. Production-only headers
(HSTS, secure cookies, the HTTPS redirect) are in tests/fitai/test_settings.py, which starts the
production settings in a fresh interpreter.
"""

import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    "/",
    "/accounts/login",
    "/accounts/signup",
    "/accounts/forgot-password",
    "/exercises/",
    "/admin/login/",
    "/api/docs",
]
MEMBER_PAGES = [
    "/accounts/profile",
    "/programs/",
    "/workouts/",
    "/progress/",
    "/progress/goals",
    "/community/",
    "/community/notifications",
    "/coach/",
    "/coach/chat",
]
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    """The CSP header as {directive: [sources]}."""
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_protected(response) -> None:
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"], "scripts only from the app: no inline, no eval, no CDN"
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def assert_no_inline_script(response) -> None:
    html = response.content.decode()
    for attributes, body in SCRIPT_TAG.findall(html):
        assert "src=" in attributes, f"inline script blocked by the CSP: {body[:80]!r}"
        assert not body.strip(), f"inline script blocked by the CSP: {body[:80]!r}"
    handler = INLINE_HANDLER.search(html)
    assert handler is None, f"inline event handler blocked by the CSP: {handler and handler.group(0)[:80]!r}"


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_public_pages_send_the_policy_and_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_protected(response)
    assert_no_inline_script(response)


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_member_pages_send_the_policy_and_security_headers(client, path):
    client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 200
    assert_protected(response)
    assert_no_inline_script(response)


def test_error_pages_send_the_policy_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_protected(response)


def test_api_answers_send_the_headers_that_stop_sniffing_and_framing(client):
    response = client.get("/api/v1/ping")
    assert response.status_code == 200
    assert_protected(response)
