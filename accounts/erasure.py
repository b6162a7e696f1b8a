"""Account erasure: the accounts eraser (registered in `AccountsConfig.ready()`) and the use case.

Accounts is the lowest domain app, so its eraser runs last (see `fitai.erasure`): it deletes the
user row and everything that still cascades from it, which frees the e-mail address and the
username for a new registration.
"""

import logging
from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from accounts.avatars import avatar_folder
from accounts.models import (
    AccountToken,
    BodyMetric,
    Friendship,
    LoginThrottleState,
    Profile,
    SocialIdentity,
    TokenFamily,
    User,
)
from accounts.services import FAMILY_CLAIM, login_digest
from fitai import erasure
from fitai.errors import ForbiddenError
from fitai.models import ErasureRecord

logger = logging.getLogger("accounts.erasure")

# A social-only account confirms with a token from a sign-in this recent.
CONFIRM_TOKEN_MAX_AGE = timedelta(minutes=5)
ERASED_OBJECT_REPR = "erased user"

# Everything the eraser covers. Django's own tables that point at users are ours to erase too:
# the admin's log (entries by the user are deleted with them; entries about them are anonymised)
# and the auto-created group and permission tables (they follow `accounts.User`).
ERASED_MODELS = [
    User,
    Profile,
    BodyMetric,
    Friendship,
    AccountToken,
    TokenFamily,
    SocialIdentity,
    LoginThrottleState,
    LogEntry,
]


class InvalidPasswordError(ForbiddenError):
    default_code = "invalid_password"
    default_message = "The password is wrong; nothing was erased."


class InvalidConfirmTokenError(ForbiddenError):
    default_code = "invalid_confirm_token"
    default_message = (
        "The confirmation token is invalid or older than 5 minutes: sign in again and send the new "
        "access token. Nothing was erased."
    )


def accounts_erase(user: User) -> erasure.ErasureResult:
    """Delete the user and everything of theirs in accounts; return the counts and their files."""
    result = erasure.ErasureResult()
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        result.files += [name for name in (profile.avatar, profile.avatar_thumb) if name]
    result.files += _avatar_folder_files(user)
    # Lockout rows are keyed by a digest of the login name, not by the user.
    digests = {login_digest(user.email), login_digest(user.username)}
    result.add_deleted(LoginThrottleState.objects.filter(identifier_digest__in=digests).delete())
    # The admin's trail of what staff did to this account stays, without saying whose it was.
    result.add(
        LogEntry,
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
        ).update(object_id=None, object_repr=ERASED_OBJECT_REPR),
    )
    # Profile, metrics, friendships (both sides, blocks), tokens, logins, identities, the user's
    # own admin log entries and group memberships all cascade from the user row.
    result.add_deleted(user.delete())
    return result


def _avatar_folder_files(user: User) -> list[str]:
    """Every file in the user's avatar folder, including any an earlier clean-up missed."""
    folder = avatar_folder(user=user)
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    return [f"{folder}/{name}" for name in files]


def account_erase(
    *, user: User, password: str | None = None, confirm_token: str | None = None
) -> ErasureRecord:
    """Erase the account in every app once the user has confirmed it; return the audit record.

    An account with a password confirms with it; a social-only account (no usable password)
    confirms with an access token issued by a sign-in less than 5 minutes ago.
    """
    account_erase_confirm(user=user, password=password, confirm_token=confirm_token)
    return erasure.erase_user(user)


def account_erase_confirm(*, user: User, password: str | None, confirm_token: str | None) -> None:
    """Raise unless the request proves it is the account holder asking, now."""
    if user.has_usable_password():
        if not password:
            raise ValidationError({"password": ["Give your password to confirm the erasure."]})
        if not user.check_password(password):
            raise InvalidPasswordError()
        return
    if not confirm_token:
        raise ValidationError(
            {"confirm_token": ["This account has no password: sign in again and send the new access token."]}
        )
    if not _is_fresh_token_of(user, confirm_token):
        raise InvalidConfirmTokenError()


def _is_fresh_token_of(user: User, raw: str) -> bool:
    """Whether `raw` is a valid access token of `user`, issued by a sign-in under 5 minutes ago.

    Checked: signature and expiry, that it authenticates as this user (password digest and
    active flag included), its `iat`, and — for tokens of a login (all the API issues carry the
    login's family) — that the login itself is that recent and not revoked, so a refreshed token
    is no proof of a new sign-in.
    """
    try:
        token = AccessToken(raw)
        holder = JWTAuthentication().get_user(token)
    except (TokenError, InvalidToken, AuthenticationFailed):
        return False
    oldest = timezone.now() - CONFIRM_TOKEN_MAX_AGE
    issued_at = token.get("iat")
    if holder.pk != user.pk or not isinstance(issued_at, int | float) or issued_at < oldest.timestamp():
        return False
    family_id = token.get(FAMILY_CLAIM)
    if family_id is None:
        return True
    try:
        return TokenFamily.objects.filter(
            pk=family_id, user=user, revoked_at__isnull=True, created_at__gte=oldest
        ).exists()
    except ValidationError:  # Not a UUID.
        return False
