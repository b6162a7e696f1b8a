"""Throttles whose rates come from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` at request time.

DRF copies the rates onto its throttle classes at import time; reading them per request lets
`FITAI_THROTTLE_RATES` and `override_settings` take effect. Scope names are listed in API.md.

Client IPs come from DRF's `get_ident`, which trusts `X-Forwarded-For` only as far as
`REST_FRAMEWORK["NUM_PROXIES"]` (`FITAI_NUM_PROXIES`) says; pages and the admin login reach these
throttles through `throttle_wait` so they count the same clients the same way.
"""

import hashlib
import math

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

    The view names the account with a `throttle_account_key(request)` method (which may resolve
    several names of one account to one key), or lists the body fields that name it in
    `throttle_account_fields` (e.g. `("email",)`). The key is hashed, so unknown accounts are
    counted too.
    """

    cache_format = "throttle_%(scope)s_account_%(ident)s"

    def __init__(self) -> None:
        """The scope is the view's, so the rate is resolved per request."""

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, "throttle_scope", None)
        # Resolved once: naming the account may cost a query.
        self._key = self._account_cache_key(request, view) if self.scope else None
        if self._key is None:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        return self._key

    def _account_cache_key(self, request, view) -> str | None:
        account_key = getattr(view, "throttle_account_key", None)
        value = account_key(request) if callable(account_key) else self._account_field(request, view)
        if not value:
            return None
        ident = hashlib.sha256(value.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}

    @staticmethod
    def _account_field(request, view) -> str | None:
        data = getattr(request, "data", None)
        if data is None:  # A Django request: a page's form.
            data = request.POST
        if not isinstance(data, dict):
            return None
        for field in getattr(view, "throttle_account_fields", ()):
            value = data.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip().lower()
        return None


class ThrottleScope:
    """What the throttles read from a view, for callers that are not DRF views (pages, admin login).

    `account_key` names the account the request is about (an address, a login subject), for the
    per-account counter.
    """

    def __init__(self, scope: str, *, account_key: str | None = None) -> None:
        self.throttle_scope = scope
        self.account_key = account_key

    def throttle_account_key(self, request) -> str | None:
        return self.account_key


def throttle_wait(request, *, scope: str, account_key: str | None = None) -> int | None:
    """Count one request of `scope` per client (user, else IP) and, given `account_key`, per account.

    The same counters as the API views with that `throttle_scope`, so a page and its endpoint share
    one allowance. Returns the seconds to wait when a limit is reached, else None.
    """
    view = ThrottleScope(scope, account_key=account_key)
    throttles = [ScopedRateThrottle()] + ([AccountRateThrottle()] if account_key else [])
    waits = [throttle.wait() or 1 for throttle in throttles if not throttle.allow_request(request, view)]
    return math.ceil(max(waits)) if waits else None


def account_throttle_allows(request, *, scope: str, account_key: str) -> bool:
    """Count one request of `scope` for `account_key`; False once that account's rate is reached.

    For limits that must stay silent (resend, forgot-password answer 202 whatever happens): the
    caller skips the work instead of answering 429.
    """
    return AccountRateThrottle().allow_request(request, ThrottleScope(scope, account_key=account_key))
