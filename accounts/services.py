"""Account use cases: registration, login and tokens, e-mail verification, password reset.

Writes live here; views only parse and serialize. E-mails are sent by Celery tasks queued after
commit, and the tasks call back into this module (`*_send`) with ids or addresses only.
"""

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import update_last_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors
from accounts.models import (
    AccountToken,
    LoginThrottleState,
    Profile,
    TokenFamily,
    User,
    normalize_email,
    token_digest,
)
from fitai import outbox
from fitai.errors import AuthenticationError, DomainError, RateLimitedError
from fitai.mail import send_templated_email

FAMILY_CLAIM = "fam"


class InvalidCredentialsError(AuthenticationError):
    default_code = "invalid_credentials"
    default_message = "The login or the password is wrong."


class LoginLockedError(RateLimitedError):
    default_code = "login_locked"
    default_message = "Too many failed logins for this account. Try again later."


class RefreshTokenError(AuthenticationError):
    default_code = "token_not_valid"
    default_message = "The refresh token is invalid, expired or revoked."


class InvalidAccountTokenError(DomainError):
    default_code = "invalid_token"
    default_message = "This link is invalid, expired or already used."


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


# --- Registration -------------------------------------------------------------------------------


@transaction.atomic
def user_register(
    *, email: str, username: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """Create an unverified account and mail it a verification link."""
    email = normalize_email(email)
    errors: dict[str, list[str]] = {}
    if User.objects.filter(email=email).exists():
        errors["email"] = ["An account with this e-mail address already exists."]
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["That username is taken."]
    user = User(email=email, username=username, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent registration took the address or the name between the check and the insert.
        raise ValidationError({"email": ["An account with this e-mail address already exists."]}) from None
    Profile.objects.create(user=user)
    email_verification_queue(user=user)
    return user


def email_verification_queue(*, user: User) -> None:
    """Mail a verification link to the user's current address once the transaction commits."""
    from accounts.tasks import send_verification_email_task

    user_id, email = user.pk, user.email
    outbox.enqueue(send_verification_email_task, user_id, email)


# --- Login, refresh, logout ---------------------------------------------------------------------


def user_login(*, identifier: str, password: str, user_agent: str = "") -> tuple[User, TokenPair]:
    """Check the credentials and open a login (a token family); same error for every failure."""
    user = user_authenticate(identifier=identifier, password=password)
    if user is None:
        raise InvalidCredentialsError()
    update_last_login(None, user)
    return user, login_open(user=user, user_agent=user_agent)


def user_authenticate(*, identifier: str, password: str) -> User | None:
    """The active user that `identifier` (e-mail or username) and `password` name, else None.

    The one credential check of the API, the pages and the admin (through the session backend),
    so all of them share the lockout. A locked account (or unknown login name) raises
    `LoginLockedError` before the password is checked, whether or not the account exists; a failure
    is counted against the account whichever of its names was typed.
    """
    user = selectors.user_get_by_login(identifier=identifier)
    subject = _login_subject(identifier=identifier, user=user)
    _lockout_check(subject=subject)
    if user is None:
        User().set_password(password)  # Same work as a real check: timing reveals nothing.
        valid = False
    else:
        valid = user.check_password(password) and user.is_active
    if not valid:
        _failure_record(subject=subject)
        return None
    _failures_reset(subject=subject)
    return user


def login_open(*, user: User, user_agent: str = "") -> TokenPair:
    """Start a new token family for `user` (a login on one device) and return its first tokens."""
    family = TokenFamily(
        user=user,
        expires_at=timezone.now() + jwt_settings.REFRESH_TOKEN_LIFETIME,
        user_agent=user_agent[:200],
    )
    pair = _tokens_for_family(family)
    family.save()
    return pair


def _tokens_for_family(family: TokenFamily) -> TokenPair:
    """Mint a refresh token for the family and make it the only valid one. Caller saves the family."""
    refresh = RefreshToken.for_user(family.user)
    refresh[FAMILY_CLAIM] = str(family.id)
    family.current_jti = refresh[jwt_settings.JTI_CLAIM]
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def token_refresh(*, refresh: str) -> TokenPair:
    """Rotate a refresh token. An already-rotated token revokes its whole family (reuse detection)."""
    token = _decode_refresh(refresh)
    with transaction.atomic():
        family = (
            TokenFamily.objects.select_for_update()
            .select_related("user")
            .filter(pk=token.get(FAMILY_CLAIM))
            .first()
        )
        if family is None or family.revoked_at or not family.user.is_active:
            raise RefreshTokenError()
        if family.current_jti != token[jwt_settings.JTI_CLAIM]:
            _family_revoke(family, reason="reuse")
            reused = True
        else:
            reused = False
            pair = _tokens_for_family(family)
            family.last_refreshed_at = timezone.now()
            family.save(update_fields=["current_jti", "last_refreshed_at"])
    if reused:
        raise RefreshTokenError("This refresh token was already used; the login was revoked.")
    return pair


def _decode_refresh(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)
    except TokenError:
        raise RefreshTokenError() from None


def _family_revoke(family: TokenFamily, *, reason: str) -> None:
    family.revoked_at = timezone.now()
    family.revoked_reason = reason
    family.save(update_fields=["revoked_at", "revoked_reason"])


def user_logout(*, user: User, refresh: str | None = None, all_devices: bool = False) -> int:
    """End the login that `refresh` belongs to, or every login of the user; return how many ended."""
    if all_devices:
        return logins_revoke_all(user=user, reason="logout_all")
    token = _decode_refresh(refresh or "")
    revoked = TokenFamily.objects.filter(
        pk=token.get(FAMILY_CLAIM), user=user, revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), revoked_reason="logout")
    if not revoked and not TokenFamily.objects.filter(pk=token.get(FAMILY_CLAIM), user=user).exists():
        raise RefreshTokenError("This refresh token does not belong to you.")
    return revoked


def logins_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every open login of the user: no refresh token of theirs works afterwards."""
    return TokenFamily.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """Block the account: it cannot log in, and none of its logins can refresh."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    logins_revoke_all(user=user, reason="deactivated")


# --- Lockout ------------------------------------------------------------------------------------


def _login_subject(*, identifier: str, user: User | None) -> str:
    """What lockout and the per-account login throttle count failures against.

    The account when `identifier` names one (by e-mail or username, any case), so switching
    between its names neither escapes a lockout nor doubles the allowance; otherwise the login name
    itself, so unknown names are limited exactly like known ones and nothing tells them apart.
    """
    if user is not None:
        return f"account:{user.pk}"
    return "login:" + identifier.strip().lower()


def login_subject(*, identifier: str) -> str:
    """The lockout subject of a login name; the per-account login throttle keys on it too."""
    return _login_subject(identifier=identifier, user=selectors.user_get_by_login(identifier=identifier))


def login_digest(identifier: str) -> str:
    """The key of the lockout row that failures with this login name count against."""
    return token_digest(login_subject(identifier=identifier))


def login_lockout_check(*, identifier: str) -> None:
    """Raise `LoginLockedError` (with the seconds left) while the login name's account is locked."""
    _lockout_check(subject=login_subject(identifier=identifier))


def login_failure_record(*, identifier: str) -> LoginThrottleState:
    return _failure_record(subject=login_subject(identifier=identifier))


def login_failures_reset(*, identifier: str) -> None:
    _failures_reset(subject=login_subject(identifier=identifier))


def _lockout_check(*, subject: str) -> None:
    state = LoginThrottleState.objects.filter(identifier_digest=token_digest(subject)).first()
    now = timezone.now()
    if state and state.locked_until and state.locked_until > now:
        raise LoginLockedError(retry_after=math.ceil((state.locked_until - now).total_seconds()))


@transaction.atomic
def _failure_record(*, subject: str) -> LoginThrottleState:
    """Count a failure; from the threshold on, lock for a time that doubles with each failure."""
    digest = token_digest(subject)
    LoginThrottleState.objects.get_or_create(identifier_digest=digest)
    state = LoginThrottleState.objects.select_for_update().get(identifier_digest=digest)
    now = timezone.now()
    if state.last_failure_at and now - state.last_failure_at > timedelta(hours=1):
        state.failures = 0
    state.failures += 1
    state.last_failure_at = now
    excess = state.failures - settings.FITAI_LOGIN_LOCKOUT_THRESHOLD
    if excess >= 0:
        seconds = min(
            settings.FITAI_LOGIN_LOCKOUT_BASE_SECONDS * 2 ** min(excess, 20),
            settings.FITAI_LOGIN_LOCKOUT_MAX_SECONDS,
        )
        state.locked_until = now + timedelta(seconds=seconds)
    state.save()
    return state


def _failures_reset(*, subject: str) -> None:
    LoginThrottleState.objects.filter(identifier_digest=token_digest(subject)).delete()


# --- Single-use e-mailed tokens -----------------------------------------------------------------


def _account_token_create(*, user: User, purpose: str, email: str, ttl: timedelta) -> str:
    """Store a new token's digest and return the raw token, which only the e-mail will carry."""
    raw = secrets.token_urlsafe(32)
    AccountToken.objects.create(
        user=user,
        purpose=purpose,
        email=email,
        digest=token_digest(raw),
        expires_at=timezone.now() + ttl,
    )
    return raw


def _mail_link(*, user: User, purpose: str, ttl: timedelta, template: str, page: str) -> None:
    """Mint a single-use token and mail the user a link to `page` carrying it."""
    raw = _account_token_create(user=user, purpose=purpose, email=user.email, ttl=ttl)
    send_templated_email(
        template=template,
        to=user.email,
        context={"user": user, "email": user.email, "link": f"{settings.SITE_URL}{page}?token={raw}"},
    )


def _account_token_consume(*, raw: str, purpose: str) -> AccountToken:
    """Mark the token used, exactly once, even under concurrent requests."""
    now = timezone.now()
    tokens = AccountToken.objects.filter(
        digest=token_digest(raw or ""), purpose=purpose, used_at__isnull=True, expires_at__gt=now
    )
    token = tokens.select_related("user").first()
    if token is None or not tokens.filter(pk=token.pk).update(used_at=now):
        raise InvalidAccountTokenError()
    return token


def _account_tokens_retire(*, user: User, purpose: str) -> None:
    """Once one link of a kind worked, the user's other links of that kind stop working."""
    AccountToken.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
        used_at=timezone.now()
    )


