"""The account pages: sign up, log in and out, e-mail verification and password reset, with sessions."""

import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client

from accounts import services
from accounts.models import User
from accounts.pages import INVALID_LOGIN, RESET_LINK_SENT, VERIFICATION_SENT
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-and-unusual-passphrase"


def _html(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def _mailed_token(path: str) -> str:
    """The token of the last mailed link to `path` (`/accounts/verify-email`, ...)."""
    match = re.search(re.escape(path) + r"\?token=([\w-]+)", mail.outbox[-1].body)
    assert match, f"no {path} link in the mail:\n{mail.outbox[-1].body}"
    return match.group(1)


def _form_errors(response) -> str:
    match = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', _html(response), re.S)
    assert match, "the page shows no form-level error"
    return match.group(1).strip()


def _signup(client, **overrides):
    data = {"email": "new.athlete@example.com", "username": "new_athlete", "password": NEW_PASSWORD}
    return client.post("/accounts/signup", data | overrides)


def _login(client, login, password=DEFAULT_PASSWORD, **extra):
    return client.post("/accounts/login", {"login": login, "password": password, **extra})


# --- Rendering --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/accounts/signup", "Create your account"),
        ("/accounts/login", "E-mail or username"),
        ("/accounts/forgot-password", "Forgot your password?"),
        ("/accounts/resend-verification", "Confirm your e-mail address"),
        ("/accounts/reset-password?token=abc", "Choose a new password"),
    ],
)
def test_each_account_page_renders_a_labelled_form_with_csrf(client, path, text):
    response = client.get(path)
    assert response.status_code == 200
    html = _html(response)
    assert text in html
    assert 'method="post"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    field_ids = re.findall(r'<input type="(?:text|email|password)" name="\w+"[^>]*id="(id_\w+)"', html)
    assert field_ids
    for field_id in field_ids:
        assert f'<label for="{field_id}">' in html, f"{field_id} has no label on {path}"


@pytest.mark.parametrize("path", ["/accounts/signup/", "/accounts/login/", "/accounts/forgot-password/"])
def test_account_pages_answer_with_a_trailing_slash_too(client, path):
    assert client.get(path).status_code == 200


def test_nav_offers_log_in_and_sign_up_to_visitors(client):
    html = _html(client.get("/"))
    assert 'href="/accounts/login"' in html
    assert 'href="/accounts/signup"' in html
    assert "Staff sign-in" not in html
    assert "Log out" not in html


def test_nav_shows_the_username_and_a_log_out_button_and_admin_only_for_staff(client):
    member = UserFactory(username="lifter")
    client.force_login(member)
    html = _html(client.get("/"))
    assert "lifter</li>" in html
    assert re.search(r'<form class="nav-form" method="post" action="/accounts/logout">', html)
    assert 'href="/admin/"' not in html
    client.force_login(UserFactory(is_staff=True))
    assert 'href="/admin/"' in _html(client.get("/"))


def test_forms_refuse_a_post_without_the_csrf_token():
    response = Client(enforce_csrf_checks=True).post("/accounts/login", {"login": "x", "password": "y"})
    assert response.status_code == 403


# --- Sign up ----------------------------------------------------------------------------------


def test_signup_creates_the_user_logs_in_and_mails_a_verification_link(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, email="New.Athlete@Example.com", first_name="Nia")
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(username="new_athlete")
    assert user.email == "new.athlete@example.com"
    assert user.first_name == "Nia"
    assert user.email_verified is False
    assert _logged_in_user_id(client) == str(user.pk)
    assert any("confirm your address" in message for message in _messages(response))
    assert [message.to for message in mail.outbox] == [["new.athlete@example.com"]]
    assert _mailed_token("/accounts/verify-email")
    assert "new_athlete</li>" in _html(client.get("/"))


def test_signup_shows_a_taken_email_next_to_its_field_and_creates_nobody(client):
    UserFactory(email="taken@example.com")
    response = _signup(client, email="TAKEN@example.com")
    assert response.status_code == 200
    assert re.search(
        r'<ul class="errorlist" id="id_email_error"><li>An account with this e-mail address already exists.',
        _html(response),
    )
    assert 'aria-invalid="true"' in _html(response)
    assert not User.objects.filter(username="new_athlete").exists()
    assert _logged_in_user_id(client) is None


