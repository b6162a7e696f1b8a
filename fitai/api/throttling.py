"""Throttles whose rates come from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` at request time.

DRF copies the rates onto its throttle classes at import time; reading them per request lets
`FITAI_THROTTLE_RATES` and `override_settings` take effect. Scope names are listed in API.md.
"""

import hashlib

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.settings import api_settings


class _SettingsRateMixin:
    scope: str

    def get_rate(self) -> str:
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"No throttle rate for scope {self.scope!r}: "
                "add it to THROTTLE_RATES in fitai/settings/base.py."
            ) from None


class AnonRateThrottle(_SettingsRateMixin, throttling.AnonRateThrottle):
    """Anonymous requests, per client IP."""


class UserRateThrottle(_SettingsRateMixin, throttling.UserRateThrottle):
    """Authenticated requests, per user."""


class ScopedRateThrottle(_SettingsRateMixin, throttling.ScopedRateThrottle):
    """The view's `throttle_scope` (login, post, search, ai, ...), per user or else per IP."""


class AccountRateThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    """The view's `throttle_scope`, counted per account named in the request body.

    The view lists the body fields that name the account in `throttle_account_fields`
    (e.g. `("email", "username")`); the value is hashed, so unknown accounts are counted too.
    """

    cache_format = "throttle_%(scope)s_account_%(ident)s"

    def __init__(self) -> None:
        """The scope is the view's, so the rate is resolved per request."""

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope or self.get_cache_key(request, view) is None:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        data = request.data if isinstance(request.data, dict) else {}
        for field in getattr(view, "throttle_account_fields", ()):
            value = data.get(field)
            if isinstance(value, str) and value.strip():
                ident = hashlib.sha256(value.strip().lower().encode()).hexdigest()
                return self.cache_format % {"scope": self.scope, "ident": ident}
        return None