def _account_email_allowed(*, purpose: str, email: str) -> bool:
    """At most FITAI_ACCOUNT_EMAILS_PER_HOUR mails of one kind to one address per hour."""
    key = f"account-mail:{purpose}:{token_digest(email)}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) <= settings.FITAI_ACCOUNT_EMAILS_PER_HOUR
    except ValueError:  # The key expired between add and incr.
        cache.set(key, 1, timeout=3600)
        return True


def email_verification_request(*, email: str) -> None:
    """Queue a new verification mail for the address if it names an unverified account."""
    from accounts.tasks import send_verification_email_by_address_task

    email = normalize_email(email)
    outbox.enqueue(send_verification_email_by_address_task, email)


def email_verification_send(*, user_id: int, email: str | None = None) -> bool:
    """Mail a verification link to the user's current address; False when nothing was sent."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.email_verified or (email and email != user.email):
        return False
    if not _account_email_allowed(purpose=AccountToken.Purpose.VERIFY_EMAIL, email=user.email):
        return False
    _mail_link(
        user=user,
        purpose=AccountToken.Purpose.VERIFY_EMAIL,
        ttl=settings.FITAI_EMAIL_VERIFICATION_TTL,
        template="verify_email",
        page="/accounts/verify-email",
    )
    return True


def email_verification_send_to_address(*, email: str) -> bool:
    user = selectors.user_get_by_email(email=email)
    return email_verification_send(user_id=user.pk) if user else False


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Mark the address the token was sent to as verified, if it is still the user's address."""
    account_token = _account_token_consume(raw=token, purpose=AccountToken.Purpose.VERIFY_EMAIL)
    user = account_token.user
    if user.email != account_token.email:
        raise InvalidAccountTokenError("This link was sent to an address you no longer use.")
    if not user.email_verified:
        user.email_verified = True
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified", "email_verified_at"])
    _account_tokens_retire(user=user, purpose=AccountToken.Purpose.VERIFY_EMAIL)
    return user


