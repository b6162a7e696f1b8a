"""Sign in with Google or Apple: OpenID Connect authorization code flow with `state`, PKCE and `nonce`.

A small explicit implementation instead of django-allauth, whose session and redirect flows do
not hand back our JWT pair. The flow (SECURITY.md, API2):

1. `social_authorize_url` makes a one-time `state`, a PKCE verifier and a `nonce`, keeps them in
   the cache for ten minutes under the state, and returns the provider's authorize URL.
2. `social_complete` consumes the state exactly once, trades the code for tokens (with the
   verifier, so a stolen code is useless), verifies the ID token (signature against the
   provider's JWKS, RS256 only, `iss`, `aud`, `exp`, `nonce`), then finds, links or creates the
   user and opens a login.

Only the provider's signed ID token is trusted: never the e-mail Apple posts in its `user` form
field, and never an e-mail the provider has not verified.
"""

import base64
import hashlib
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from django.conf import settings
from django.contrib.auth.models import update_last_login
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import SocialIdentity, User, normalize_email
from accounts.services import TokenPair, login_open, logins_revoke_all
from fitai.errors import DomainError, ForbiddenError

logger = logging.getLogger("fitai.accounts.social")

STATE_TTL_SECONDS = 600
JWKS_TTL_SECONDS = 3600
# An unknown `kid` may mean the provider rotated its keys; refetch at most this often, so a stream
# of forged tokens with made-up kids cannot turn us into a JWKS-fetching loop.
JWKS_REFETCH_COOLDOWN_SECONDS = 60
ID_TOKEN_LEEWAY_SECONDS = 60
APPLE_CLIENT_SECRET_TTL_SECONDS = 300
APPLE_AUDIENCE = "https://appleid.apple.com"
MAX_PROVIDER_RESPONSE_BYTES = 256 * 1024


# --- Errors -------------------------------------------------------------------------------------


class SocialAuthError(DomainError):
    """The sign-in cannot be completed with what the client or the provider sent."""

    default_code = "social_auth_failed"
    default_message = "Sign-in with this provider failed. Start again."


class ProviderNotConfiguredError(DomainError):
    status_code = 503
    default_code = "provider_not_configured"
    default_message = "Sign-in with this provider is not available on this server."


class ProviderUnavailableError(DomainError):
    """The provider could not be reached in time: the client may simply try again."""

    status_code = 503
    default_code = "provider_unavailable"
    default_message = "The sign-in provider could not be reached. Try again later."


class ProviderBadResponseError(DomainError):
    """The provider answered, but not with anything we can use."""

    status_code = 502
    default_code = "provider_unavailable"
    default_message = "The sign-in provider gave an unexpected answer. Try again later."


class AccountDisabledError(ForbiddenError):
    default_code = "account_disabled"
    default_message = "This account is disabled."


def _invalid_state() -> SocialAuthError:
    return SocialAuthError(
        "This sign-in link expired or was already used. Start again.", code="invalid_state"
    )


def _invalid_id_token() -> SocialAuthError:
    return SocialAuthError("The provider's identity token could not be verified.", code="invalid_id_token")


# --- Providers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """The fixed endpoints and claims of one OpenID Connect provider."""

    name: str
    authorize_url: str
    token_url: str
    jwks_url: str
    issuers: tuple[str, ...]
    scope: str
    extra_authorize_params: tuple[tuple[str, str], ...] = ()


PROVIDERS: dict[str, Provider] = {
    "google": Provider(
        name="google",
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",  # noqa: S106 (a URL, not a password)
        jwks_url="https://www.googleapis.com/oauth2/v3/certs",
        issuers=("https://accounts.google.com", "accounts.google.com"),
        scope="openid email profile",
    ),
    "apple": Provider(
        name="apple",
        authorize_url="https://appleid.apple.com/auth/authorize",
        token_url="https://appleid.apple.com/auth/token",  # noqa: S106 (a URL, not a password)
        jwks_url="https://appleid.apple.com/auth/keys",
        issuers=("https://appleid.apple.com",),
        scope="name email",
        # Apple only shares name and e-mail when it posts the answer back (form_post).
        extra_authorize_params=(("response_mode", "form_post"),),
    ),
}


