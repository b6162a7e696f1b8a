"""The Authentication section of API.md, over the API."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AccountToken, LoginThrottleState, TokenFamily, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "lift-heavy-rest-well-42"


def _link_token(message) -> str:
    return message.body.split("token=")[1].split()[0]


@pytest.fixture
def register(api_client, django_capture_on_commit_callbacks):
    def post(**overrides):
        body = {"email": "Nia@Example.com", "username": "nia", "password": STRONG, **overrides}
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post("/api/v1/auth/register", body, format="json")

    return post


def login(client, password=DEFAULT_PASSWORD, ip="127.0.0.1", **identity):
    return client.post(
        "/api/v1/auth/login", {**identity, "password": password}, format="json", REMOTE_ADDR=ip
    )


# --- register -----------------------------------------------------------------------------------


def test_register_creates_an_unverified_user_and_returns_tokens(register, api_client):
    response = register(first_name="Nia")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user", "access", "refresh"}
    assert body["user"]["email"] == "nia@example.com"
    assert body["user"]["email_verified"] is False
    assert set(body["user"]) == {
        "id", "email", "username", "first_name", "last_name", "email_verified", "date_joined"
    }  # fmt: skip
    user = User.objects.get(public_id=body["user"]["id"])
    assert user.check_password(STRONG)
    assert user.password.startswith("md5$")  # the suite's fast hasher; production uses argon2
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api_client.post("/api/v1/auth/logout", {"all_devices": True}, format="json").status_code == 204


def test_register_mails_a_verification_link(register):
    register()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nia@example.com"]
    assert "Confirm" in message.subject
    assert "http://127.0.0.1:8000/accounts/verify-email?token=" in message.body
    assert message.alternatives[0][1] == "text/html"
    token = AccountToken.objects.get()
    assert token.purpose == AccountToken.Purpose.VERIFY_EMAIL
    assert _link_token(message) not in token.digest  # only the digest is stored
    assert abs(token.expires_at - token.created_at - timedelta(days=3)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "athlete@example.com"}, "email"),
        ({"email": "ATHLETE@example.COM"}, "email"),
        ({"username": "Taken"}, "username"),
        ({"password": "password"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"password": "nia-example"}, "password"),
        ({"username": "no spaces"}, "username"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_register_refuses_bad_or_taken_fields(register, overrides, field):
    UserFactory(email="athlete@example.com", username="taken")
    response = register(**overrides)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_register_ignores_protected_fields(register):
    response = register(is_staff=True, email_verified=True, is_superuser=True)
    user = User.objects.get(public_id=response.json()["user"]["id"])
    assert (user.is_staff, user.is_superuser, user.email_verified) == (False, False, False)


def test_register_is_throttled_per_ip(register, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "register": "2/hour"},
    }
    statuses = [register(email=f"n{i}@example.com", username=f"nia{i}").status_code for i in range(3)]
    assert statuses == [201, 201, 429]


# --- login --------------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", [{"email": "KIM@example.com"}, {"username": "KimLifts"}])
def test_login_with_email_or_username(api_client, identity):
    user = UserFactory(email="kim@example.com", username="kimlifts")
    response = login(api_client, **identity)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == str(user.public_id)
    assert {"access", "refresh"} <= set(body)
    user.refresh_from_db()
    assert user.last_login is not None
    assert TokenFamily.objects.filter(user=user, revoked_at__isnull=True).count() == 1


def test_wrong_password_and_unknown_user_get_the_same_401(api_client):
    UserFactory(email="kim@example.com")
    wrong = login(api_client, email="kim@example.com", password="nope-nope-nope")
    unknown = login(api_client, email="ghost@example.com", password="nope-nope-nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


def test_inactive_users_cannot_log_in(api_client):
    UserFactory(email="gone@example.com", is_active=False)
    assert login(api_client, email="gone@example.com").status_code == 401


def test_login_needs_an_identity(api_client):
    response = api_client.post("/api/v1/auth/login", {"password": "x"}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("field", ["email", "username"])
def test_a_login_name_with_a_nul_byte_is_a_400_not_a_database_error(api_client, field):
    """Found by the schema fuzzer: the throttle looked the name up before validation, and
    PostgreSQL refuses NUL in a query (a 500 there; SQLite took it)."""
    body = {field: "kim\x00@example.com", "password": "x"}
    response = api_client.post("/api/v1/auth/login", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_twenty_wrong_passwords_end_in_429_and_lock_the_account_for_other_ips(api_client, monkeypatch):
    UserFactory(email="kim@example.com")
    statuses = [
        login(api_client, email="kim@example.com", password="wrong", ip="10.0.0.1").status_code
        for _ in range(20)
    ]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    other_ip = login(api_client, email="kim@example.com", ip="10.0.0.2")
    assert other_ip.status_code == 429
    assert int(other_ip.headers["Retry-After"]) > 0
    state = LoginThrottleState.objects.get()
    # The lockout window passes (and with it the per-minute throttles).
    later = state.locked_until + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    from django.core.cache import cache

    cache.clear()
    response = login(api_client, email="kim@example.com", ip="10.0.0.2")
    assert response.status_code == 200
    assert not LoginThrottleState.objects.exists()


def test_lockout_applies_to_unknown_accounts_too(api_client):
    for _ in range(5):
        login(api_client, email="ghost@example.com", password="wrong", ip="10.0.0.9")
    response = login(api_client, email="ghost@example.com", password="wrong", ip="10.0.0.8")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "login_locked"


def test_lockout_grows_with_each_further_failure(api_client, settings):
    from accounts.services import login_failure_record

    for _ in range(5):
        state = login_failure_record(identifier="kim@example.com")
    first = state.locked_until - state.last_failure_at
    state = login_failure_record(identifier="kim@example.com")
    assert state.locked_until - state.last_failure_at == 2 * first
    assert first.total_seconds() == settings.FITAI_LOGIN_LOCKOUT_BASE_SECONDS


def test_login_is_throttled_per_account_across_ips(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "3/min"},
    }
    UserFactory(email="kim@example.com")
    statuses = [login(api_client, email="kim@example.com", ip=f"10.0.1.{i}").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def _after_the_lockout(monkeypatch):
    """Move the clock past the account's lockout, and forget the per-minute throttle counters."""
    from django.core.cache import cache

    later = LoginThrottleState.objects.get().locked_until + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    cache.clear()


