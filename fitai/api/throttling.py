"""Throttles whose rates come from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` at request time.

DRF copies the rates onto its throttle classes at import time; reading them per request lets
`FITAI_THROTTLE_RATES` and `override_settings` take effect. Scope names are listed in API.md.
"""

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
