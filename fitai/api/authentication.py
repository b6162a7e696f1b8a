"""Authentication choices shared by the apps' views."""

from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication, JWTStatelessUserAuthentication

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class StatelessReadsMixin:
    """Reads of shared catalogues trust the access token alone (no user row is loaded), so a
    cached answer costs no SQL at all; writes load the user as usual.

    On reads `request.user` is a simplejwt `TokenUser` whose `id` is the user's public id.
    """

    def get_authenticators(self):
        request = getattr(self, "request", None)
        documenting = getattr(self, "swagger_fake_view", False)  # drf-spectacular: one scheme, jwtAuth
        if request is not None and request.method in SAFE_METHODS and not documenting:
            return [JWTStatelessUserAuthentication()]
        return [JWTAuthentication(), SessionAuthentication()]