@pytest.mark.parametrize(
    "identity", [{"username": "kimlifts"}, {"username": "KIMLIFTS"}, {"email": "KIM@example.com"}]
)
def test_lockout_refuses_the_right_password_by_any_name_of_the_account_from_any_ip(
    api_client, monkeypatch, identity
):
    UserFactory(email="kim@example.com", username="kimlifts")
    for _ in range(5):
        assert login(api_client, email="kim@example.com", password="wrong", ip="10.0.0.1").status_code == 401
    response = login(api_client, **identity, ip="10.0.0.2")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "login_locked"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    _after_the_lockout(monkeypatch)
    assert login(api_client, **identity, ip="10.0.0.2").status_code == 200
    assert not LoginThrottleState.objects.exists()


def test_switching_between_email_and_username_does_not_double_the_allowance(api_client):
    UserFactory(email="kim@example.com", username="kimlifts")
    identities = [{"email": "kim@example.com"}, {"username": "kimlifts"}] * 3
    statuses = [login(api_client, **identity, password="wrong").status_code for identity in identities]
    assert statuses == [401] * 5 + [429]
    assert LoginThrottleState.objects.get().failures == 5


def test_known_and_unknown_login_names_lock_alike(api_client):
    UserFactory(email="kim@example.com")
    known = [login(api_client, email="kim@example.com", password="wrong") for _ in range(6)]
    unknown = [
        login(api_client, email="ghost@example.com", password="wrong", ip="10.0.4.1") for _ in range(6)
    ]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [429]
    assert [r.json() for r in known] == [r.json() for r in unknown]
    assert known[-1].headers["Retry-After"] == unknown[-1].headers["Retry-After"]
    # An unknown name is counted by itself: another unknown name is not locked with it.
    assert login(api_client, username="ghost", password="wrong", ip="10.0.4.1").status_code == 401


def test_the_per_account_login_throttle_counts_every_name_of_the_account(api_client, settings):
    _rates(settings, login="3/min")
    UserFactory(email="kim@example.com", username="kimlifts")
    identities = [{"email": "kim@example.com"}, {"username": "KimLifts"}, {"email": "KIM@example.com"}]
    statuses = [
        login(api_client, **identity, ip=f"10.0.2.{i}").status_code
        for i, identity in enumerate([*identities, {"username": "kimlifts"}])
    ]
    assert statuses == [200, 200, 200, 429]


# --- refresh and logout -------------------------------------------------------------------------


@pytest.fixture
def session(api_client):
    user = UserFactory(email="kim@example.com")
    return user, login(api_client, email="kim@example.com").json()


def refresh(client, token):
    return client.post("/api/v1/auth/refresh", {"refresh": token}, format="json")


def test_refresh_rotates_the_token(api_client, session):
    _, tokens = session
    first = refresh(api_client, tokens["refresh"])
    assert first.status_code == 200
    rotated = first.json()
    assert set(rotated) == {"access", "refresh"}
    assert rotated["refresh"] != tokens["refresh"]
    assert refresh(api_client, rotated["refresh"]).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(api_client, session):
    _, tokens = session
    second = refresh(api_client, tokens["refresh"]).json()["refresh"]
    replay = refresh(api_client, tokens["refresh"])
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "token_not_valid"
    assert refresh(api_client, second).status_code == 401  # the legitimate holder is out too
    assert TokenFamily.objects.get().revoked_reason == "reuse"


