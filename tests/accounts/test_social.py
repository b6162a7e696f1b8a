"""Sign in with Google and Apple: only the providers' HTTP is faked; tokens are really signed and checked.

Each test makes RSA keys, serves the public one as the provider's JWKS through `httpx.MockTransport`
and signs ID tokens with PyJWT, so signature, `iss`, `aud`, `exp` and `nonce` checks run for real.
"""

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from rest_framework.test import APIClient

from accounts import social
from accounts.models import SocialIdentity, TokenFamily, User
from accounts.services import login_open
from tests.factories import DEFAULT_PASSWORD, UserFactory

SITE_URL = "https://fitai.test"
GOOGLE_CLIENT_ID = "fitai-web.apps.googleusercontent.com"
APPLE_CLIENT_ID = "app.fitai.web"
APPLE_TEAM_ID = "TEAM123456"
APPLE_KEY_ID = "KEY1234567"


@pytest.fixture(scope="module")
def provider_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def apple_signing_key() -> ec.EllipticCurvePrivateKey:
    """Our Sign in with Apple private key (the .p8 Apple gives developers)."""
    return ec.generate_private_key(ec.SECP256R1())


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    return {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": "RS256"}


@dataclass
class FakeProvider:
    """The provider's token and JWKS endpoints, answering what the test set up and recording requests."""

    name: str
    issuer: str
    client_id: str
    key: rsa.RSAPrivateKey
    kid: str = "key-1"
    nonce: str = ""
    subject: str = "provider-subject-1"
    email: str = "sam.lee@example.com"
    claims: dict[str, Any] = field(default_factory=dict)
    sign_with: rsa.RSAPrivateKey | None = None
    token_response: httpx.Response | None = None
    jwks_response: httpx.Response | None = None
    network_down: bool = False
    jwks_keys: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    jwks_requests: int = 0

    @property
    def token_url(self) -> str:
        return social.PROVIDERS[self.name].token_url

    @property
    def jwks_url(self) -> str:
        return social.PROVIDERS[self.name].jwks_url

    def id_token(self) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": self.subject,
            "email": self.email,
            "email_verified": True,
            "iat": now,
            "exp": now + 600,
            "nonce": self.nonce,
            **self.claims,
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(claims, self.sign_with or self.key, algorithm="RS256", headers={"kid": self.kid})

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.network_down:
            raise httpx.ConnectTimeout("timed out", request=request)
        if str(request.url) == self.jwks_url and request.method == "GET":
            self.jwks_requests += 1
            if self.jwks_response is not None:
                return self.jwks_response
            return httpx.Response(200, json={"keys": self.jwks_keys or [_jwk(self.key, self.kid)]})
        if str(request.url) == self.token_url and request.method == "POST":
            form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
            self.token_requests.append(form)
            if self.token_response is not None:
                return self.token_response
            return httpx.Response(200, json={"access_token": "provider-access", "id_token": self.id_token()})
        return httpx.Response(404, json={"error": "not_found"})


@pytest.fixture(autouse=True)
def _social_settings(settings):
    settings.SITE_URL = SITE_URL
    settings.GOOGLE_CLIENT_ID = GOOGLE_CLIENT_ID
    settings.GOOGLE_CLIENT_SECRET = "google-client-secret"


@pytest.fixture
def apple_settings(settings, apple_signing_key):
    settings.APPLE_CLIENT_ID = APPLE_CLIENT_ID
    settings.APPLE_TEAM_ID = APPLE_TEAM_ID
    settings.APPLE_KEY_ID = APPLE_KEY_ID
    settings.APPLE_PRIVATE_KEY = apple_signing_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _install(monkeypatch, fake: FakeProvider) -> FakeProvider:
    monkeypatch.setattr(
        social, "_http_client", lambda: httpx.Client(transport=httpx.MockTransport(fake.handle))
    )
    return fake


@pytest.fixture
def google(monkeypatch, provider_key) -> FakeProvider:
    return _install(
        monkeypatch,
        FakeProvider(
            name="google", issuer="https://accounts.google.com", client_id=GOOGLE_CLIENT_ID, key=provider_key
        ),
    )


@pytest.fixture
def apple(monkeypatch, provider_key, apple_settings) -> FakeProvider:
    return _install(
        monkeypatch,
        FakeProvider(
            name="apple", issuer="https://appleid.apple.com", client_id=APPLE_CLIENT_ID, key=provider_key
        ),
    )


def _authorize(client: APIClient, fake: FakeProvider) -> dict[str, str]:
    """Follow our redirect as a browser would; the fake provider will put its nonce in the ID token."""
    response = client.get(f"/api/v1/auth/{fake.name}")
    assert response.status_code == 302, response.content
    params = {name: values[0] for name, values in parse_qs(urlsplit(response["Location"]).query).items()}
    fake.nonce = params["nonce"]
    return params


def _callback(client: APIClient, fake: FakeProvider, state: str, code: str = "provider-code"):
    return client.get(f"/api/v1/auth/{fake.name}/callback", {"code": code, "state": state})


def _sign_in(client: APIClient, fake: FakeProvider):
    return _callback(client, fake, _authorize(client, fake)["state"])


def _error_code(response) -> str:
    return response.json()["error"]["code"]


# --- The redirect -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_google_redirect_carries_client_id_redirect_uri_state_pkce_and_nonce(api_client, google):
    response = api_client.get("/api/v1/auth/google")

    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    location = urlsplit(response["Location"])
    params = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert (
        f"{location.scheme}://{location.netloc}{location.path}"
        == "https://accounts.google.com/o/oauth2/v2/auth"
    )
    assert params["client_id"] == GOOGLE_CLIENT_ID
    assert params["redirect_uri"] == f"{SITE_URL}/api/v1/auth/google/callback"
    assert params["response_type"] == "code"
    assert params["scope"] == "openid email profile"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url of a SHA-256 digest, unpadded.
    assert len(params["state"]) >= 32
    assert len(params["nonce"]) >= 32
    assert "response_mode" not in params


@pytest.mark.django_db
def test_each_redirect_gets_its_own_state_and_nonce(api_client, google):
    first, second = _authorize(api_client, google), _authorize(api_client, google)

    assert first["state"] != second["state"]
    assert first["nonce"] != second["nonce"]
    assert first["code_challenge"] != second["code_challenge"]


@pytest.mark.django_db
def test_apple_redirect_asks_for_a_form_post_with_name_and_email(api_client, apple):
    params = _authorize(api_client, apple)

    assert params["client_id"] == APPLE_CLIENT_ID
    assert params["redirect_uri"] == f"{SITE_URL}/api/v1/auth/apple/callback"
    assert params["response_mode"] == "form_post"
    assert params["scope"] == "name email"
    assert params["code_challenge_method"] == "S256"
    assert params["nonce"]


@pytest.mark.django_db
@pytest.mark.parametrize("provider", ["google", "apple"])
def test_redirect_without_credentials_is_503_provider_not_configured(api_client, settings, provider):
    settings.GOOGLE_CLIENT_ID = ""
    settings.APPLE_CLIENT_ID = ""

    response = api_client.get(f"/api/v1/auth/{provider}")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "provider_not_configured"


@pytest.mark.django_db
def test_apple_needs_every_credential(api_client, apple, settings):
    settings.APPLE_PRIVATE_KEY = ""

    response = api_client.get("/api/v1/auth/apple")

    assert response.status_code == 503
    assert _error_code(response) == "provider_not_configured"


# --- Google: the whole flow ---------------------------------------------------------------------


@pytest.mark.django_db
def test_google_sign_in_creates_a_verified_user_and_returns_working_tokens(api_client, google):
    google.claims = {"given_name": "Sam", "family_name": "Lee"}
    params = _authorize(api_client, google)

    response = _callback(api_client, google, params["state"], code="the-code")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh", "user", "created"}
    assert body["created"] is True
    assert body["user"]["email"] == "sam.lee@example.com"
    assert body["user"]["username"] == "sam.lee"
    assert body["user"]["first_name"] == "Sam"
    assert body["user"]["email_verified"] is True
    user = User.objects.get(email="sam.lee@example.com")
    assert not user.has_usable_password()
    assert user.email_verified_at is not None
    assert user.last_login is not None
    identity = SocialIdentity.objects.get(provider="google", subject="provider-subject-1")
    assert identity.user == user
    assert identity.email == "sam.lee@example.com"
    # The code went to the token endpoint with our secret and the PKCE verifier behind the challenge.
    [token_request] = google.token_requests
    assert token_request["grant_type"] == "authorization_code"
    assert token_request["code"] == "the-code"
    assert token_request["client_id"] == GOOGLE_CLIENT_ID
    assert token_request["client_secret"] == "google-client-secret"
    assert token_request["redirect_uri"] == f"{SITE_URL}/api/v1/auth/google/callback"
    digest = hashlib.sha256(token_request["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == params["code_challenge"]
    # Our own tokens work.
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    logout = api_client.post("/api/v1/auth/logout", {"all_devices": True})
    assert logout.status_code == 204
    assert not TokenFamily.objects.filter(user=user, revoked_at__isnull=True).exists()


@pytest.mark.django_db
def test_second_google_sign_in_logs_into_the_same_user(api_client, google):
    first = _sign_in(api_client, google)
    google.email = "sam.new-address@example.com"  # The identity, not the address, names the user.

    second = _sign_in(api_client, google)

    assert second.status_code == 200
    assert second.json()["created"] is False
    assert second.json()["user"]["id"] == first.json()["user"]["id"]
    assert User.objects.count() == 1
    identity = SocialIdentity.objects.get()
    assert identity.email == "sam.new-address@example.com"
    assert identity.last_login_at is not None


@pytest.mark.django_db
def test_a_verified_provider_email_links_the_existing_account(api_client, google):
    user = UserFactory(email="sam.lee@example.com", email_verified=True)

    response = _sign_in(api_client, google)

    assert response.status_code == 200
    assert response.json()["created"] is False
    assert response.json()["user"]["id"] == str(user.public_id)
    assert SocialIdentity.objects.get(provider="google").user == user
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)  # A verified account keeps its password.


@pytest.mark.django_db
def test_linking_an_unverified_account_locks_out_whoever_registered_it(api_client, google):
    """Someone may have registered the victim's address first (pre-hijacking): their password dies."""
    squatter = UserFactory(email="sam.lee@example.com", email_verified=False)
    login_open(user=squatter)

    response = _sign_in(api_client, google)

    assert response.status_code == 200
    squatter.refresh_from_db()
    assert squatter.email_verified is True
    assert not squatter.has_usable_password()
    families = TokenFamily.objects.filter(user=squatter)
    assert families.filter(revoked_reason="social_claim").count() == 1
    assert families.filter(revoked_at__isnull=True).count() == 1  # Only the login just opened.


@pytest.mark.django_db
@pytest.mark.parametrize("verified", [False, "false", None])
def test_an_unverified_provider_email_never_links_an_account(api_client, google, verified):
    user = UserFactory(email="sam.lee@example.com")
    google.claims = {"email_verified": verified}

    response = _sign_in(api_client, google)

    assert response.status_code == 400
    assert _error_code(response) == "email_not_verified"
    assert not SocialIdentity.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_an_unverified_provider_email_creates_no_account(api_client, google):
    google.claims = {"email_verified": False}

    response = _sign_in(api_client, google)

    assert response.status_code == 400
    assert _error_code(response) == "email_not_verified"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_new_username_avoids_a_taken_one(api_client, google):
    UserFactory(username="Sam.Lee", email="someone.else@example.com")

    response = _sign_in(api_client, google)

    assert response.status_code == 200
    assert response.json()["user"]["username"].startswith("sam.lee_")
    assert len(response.json()["user"]["username"]) == len("sam.lee_") + 6


@pytest.mark.django_db
def test_an_email_local_part_is_made_a_valid_username(api_client, google):
    google.email = "j+@example.com"

    response = _sign_in(api_client, google)

    assert response.status_code == 200
    assert response.json()["user"]["username"] == "j_user"


@pytest.mark.django_db
def test_a_disabled_account_is_refused(api_client, google):
    UserFactory(email="sam.lee@example.com", email_verified=True, is_active=False)

    response = _sign_in(api_client, google)

    assert response.status_code == 403
    assert _error_code(response) == "account_disabled"
    assert not SocialIdentity.objects.exists()


# --- The ID token -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_signed_by_another_key_is_refused(api_client, google, other_key):
    google.sign_with = other_key  # Same kid, wrong key: a forgery.

    response = _sign_in(api_client, google)

    assert response.status_code == 400
    assert _error_code(response) == "invalid_id_token"
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"aud": "someone-elses-client.apps.googleusercontent.com"}, id="wrong-audience"),
        pytest.param(
            {"aud": [GOOGLE_CLIENT_ID, "other-client"], "azp": "other-client"}, id="issued-to-other"
        ),
        pytest.param({"iss": "https://evil.example.com"}, id="wrong-issuer"),
        pytest.param({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, id="expired"),
        pytest.param({"nonce": "a-nonce-we-never-issued"}, id="wrong-nonce"),
        pytest.param({"nonce": None}, id="no-nonce"),
        pytest.param({"sub": None}, id="no-subject"),
    ],
)
def test_an_id_token_with_bad_claims_is_refused(api_client, google, claims):
    google.claims = claims

    response = _sign_in(api_client, google)

    assert response.status_code == 400
    assert _error_code(response) == "invalid_id_token"
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_an_id_token_not_signed_with_rs256_is_refused(api_client, google, monkeypatch, algorithm):
    def unsigned_token() -> str:
        now = int(time.time())
        claims = {"iss": google.issuer, "aud": GOOGLE_CLIENT_ID, "sub": "x", "iat": now, "exp": now + 600}
        key = "shared-secret-guess-0123456789abcdef" if algorithm == "HS256" else None
        return jwt.encode(
            {**claims, "nonce": google.nonce}, key, algorithm=algorithm, headers={"kid": google.kid}
        )

    monkeypatch.setattr(google, "id_token", unsigned_token)

    response = _sign_in(api_client, google)

    assert response.status_code == 400
    assert _error_code(response) == "invalid_id_token"