def test_signup_shows_the_password_rules_next_to_the_password_field(client):
    response = _signup(client, password="12345")
    assert re.search(r'id="id_password_error"><li>This password is too short', _html(response))
    assert not User.objects.filter(username="new_athlete").exists()


def test_signup_refuses_a_malformed_username(client):
    response = _signup(client, username="no spaces!")
    assert 'id="id_username_error"' in _html(response)
    assert User.objects.count() == 0


# --- Log in and out ---------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["Ana@Example.com", "ANA_LIFTS"])
def test_login_accepts_the_email_or_the_username(client, login):
    user = UserFactory(email="ana@example.com", username="ana_lifts")
    response = _login(client, login)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _logged_in_user_id(client) == str(user.pk)


def test_a_wrong_password_reads_exactly_like_an_unknown_user(client):
    UserFactory(email="ana@example.com")
    wrong_password = _login(client, "ana@example.com", password="not-the-password")
    unknown_user = _login(client, "nobody@example.com", password="not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert _form_errors(wrong_password) == _form_errors(unknown_user) == f"<p>{INVALID_LOGIN}</p>"
    assert _logged_in_user_id(client) is None


def test_an_inactive_user_gets_the_same_message(client):
    UserFactory(email="gone@example.com", is_active=False)
    response = _login(client, "gone@example.com")
    assert _form_errors(response) == f"<p>{INVALID_LOGIN}</p>"
    assert _logged_in_user_id(client) is None


def test_login_locks_after_five_failures_even_with_the_right_password(client, settings):
    settings.FITAI_LOGIN_LOCKOUT_THRESHOLD = 5
    settings.FITAI_LOGIN_LOCKOUT_BASE_SECONDS = 60
    UserFactory(username="ana_lifts")
    for _ in range(5):
        assert _form_errors(_login(client, "ana_lifts", password="wrong-guess")) == f"<p>{INVALID_LOGIN}</p>"
    response = _login(client, "ana_lifts")
    assert _form_errors(response) == "<p>Too many failed attempts, try again in 1 minute.</p>"
    assert _logged_in_user_id(client) is None


def test_a_successful_login_resets_the_failure_count(client, settings):
    settings.FITAI_LOGIN_LOCKOUT_THRESHOLD = 5
    UserFactory(username="ana_lifts")
    for _ in range(4):
        _login(client, "ana_lifts", password="wrong-guess")
    assert _login(client, "ana_lifts").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "ana_lifts", password="wrong-guess")
    assert _login(client, "ana_lifts").status_code == 302