def test_reuse_revokes_only_that_login(api_client, session):
    user, tokens = session
    other_device = login(api_client, email=user.email).json()
    refresh(api_client, tokens["refresh"])
    refresh(api_client, tokens["refresh"])
    assert refresh(api_client, other_device["refresh"]).status_code == 200


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c"])
def test_malformed_refresh_tokens_are_401(api_client, token):
    response = refresh(api_client, token)
    assert response.status_code in {400, 401}
    if token:
        assert response.status_code == 401


def test_an_access_token_is_not_a_refresh_token(api_client, session):
    _, tokens = session
    assert refresh(api_client, tokens["access"]).status_code == 401


def test_logout_revokes_this_login_only(api_client, session, auth_client):
    user, tokens = session
    other = login(api_client, email=user.email).json()
    client = auth_client(user)
    response = client.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 204
    assert refresh(api_client, tokens["refresh"]).status_code == 401
    assert refresh(api_client, other["refresh"]).status_code == 200


def test_logout_from_all_devices(api_client, session, auth_client):
    user, tokens = session
    other = login(api_client, email=user.email).json()
    response = auth_client(user).post("/api/v1/auth/logout", {"all_devices": True}, format="json")
    assert response.status_code == 204
    assert refresh(api_client, tokens["refresh"]).status_code == 401
    assert refresh(api_client, other["refresh"]).status_code == 401


def test_logout_with_someone_elses_refresh_token_is_refused(api_client, session, auth_client):
    _, tokens = session
    response = auth_client().post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 401
    assert refresh(api_client, tokens["refresh"]).status_code == 200


def test_logout_needs_authentication_and_a_token(api_client, auth_client):
    assert api_client.post("/api/v1/auth/logout", {"all_devices": True}, format="json").status_code == 401
    response = auth_client().post("/api/v1/auth/logout", {}, format="json")
    assert response.status_code == 400
    assert "refresh" in response.json()["error"]["fields"]


# --- verification -------------------------------------------------------------------------------


def test_verify_email_with_the_mailed_token_once(register, api_client):
    register()
    token = _link_token(mail.outbox[0])
    response = api_client.get("/api/v1/auth/verify-email", {"token": token})
    assert response.status_code == 200
    assert response.json() == {"email_verified": True}
    assert User.objects.get().email_verified is True
    again = api_client.get("/api/v1/auth/verify-email", {"token": token})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"


@pytest.mark.parametrize("token", ["", "nope", "x" * 500])
def test_verify_email_refuses_bad_tokens(api_client, token):
    response = api_client.get("/api/v1/auth/verify-email", {"token": token})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_token"


def test_verify_email_refuses_expired_tokens(register, api_client):
    register()
    AccountToken.objects.update(expires_at=timezone.now())
    response = api_client.get("/api/v1/auth/verify-email", {"token": _link_token(mail.outbox[0])})
    assert response.status_code == 400
    assert User.objects.get().email_verified is False


def _post_email(client, path, email, capture):
    with capture(execute=True):
        return client.post(path, {"email": email}, format="json")