def _provider(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ProviderNotConfiguredError(f"Unknown sign-in provider {name!r}.") from None


def social_provider_is_configured(*, provider: str) -> bool:
    """Whether the provider's credentials are all set (a provider is on only then)."""
    if provider == "google":
        return bool(settings.GOOGLE_CLIENT_ID and settings.GOOGLE_CLIENT_SECRET)
    if provider == "apple":
        return bool(
            settings.APPLE_CLIENT_ID
            and settings.APPLE_TEAM_ID
            and settings.APPLE_KEY_ID
            and settings.APPLE_PRIVATE_KEY
        )
    return False


def _client_id(provider: Provider) -> str:
    """Our client id at the provider; raise 503 `provider_not_configured` when credentials are missing."""
    if not social_provider_is_configured(provider=provider.name):
        raise ProviderNotConfiguredError()
    return settings.GOOGLE_CLIENT_ID if provider.name == "google" else settings.APPLE_CLIENT_ID


def _client_secret(provider: Provider) -> str:
    """Google's secret is static; Apple's is a short-lived ES256 JWT signed with our private key."""
    if provider.name == "google":
        return settings.GOOGLE_CLIENT_SECRET
    now = int(time.time())
    claims = {
        "iss": settings.APPLE_TEAM_ID,
        "iat": now,
        "exp": now + APPLE_CLIENT_SECRET_TTL_SECONDS,
        "aud": APPLE_AUDIENCE,
        "sub": settings.APPLE_CLIENT_ID,
    }
    try:
        return jwt.encode(
            claims, settings.APPLE_PRIVATE_KEY, algorithm="ES256", headers={"kid": settings.APPLE_KEY_ID}
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        logger.exception("APPLE_PRIVATE_KEY is not a usable ES256 private key (PEM)")
        raise ProviderNotConfiguredError("Sign-in with Apple is misconfigured on this server.") from None


# --- HTTP ---------------------------------------------------------------------------------------


def _http_client() -> httpx.Client:
    """The one place outbound calls get their client: bounded by a timeout, and replaceable in tests."""
    return httpx.Client(timeout=settings.SOCIAL_HTTP_TIMEOUT_SECONDS, follow_redirects=False)


def _provider_json(request: httpx.Request) -> tuple[int, Any]:
    """Send the request; return its status and JSON body. Network trouble is 503, garbage is 502.

    The body is read in chunks and cut off past MAX_PROVIDER_RESPONSE_BYTES, so a broken or
    hijacked endpoint cannot make us buffer an unbounded answer.
    """
    body = bytearray()
    try:
        with _http_client() as client:
            response = client.send(request, stream=True)
            try:
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_PROVIDER_RESPONSE_BYTES:
                        raise ProviderBadResponseError()
            finally:
                response.close()
    except httpx.HTTPError as error:
        logger.warning("Sign-in provider unreachable: %s %s: %r", request.method, request.url, error)
        raise ProviderUnavailableError() from None
    try:
        return response.status_code, json.loads(body)
    except (ValueError, RecursionError):
        logger.warning("Sign-in provider sent non-JSON (%s) from %s", response.status_code, request.url)
        raise ProviderBadResponseError() from None


# --- Step 1: the authorize URL ------------------------------------------------------------------


def _state_key(state: str) -> str:
    return f"social:state:{state}"


def social_authorize_url(*, provider: str, redirect_uri: str) -> str:
    """Return the provider's authorize URL, remembering the state, PKCE verifier and nonce for 10 minutes."""
    config = _provider(provider)
    client_id = _client_id(config)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 asks for 43 to 128.
    nonce = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=")
    cache.set(
        _state_key(state),
        {"provider": provider, "verifier": verifier, "nonce": nonce, "redirect_uri": redirect_uri},
        timeout=STATE_TTL_SECONDS,
    )
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": config.scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge.decode("ascii"),
        "code_challenge_method": "S256",
        **dict(config.extra_authorize_params),
    }
    return f"{config.authorize_url}?{urlencode(params)}"


def _state_consume(*, state: str) -> dict[str, Any]:
    """Take the state's data out of the cache exactly once; concurrent or later uses are refused.

    `cache.delete` reports whether it removed the key (Redis DEL is atomic), so of two requests
    racing with one state only one wins.
    """
    if not state or len(state) > 256:
        raise _invalid_state()
    key = _state_key(state)
    data = cache.get(key)
    if not isinstance(data, dict) or not cache.delete(key):
        raise _invalid_state()
    return data


# --- Step 2: code exchange and ID token verification --------------------------------------------


def _code_exchange(*, provider: Provider, client_id: str, code: str, verifier: str, redirect_uri: str) -> str:
    """Trade the authorization code for the provider's ID token."""
    request = httpx.Request(
        "POST",
        provider.token_url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": _client_secret(provider),
            "code_verifier": verifier,
        },
        headers={"Accept": "application/json"},
    )
    status, body = _provider_json(request)
    if status == 400 and isinstance(body, dict) and body.get("error") == "invalid_grant":
        raise SocialAuthError(
            "The sign-in code expired or was already used. Start again.", code="invalid_code"
        )
    if status != 200 or not isinstance(body, dict):
        logger.warning("%s token endpoint answered %s: %s", provider.name, status, _error_of(body))
        raise ProviderBadResponseError()
    id_token = body.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise ProviderBadResponseError()
    return id_token


