"""Reads of accounts, for this app's views and for the apps above it."""

from accounts.models import User, normalize_email


def user_get_by_login(*, identifier: str) -> User | None:
    """The active or inactive user whose e-mail (any case) or username (any case) is `identifier`.

    Called before the input is validated (the login throttle keys on it), so it may hold a NUL,
    which no account's name holds and which PostgreSQL refuses in a query: no user.
    """
    identifier = identifier.strip()
    if "\x00" in identifier:
        return None
    if "@" in identifier:
        return User.objects.filter(email=normalize_email(identifier)).first()
    return User.objects.filter(username__iexact=identifier).first()


def user_get_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email)).first()


def user_get_by_public_id(*, public_id) -> User | None:
    return User.objects.filter(public_id=public_id, is_active=True).first()
