"""Session login (pages, admin) with an e-mail address or a username, like the API's login."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import services


class EmailOrUsernameBackend(ModelBackend):
    """Every session login goes through `services.user_authenticate`: the API's lockout included.

    The admin's login form reaches the credentials only through here, so this is where it gets the
    per-account lockout. A locked account raises `PermissionDenied`, which makes `authenticate()`
    stop and answer None (the admin shows its usual error); the pages check the lockout first to
    say how long it lasts.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = username or kwargs.get("email")
        if not identifier or password is None:
            return None
        try:
            user = services.user_authenticate(identifier=identifier, password=password)
        except services.LoginLockedError as error:
            raise PermissionDenied(error.message) from None
        if user is not None and self.user_can_authenticate(user):
            return user
        return None