@pytest.mark.parametrize("path", ["/api/v1/auth/resend-verification", "/api/v1/auth/forgot-password"])
def test_known_and_unknown_addresses_get_identical_answers(
    api_client, django_capture_on_commit_callbacks, path
):
    UserFactory(email="kim@example.com")
    known = _post_email(api_client, path, "kim@example.com", django_capture_on_commit_callbacks)
    unknown = _post_email(api_client, path, "ghost@example.com", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert sorted(known.headers) == sorted(unknown.headers)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kim@example.com"]


def test_resend_verification_sends_nothing_to_verified_accounts(
    api_client, django_capture_on_commit_callbacks
):
    UserFactory(email="kim@example.com", email_verified=True)
    path = "/api/v1/auth/resend-verification"
    response = _post_email(api_client, path, "kim@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert mail.outbox == []


def test_account_level_limit_suppresses_mail_but_answers_202(
    api_client, django_capture_on_commit_callbacks, settings
):
    settings.FITAI_ACCOUNT_EMAILS_PER_HOUR = 2
    UserFactory(email="kim@example.com")
    statuses = [
        _post_email(
            api_client, "/api/v1/auth/forgot-password", "kim@example.com", django_capture_on_commit_callbacks
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [202, 202, 202]
    assert len(mail.outbox) == 2


def test_forgot_password_is_throttled_per_ip(api_client, settings, django_capture_on_commit_callbacks):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "forgot_password": "1/hour",
        },
    }
    path = "/api/v1/auth/forgot-password"
    assert (
        _post_email(api_client, path, "a@example.com", django_capture_on_commit_callbacks).status_code == 202
    )
    response = _post_email(api_client, path, "b@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert "Retry-After" in response.headers


# --- password reset -----------------------------------------------------------------------------


def test_reset_password_sets_it_revokes_logins_and_mails_the_owner(
    api_client, session, django_capture_on_commit_callbacks
):
    user, tokens = session
    _post_email(api_client, "/api/v1/auth/forgot-password", user.email, django_capture_on_commit_callbacks)
    token = _link_token(mail.outbox[-1])
    assert "/accounts/reset-password?token=" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/reset-password", {"token": token, "password": STRONG}, format="json"
        )
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert refresh(api_client, tokens["refresh"]).status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.post("/api/v1/auth/logout", {"all_devices": True}, format="json").status_code == 401
    api_client.credentials()
    assert "password was changed" in mail.outbox[-1].subject
    again = api_client.post(
        "/api/v1/auth/reset-password", {"token": token, "password": STRONG}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"


def test_reset_password_validates_strength_and_keeps_the_token(
    api_client, session, django_capture_on_commit_callbacks
):
    user, _ = session
    _post_email(api_client, "/api/v1/auth/forgot-password", user.email, django_capture_on_commit_callbacks)
    token = _link_token(mail.outbox[-1])
    weak = api_client.post("/api/v1/auth/reset-password", {"token": token, "password": "123"}, format="json")
    assert weak.status_code == 400
    assert "password" in weak.json()["error"]["fields"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    ok = api_client.post("/api/v1/auth/reset-password", {"token": token, "password": STRONG}, format="json")
    assert ok.status_code == 204


def test_reset_token_expires_after_an_hour(api_client, session, django_capture_on_commit_callbacks):
    user, _ = session
    _post_email(api_client, "/api/v1/auth/forgot-password", user.email, django_capture_on_commit_callbacks)
    token = AccountToken.objects.get(purpose=AccountToken.Purpose.RESET_PASSWORD)
    assert abs(token.expires_at - token.created_at - timedelta(hours=1)) < timedelta(seconds=5)
    AccountToken.objects.update(expires_at=timezone.now())
    response = api_client.post(
        "/api/v1/auth/reset-password",
        {"token": _link_token(mail.outbox[-1]), "password": STRONG},
        format="json",
    )
    assert response.status_code == 400


def test_a_spoofed_forwarded_for_does_not_escape_the_per_ip_throttle(
    api_client, settings, django_capture_on_commit_callbacks
):
    _rates(settings, forgot_password="1/hour")
    path = "/api/v1/auth/forgot-password"
    with django_capture_on_commit_callbacks(execute=True):
        first = api_client.post(path, {"email": "a@example.com"}, HTTP_X_FORWARDED_FOR="1.1.1.1")
        spoofed = api_client.post(path, {"email": "b@example.com"}, HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert first.status_code == 202
    assert spoofed.status_code == 429
    assert "Retry-After" in spoofed.headers


def test_behind_a_declared_proxy_the_forwarded_client_is_counted(api_client, settings):
    _rates(settings, forgot_password="1/hour")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    path = "/api/v1/auth/forgot-password"
    statuses = [
        api_client.post(path, {"email": "a@example.com"}, HTTP_X_FORWARDED_FOR=client).status_code
        for client in ("1.1.1.1", "2.2.2.2", "6.6.6.6, 2.2.2.2")
    ]
    # The proxy appends the address it saw: a client-written first entry is ignored.
    assert statuses == [202, 202, 429]


def test_resend_verification_is_throttled_per_ip(api_client, settings, django_capture_on_commit_callbacks):
    _rates(settings, resend_verification="1/hour")
    path = "/api/v1/auth/resend-verification"
    assert (
        _post_email(api_client, path, "a@example.com", django_capture_on_commit_callbacks).status_code == 202
    )
    response = _post_email(api_client, path, "b@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/api/v1/auth/resend-verification", "resend_verification"),
        ("/api/v1/auth/forgot-password", "forgot_password"),
    ],
)
@pytest.mark.parametrize("address", ["kim@example.com", "ghost@example.com"])
def test_the_per_address_limit_is_silent_for_known_and_unknown_addresses(
    api_client, settings, django_capture_on_commit_callbacks, path, scope, address
):
    _rates(settings, **{scope: "2/hour"})
    UserFactory(email="kim@example.com")
    responses, queued = [], 0
    for i, spelling in enumerate([address, address.upper(), address]):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            responses.append(api_client.post(path, {"email": spelling}, REMOTE_ADDR=f"10.0.3.{i}"))
        queued += len(callbacks)
    assert [r.status_code for r in responses] == [202, 202, 202]
    assert responses[0].content == responses[2].content
    assert queued == 2, "the third request queues no e-mail"
    assert len(mail.outbox) == (2 if address == "kim@example.com" else 0)