@pytest.mark.django_db
def test_a_garbage_id_token_is_400_not_500(api_client, google):
    google.token_response = httpx.Response(200, json={"id_token": "not.a.jwt"})

    response = _sign_in(api_client, google)

    assert response.status_code == 400
    assert _error_code(response) == "invalid_id_token"


# --- The state ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_replayed_state_is_refused(api_client, google):
    state = _authorize(api_client, google)["state"]
    assert _callback(api_client, google, state).status_code == 200

    replay = _callback(api_client, google, state)

    assert replay.status_code == 400
    assert _error_code(replay) == "invalid_state"
    assert len(google.token_requests) == 1


@pytest.mark.django_db
def test_an_unknown_state_is_refused_without_calling_the_provider(api_client, google):
    response = _callback(api_client, google, "a-state-we-never-issued")

    assert response.status_code == 400
    assert _error_code(response) == "invalid_state"
    assert google.token_requests == []


@pytest.mark.django_db
def test_a_state_issued_for_another_provider_is_refused(api_client, google, apple):
    state = _authorize(api_client, google)["state"]

    response = api_client.post(
        "/api/v1/auth/apple/callback",
        urlencode({"code": "c", "state": state}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert _error_code(response) == "invalid_state"
    assert google.token_requests == []
    assert apple.token_requests == []


@pytest.mark.django_db
def test_a_provider_error_is_400_provider_error(api_client, google):
    state = _authorize(api_client, google)["state"]

    response = api_client.get("/api/v1/auth/google/callback", {"error": "access_denied", "state": state})

    assert response.status_code == 400
    assert _error_code(response) == "provider_error"


@pytest.mark.django_db
def test_a_callback_without_code_is_a_validation_error(api_client, google):
    response = api_client.get("/api/v1/auth/google/callback", {"state": "s"})

    assert response.status_code == 400
    assert _error_code(response) == "validation_error"
    assert "code" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_the_callback_is_503_when_the_provider_is_not_configured(api_client, settings):
    settings.GOOGLE_CLIENT_SECRET = ""

    response = api_client.get("/api/v1/auth/google/callback", {"code": "c", "state": "s"})

    assert response.status_code == 503
    assert _error_code(response) == "provider_not_configured"


# --- Provider trouble ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unreachable_provider_is_503_in_the_envelope(api_client, google):
    state = _authorize(api_client, google)["state"]
    google.network_down = True

    response = _callback(api_client, google, state)

    assert response.status_code == 503
    assert response.json() == {
        "error": {"code": "provider_unavailable", "message": social.ProviderUnavailableError.default_message}
    }


@pytest.mark.django_db
def test_a_provider_server_error_is_502(api_client, google):
    google.token_response = httpx.Response(500, text="<html>oops</html>")

    response = _sign_in(api_client, google)

    assert response.status_code == 502
    assert _error_code(response) == "provider_unavailable"


@pytest.mark.django_db
def test_an_oversized_provider_answer_is_502(api_client, google):
    google.token_response = httpx.Response(200, content=b" " * (social.MAX_PROVIDER_RESPONSE_BYTES + 1))

    response = _sign_in(api_client, google)

    assert response.status_code == 502
    assert _error_code(response) == "provider_unavailable"


@pytest.mark.django_db
def test_a_broken_jwks_endpoint_is_502_and_nothing_is_cached(api_client, google):
    google.jwks_response = httpx.Response(503, text="down for maintenance")

    response = _sign_in(api_client, google)

    assert response.status_code == 502
    assert _error_code(response) == "provider_unavailable"
    google.jwks_response = None
    assert _sign_in(api_client, google).status_code == 200


@pytest.mark.django_db
def test_an_expired_code_is_400_invalid_code(api_client, google):
    google.token_response = httpx.Response(400, json={"error": "invalid_grant"})

    response = _sign_in(api_client, google)

    assert response.status_code == 400
    assert _error_code(response) == "invalid_code"


# --- The JWKS cache -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_jwks_is_cached_between_sign_ins(api_client, google):
    assert _sign_in(api_client, google).status_code == 200
    google.subject = "another-person"
    google.email = "another.person@example.com"

    assert _sign_in(api_client, google).status_code == 200

    assert google.jwks_requests == 1


@pytest.mark.django_db
def test_a_rotated_key_is_fetched_once(api_client, google, other_key):
    assert _sign_in(api_client, google).status_code == 200
    google.kid, google.key = "key-2", other_key  # The provider rotates; our cached JWKS lacks key-2.

    assert _sign_in(api_client, google).status_code == 200
    assert google.jwks_requests == 2


@pytest.mark.django_db
def test_unknown_kids_do_not_refetch_the_jwks_again_and_again(api_client, google):
    google.jwks_keys = [_jwk(google.key, google.kid)]  # The provider publishes only its real key.
    assert _sign_in(api_client, google).status_code == 200
    google.kid = "made-up-1"
    assert _error_code(_sign_in(api_client, google)) == "invalid_id_token"
    google.kid = "made-up-2"

    response = _sign_in(api_client, google)

    assert _error_code(response) == "invalid_id_token"
    assert google.jwks_requests == 2  # The first fetch, and one refetch within the cool-down.


# --- Apple ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_apple_form_post_signs_in_with_an_es256_client_secret(apple, apple_signing_key):
    apple.claims = {"email_verified": "true", "is_private_email": "false"}  # Apple's strings.
    client = APIClient(enforce_csrf_checks=True)  # Apple's post carries no CSRF token.
    state = _authorize(client, apple)["state"]
    user_field = json.dumps({"name": {"firstName": "Sam", "lastName": "Lee"}, "email": "spoofed@example.com"})

    response = client.post(
        "/api/v1/auth/apple/callback",
        urlencode({"code": "apple-code", "state": state, "user": user_field}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] is True
    assert body["user"]["email"] == "sam.lee@example.com"  # From the signed token, not the form.
    assert (body["user"]["first_name"], body["user"]["last_name"]) == ("Sam", "Lee")
    assert SocialIdentity.objects.get(provider="apple").user.email == "sam.lee@example.com"
    [token_request] = apple.token_requests
    assert token_request["client_id"] == APPLE_CLIENT_ID
    assert token_request["code"] == "apple-code"
    secret = token_request["client_secret"]
    assert jwt.get_unverified_header(secret) == {"alg": "ES256", "kid": APPLE_KEY_ID, "typ": "JWT"}
    claims = jwt.decode(
        secret,
        apple_signing_key.public_key(),
        algorithms=["ES256"],
        audience="https://appleid.apple.com",
        issuer=APPLE_TEAM_ID,
    )
    assert claims["sub"] == APPLE_CLIENT_ID
    assert 0 < claims["exp"] - claims["iat"] <= 600


@pytest.mark.django_db
def test_apple_callback_refuses_json(api_client, apple):
    response = api_client.post("/api/v1/auth/apple/callback", {"code": "c", "state": "s"}, format="json")

    assert response.status_code == 415


@pytest.mark.django_db
def test_apple_callback_by_get_works_too(api_client, apple):
    response = _sign_in(api_client, apple)

    assert response.status_code == 200
    assert response.json()["created"] is True


@pytest.mark.django_db
def test_a_google_token_is_not_accepted_as_an_apple_one(api_client, apple):
    apple.issuer = "https://accounts.google.com"

    response = _sign_in(api_client, apple)

    assert response.status_code == 400
    assert _error_code(response) == "invalid_id_token"


@pytest.mark.django_db
def test_a_broken_apple_private_key_is_503_not_500(api_client, apple, settings):
    settings.APPLE_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"

    response = _sign_in(api_client, apple)

    assert response.status_code == 503
    assert _error_code(response) == "provider_not_configured"
