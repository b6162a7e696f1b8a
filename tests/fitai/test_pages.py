"""The home page, the error pages, static files and the branded admin."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_home_page_renders_the_layout(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<nav" in html
    assert 'href="/static/css/fitai.css"' in html
    assert "Exercise library" in html
    assert 'href="/api/docs"' in html


def test_pages_carry_security_headers(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_a_html_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Page not found" in response.content.decode()


def test_stylesheet_is_served_by_the_app(client):
    response = client.get("/static/css/fitai.css")
    assert response.status_code == 200
    assert b"--brand" in b"".join(response.streaming_content)


def test_admin_login_page_is_branded(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "FitAI administration" in response.content.decode()


def test_admin_refuses_members_who_are_not_staff(client):
    member = UserFactory()
    client.force_login(member)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_reach_the_admin_user_list(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 200


def test_every_response_carries_a_request_id(client):
    first = client.get("/health/live")["X-Request-ID"]
    second = client.get("/health/live")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_a_client_request_id_is_echoed(client):
    assert client.get("/api/v1/ping", HTTP_X_REQUEST_ID="trace-42")["X-Request-ID"] == "trace-42"


def test_metrics_are_exported_for_prometheus(client):
    client.get("/api/v1/ping")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content