def password_reset_request(*, email: str) -> None:
    """Queue a reset mail; the task does the lookup, so the answer never depends on the account."""
    from accounts.tasks import send_password_reset_task

    email = normalize_email(email)
    outbox.enqueue(send_password_reset_task, email)


def password_reset_send(*, email: str) -> bool:
    user = selectors.user_get_by_email(email=email)
    if user is None or not user.is_active:
        return False
    if not _account_email_allowed(purpose=AccountToken.Purpose.RESET_PASSWORD, email=user.email):
        return False
    _mail_link(
        user=user,
        purpose=AccountToken.Purpose.RESET_PASSWORD,
        ttl=settings.FITAI_PASSWORD_RESET_TTL,
        template="reset_password",
        page="/accounts/reset-password",
    )
    return True


@transaction.atomic
def password_reset_confirm(*, token: str, password: str) -> User:
    """Set a new password with a reset token; every login of the user ends."""
    account_token = _account_token_consume(raw=token, purpose=AccountToken.Purpose.RESET_PASSWORD)
    user = account_token.user
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": list(error.messages)}) from None
    password_set(user=user, password=password)
    # Following the mailed link proves the address is the user's.
    if not user.email_verified and user.email == account_token.email:
        user.email_verified, user.email_verified_at = True, timezone.now()
        user.save(update_fields=["email_verified", "email_verified_at"])
    _account_tokens_retire(user=user, purpose=AccountToken.Purpose.RESET_PASSWORD)
    return user


def password_set(*, user: User, password: str) -> None:
    """Store a new password, end every login and tell the owner by e-mail."""
    from accounts.tasks import send_password_changed_task

    user.set_password(password)
    user.save(update_fields=["password"])
    logins_revoke_all(user=user, reason="password_changed")
    _failures_reset(subject=_login_subject(identifier=user.email, user=user))
    user_id = user.pk
    outbox.enqueue(send_password_changed_task, user_id)


def password_changed_notify(*, user_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        send_templated_email(template="password_changed", to=user.email, context={"user": user})