def _error_of(body: Any) -> str:
    """The OAuth `error` code of a provider answer, for logs; never the whole body (it may hold tokens)."""
    return str(body.get("error", "?"))[:64] if isinstance(body, dict) else "?"


def _jwks_key(provider: Provider) -> str:
    return f"social:jwks:{provider.name}"


def _jwks_fetch(provider: Provider) -> dict[str, Any]:
    """Download the provider's signing keys and cache them for an hour."""
    status, body = _provider_json(httpx.Request("GET", provider.jwks_url))
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("keys"), list):
        logger.warning("%s JWKS endpoint answered %s", provider.name, status)
        raise ProviderBadResponseError()
    cache.set(_jwks_key(provider), body, timeout=JWKS_TTL_SECONDS)
    return body


def _signing_key(provider: Provider, kid: str) -> jwt.PyJWK:
    """The provider's public key with this `kid`; refetch the JWKS once if the kid is unknown."""
    jwks = cache.get(_jwks_key(provider))
    fetched = False
    if jwks is None:
        jwks, fetched = _jwks_fetch(provider), True
    key = _jwk_find(jwks, kid)
    if (
        key is None
        and not fetched
        and cache.add(f"social:jwks-refetch:{provider.name}", 1, JWKS_REFETCH_COOLDOWN_SECONDS)
    ):
        key = _jwk_find(_jwks_fetch(provider), kid)
    if key is None:
        raise _invalid_id_token()
    return key


def _jwk_find(jwks: dict[str, Any], kid: str) -> jwt.PyJWK | None:
    for entry in jwks.get("keys", []):
        if isinstance(entry, dict) and entry.get("kid") == kid:
            try:
                return jwt.PyJWK(entry)
            except (jwt.PyJWTError, ValueError, TypeError, KeyError):  # A malformed key verifies nothing.
                return None
    return None