def test_login_follows_a_next_on_this_site(client):
    UserFactory(username="ana_lifts")
    assert 'value="/admin/"' in _html(client.get("/accounts/login?next=/admin/"))
    response = _login(client, "ana_lifts", next="/api/docs?tab=auth")
    assert response["Location"] == "/api/docs?tab=auth"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/path", "javascript:alert(1)", "http:///evil.example"],
)
def test_login_ignores_a_next_that_leaves_the_site(client, next_url):
    UserFactory(username="ana_lifts")
    response = _login(client, "ana_lifts", next=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_requires_post(client):
    client.force_login(UserFactory())
    assert client.get("/accounts/logout").status_code == 405
    assert _logged_in_user_id(client) is not None
    response = client.post("/accounts/logout")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _logged_in_user_id(client) is None
    assert _messages(response) == ["You are logged out."]


# --- E-mail verification ----------------------------------------------------------------------


def test_verify_email_with_a_good_token_confirms_the_address_once(client):
    user = UserFactory(email="ana@example.com")
    services.email_verification_send(user_id=user.pk)
    token = _mailed_token("/accounts/verify-email")
    response = client.get(f"/accounts/verify-email?token={token}")
    assert response.status_code == 200
    assert "ana@example.com is confirmed" in _html(response)
    user.refresh_from_db()
    assert user.email_verified is True
    again = client.get(f"/accounts/verify-email?token={token}")
    assert again.status_code == 400
    assert "invalid, expired or already used" in _html(again)


@pytest.mark.parametrize("query", ["?token=not-a-real-token", ""])
def test_verify_email_with_a_bad_token_offers_a_new_link(client, query):
    response = client.get(f"/accounts/verify-email{query}")
    assert response.status_code == 400
    html = _html(response)
    assert "This link is invalid, expired or already used." in html
    assert 'action="/accounts/resend-verification"' in html


def test_resend_verification_answers_the_same_for_known_and_unknown_addresses(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="unverified@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/resend-verification", {"email": "unverified@example.com"})
        unknown = Client().post("/accounts/resend-verification", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/resend-verification"
    assert _messages(known) == _messages(unknown) == [VERIFICATION_SENT]
    assert [message.to for message in mail.outbox] == [["unverified@example.com"]]


def test_the_resend_form_is_filled_in_with_the_signed_in_users_address(client):
    client.force_login(UserFactory(email="ana@example.com"))
    assert 'value="ana@example.com"' in _html(client.get("/accounts/resend-verification"))
    assert 'value="ana@example.com"' in _html(client.get("/accounts/verify-email?token=expired"))


# --- Password reset ---------------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="ana@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/forgot-password", {"email": "ana@example.com"})
        unknown = Client().post("/accounts/forgot-password", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/forgot-password"
    assert _messages(known) == _messages(unknown) == [RESET_LINK_SENT]
    assert [message.to for message in mail.outbox] == [["ana@example.com"]]
    assert RESET_LINK_SENT in _html(client.get("/accounts/forgot-password"))


def test_reset_password_from_the_mailed_link_to_a_login_with_the_new_password(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="ana@example.com", username="ana_lifts")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/forgot-password", {"email": "ana@example.com"})
    token = _mailed_token("/accounts/reset-password")

    page = client.get(f"/accounts/reset-password?token={token}")
    assert page.status_code == 200
    assert f'name="token" value="{token}"' in _html(page)

    mismatch = client.post(
        "/accounts/reset-password", {"token": token, "password1": NEW_PASSWORD, "password2": "something-else"}
    )
    assert 'id="id_password2_error"><li>The two passwords differ.' in _html(mismatch)
    weak = client.post("/accounts/reset-password", {"token": token, "password1": "123", "password2": "123"})
    assert 'id="id_password1_error"><li>This password is too short' in _html(weak)

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/accounts/reset-password", {"token": token, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
    assert done.status_code == 302
    assert done["Location"] == "/accounts/login"
    assert _messages(done) == ["Your password was changed. Log in with the new one."]
    assert mail.outbox[-1].to == ["ana@example.com"]  # "your password changed"

    assert _form_errors(_login(client, "ana_lifts")) == f"<p>{INVALID_LOGIN}</p>"
    assert _login(client, "ana_lifts", password=NEW_PASSWORD).status_code == 302
    reused = client.post(
        "/accounts/reset-password", {"token": token, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert reused.status_code == 400
    assert "invalid, expired or already used" in _html(reused)


@pytest.mark.parametrize(
    ("method", "data"), [("get", {}), ("post", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})]
)
def test_reset_password_without_a_token_says_the_link_does_not_work(client, method, data):
    response = getattr(client, method)("/accounts/reset-password", data)
    assert response.status_code == 400
    assert 'href="/accounts/forgot-password"' in _html(response)


def test_login_page_is_throttled_per_ip_across_login_names(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "2/min"},
    }
    for name in ("first@example.com", "second@example.com"):
        response = client.post("/accounts/login", {"login": name, "password": "wrong-guess"})
        assert "Too many attempts" not in response.content.decode()
    response = client.post("/accounts/login", {"login": "third@example.com", "password": "wrong-guess"})
    assert "Too many attempts, try again in 1 minute" in response.content.decode()


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def test_login_page_lockout_counts_the_account_whichever_name_is_typed(client):
    UserFactory(email="ana@example.com", username="ana_lifts")
    for name in ["ana_lifts", "Ana@Example.com"] * 2 + ["ANA_LIFTS"]:
        assert _form_errors(_login(client, name, password="wrong-guess")) == f"<p>{INVALID_LOGIN}</p>"
    response = Client(REMOTE_ADDR="10.9.9.9").post(
        "/accounts/login", {"login": "ana@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert _form_errors(response) == "<p>Too many failed attempts, try again in 1 minute.</p>"
    # The API sees the same lockout.
    api = Client().post(
        "/api/v1/auth/login",
        {"username": "ana_lifts", "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 429
    assert api.json()["error"]["code"] == "login_locked"


def test_login_page_ignores_a_spoofed_forwarded_for(client, settings):
    _rates(settings, login="1/min")
    _login(client, "first@example.com", password="wrong-guess", HTTP_X_FORWARDED_FOR="1.1.1.1")
    response = client.post(
        "/accounts/login",
        {"login": "second@example.com", "password": "wrong-guess"},
        HTTP_X_FORWARDED_FOR="2.2.2.2",
    )
    assert response.status_code == 429
    assert "Too many attempts, try again in 1 minute" in _html(response)


def test_signup_is_throttled_per_ip_before_saying_an_address_is_taken(client, settings):
    _rates(settings, register="1/hour")
    UserFactory(email="taken@example.com")
    assert _signup(client).status_code == 302
    client.logout()
    response = _signup(client, email="taken@example.com", username="someone_else")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts" in _form_errors(response)
    assert "already exists" not in _html(response)
    assert User.objects.count() == 2


def test_signup_is_throttled_per_address_across_ips(settings):
    _rates(settings, register="1/hour")
    first = _signup(Client(REMOTE_ADDR="10.1.0.1"), email="probe@example.com", username="probe_one")
    assert first.status_code == 302
    again = _signup(Client(REMOTE_ADDR="10.1.0.2"), email="PROBE@example.com", username="probe_two")
    assert again.status_code == 429


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/accounts/forgot-password", "forgot_password"),
        ("/accounts/resend-verification", "resend_verification"),
    ],
)
def test_address_pages_are_throttled_per_ip(
    client, settings, django_capture_on_commit_callbacks, path, scope
):
    _rates(settings, **{scope: "1/hour"})
    UserFactory(email="ana@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(path, {"email": "nobody@example.com"}).status_code == 302
        response = client.post(path, {"email": "ana@example.com"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts, try again in" in _form_errors(response)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("path", "scope", "notice"),
    [
        ("/accounts/forgot-password", "forgot_password", RESET_LINK_SENT),
        ("/accounts/resend-verification", "resend_verification", VERIFICATION_SENT),
    ],
)
@pytest.mark.parametrize("address", ["ana@example.com", "nobody@example.com"])
def test_address_pages_past_the_per_address_limit_send_nothing_and_say_the_same(
    settings, django_capture_on_commit_callbacks, path, scope, notice, address
):
    _rates(settings, **{scope: "2/hour"})
    UserFactory(email="ana@example.com")
    queued, responses = 0, []
    for i in range(3):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            responses.append(Client(REMOTE_ADDR=f"10.2.0.{i}").post(path, {"email": address}))
        queued += len(callbacks)
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert [_messages(r) for r in responses] == [[notice]] * 3
    assert queued == 2
    assert len(mail.outbox) == (2 if address == "ana@example.com" else 0)


# --- Admin login ------------------------------------------------------------------------------


def _admin_login(client, username, password=DEFAULT_PASSWORD):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"}
    )


def test_admin_login_refuses_a_locked_account_even_with_the_right_password(client, monkeypatch):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from accounts.models import LoginThrottleState

    UserFactory(email="boss@example.com", username="boss", is_staff=True, is_superuser=True)
    for _ in range(5):
        _login(Client(), "boss", password="wrong-guess")
    response = _admin_login(client, "boss@example.com")
    assert response.status_code == 200
    assert "Please enter the correct" in _html(response)
    assert _logged_in_user_id(client) is None
    later = LoginThrottleState.objects.get().locked_until + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    cache.clear()
    assert _admin_login(client, "boss").status_code == 302
    assert _logged_in_user_id(client) is not None


def test_admin_login_failures_lock_the_account_for_the_api(client):
    UserFactory(email="boss@example.com", username="boss", is_staff=True)
    for _ in range(5):
        _admin_login(client, "boss", password="wrong-guess")
    api = Client(REMOTE_ADDR="10.3.0.1").post(
        "/api/v1/auth/login",
        {"email": "boss@example.com", "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 429
    assert api.json()["error"]["code"] == "login_locked"


def test_admin_login_is_throttled_per_ip(client, settings):
    _rates(settings, login="2/min")
    UserFactory(username="boss", is_staff=True)
    for name in ("first", "second"):
        assert "Too many attempts" not in _html(_admin_login(client, name, password="wrong-guess"))
    response = _admin_login(client, "boss")
    assert "Too many attempts, try again in 1 minute(s)." in _html(response)
    assert _logged_in_user_id(client) is None