def _id_token_verify(*, provider: Provider, client_id: str, id_token: str, nonce: str) -> dict[str, Any]:
    """Return the ID token's claims once signature, algorithm, issuer, audience, expiry and nonce hold."""
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise _invalid_id_token() from None
    kid = header.get("kid")
    if header.get("alg") != "RS256" or not isinstance(kid, str) or not kid:
        raise _invalid_id_token()
    key = _signing_key(provider, kid)
    try:
        claims = jwt.decode(
            id_token,
            key=key,
            algorithms=["RS256"],
            audience=client_id,
            issuer=provider.issuers,
            leeway=ID_TOKEN_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.PyJWTError as error:
        logger.info("Rejected %s ID token: %s", provider.name, error)
        raise _invalid_id_token() from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # OpenID Connect Core 3.1.3.7: with several audiences, the token must have been issued to us.
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise _invalid_id_token()
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
        raise _invalid_id_token()
    if not isinstance(claims["sub"], str) or not claims["sub"] or len(claims["sub"]) > 255:
        raise _invalid_id_token()
    return claims


def _is_true(value: Any) -> bool:
    """Apple sends booleans as the strings "true"/"false" in some tokens."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


# --- Step 3: the user ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SocialProfile:
    """What the verified ID token (and, for names only, Apple's form post) says about the person."""

    provider: str
    subject: str
    email: str
    email_verified: bool
    first_name: str
    last_name: str


def _profile(*, provider: Provider, claims: dict[str, Any], apple_user_json: str | None) -> SocialProfile:
    email = claims.get("email")
    email = normalize_email(email) if isinstance(email, str) and "@" in email and len(email) <= 254 else ""
    first_name, last_name = claims.get("given_name", ""), claims.get("family_name", "")
    if provider.name == "apple":
        first_name, last_name = _apple_name(apple_user_json)
    return SocialProfile(
        provider=provider.name,
        subject=claims["sub"],
        email=email,
        email_verified=bool(email) and _is_true(claims.get("email_verified")),
        first_name=first_name[:150] if isinstance(first_name, str) else "",
        last_name=last_name[:150] if isinstance(last_name, str) else "",
    )


def _apple_name(apple_user_json: str | None) -> tuple[str, str]:
    """The name from Apple's unsigned `user` field (first sign-in only); anything malformed is ignored."""
    if not apple_user_json:
        return "", ""
    try:
        document = json.loads(apple_user_json)
    except (ValueError, RecursionError):
        return "", ""
    name = document.get("name") if isinstance(document, dict) else None
    if not isinstance(name, dict):
        return "", ""
    first, last = name.get("firstName", ""), name.get("lastName", "")
    return (first if isinstance(first, str) else ""), (last if isinstance(last, str) else "")


USERNAME_MIN, USERNAME_MAX = 3, 30


def _username_candidates(email: str) -> list[str]:
    """Usernames to try for a new account: the e-mail's local part made valid, then with random suffixes."""
    base = re.sub(r"[^A-Za-z0-9_.]", "", email.split("@", 1)[0])[:USERNAME_MAX]
    if len(base) < USERNAME_MIN:
        base = (base + "_user")[:USERNAME_MAX]
    # Suffixes from a large random space: "name_1", "name_2"... would let anyone predict and squat them.
    suffixed = [f"{base[: USERNAME_MAX - 7]}_{secrets.token_hex(3)}" for _ in range(5)]
    return [base, *suffixed]


def _user_create(*, profile: SocialProfile) -> User:
    """Create a verified, password-less account for the profile; retry with another name on a collision."""
    for username in _username_candidates(profile.email):
        if User.objects.filter(username__iexact=username).exists():
            continue
        user = User(
            email=profile.email,
            username=username,
            first_name=profile.first_name,
            last_name=profile.last_name,
            email_verified=True,
            email_verified_at=timezone.now(),
        )
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            # A concurrent sign-up took the name (or the address: then the next lookup links instead).
            if User.objects.filter(email=profile.email).exists():
                raise SocialAuthError("Please try signing in again.", code="conflict") from None
            continue
        return user
    raise SocialAuthError("Could not choose a username for the new account. Try again.", code="conflict")


@transaction.atomic
def _user_for_profile(*, profile: SocialProfile) -> tuple[User, bool]:
    """Find the user by identity, else link by verified e-mail, else create; return (user, created).

    Disabled accounts are refused (403) before anything is linked to them. An unverified provider
    e-mail never reaches an existing account: anyone can type an address into a provider's sign-up form.
    """
    now = timezone.now()
    identity = (
        SocialIdentity.objects.select_for_update()
        .select_related("user")
        .filter(provider=profile.provider, subject=profile.subject)
        .first()
    )
    if identity is not None:
        if not identity.user.is_active:
            raise AccountDisabledError()
        identity.last_login_at = now
        update_fields = ["last_login_at"]
        if profile.email and identity.email != profile.email:
            identity.email = profile.email
            update_fields.append("email")
        identity.save(update_fields=update_fields)
        return identity.user, False
    if not profile.email:
        raise SocialAuthError("The provider did not share an e-mail address.", code="email_missing")
    if not profile.email_verified:
        raise SocialAuthError("The provider has not verified this e-mail address.", code="email_not_verified")
    user = User.objects.select_for_update().filter(email=profile.email).first()
    created = user is None
    if user is None:
        user = _user_create(profile=profile)
    elif not user.is_active:
        raise AccountDisabledError()
    elif not user.email_verified:
        _account_claim(user=user)
    SocialIdentity.objects.create(
        user=user, provider=profile.provider, subject=profile.subject, email=profile.email, last_login_at=now
    )
    return user, created


def _account_claim(*, user: User) -> None:
    """The provider proved the address is theirs; an unverified account's password may not be.

    Whoever registered the address without verifying it could be someone else waiting for the
    owner to sign in (account pre-hijacking), so their password and logins stop working. The
    owner can set a password with "forgot password" later.
    """
    user.email_verified, user.email_verified_at = True, timezone.now()
    user.set_unusable_password()
    user.save(update_fields=["email_verified", "email_verified_at", "password"])
    logins_revoke_all(user=user, reason="social_claim")


# --- The whole callback -------------------------------------------------------------------------


def social_complete(
    *,
    provider: str,
    code: str,
    state: str,
    user_agent: str = "",
    apple_user_json: str | None = None,
) -> tuple[User, TokenPair, bool]:
    """Finish a sign-in the provider redirected back to; return (user, tokens, whether it was created).

    The state is consumed first, so a code and state can be tried only once whatever goes wrong
    afterwards. Provider calls happen outside any database transaction.
    """
    config = _provider(provider)
    client_id = _client_id(config)
    stored = _state_consume(state=state)
    if stored.get("provider") != provider:
        raise _invalid_state()
    id_token = _code_exchange(
        provider=config,
        client_id=client_id,
        code=code,
        verifier=stored["verifier"],
        redirect_uri=stored["redirect_uri"],
    )
    claims = _id_token_verify(provider=config, client_id=client_id, id_token=id_token, nonce=stored["nonce"])
    profile = _profile(provider=config, claims=claims, apple_user_json=apple_user_json)
    user, created = _user_for_profile(profile=profile)
    update_last_login(None, user)
    return user, login_open(user=user, user_agent=user_agent), created
