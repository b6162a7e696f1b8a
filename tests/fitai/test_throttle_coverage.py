"""Every API endpoint that writes is throttled (SECURITY.md, issue 11): found from the URL
configuration itself, so a new view cannot slip through without a throttle."""

from types import SimpleNamespace

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from fitai.api.throttling import AccountRateThrottle, ScopedRateThrottle, UserRateThrottle

WRITE_METHODS = ("post", "put", "patch", "delete")
COUNTING = (UserRateThrottle, ScopedRateThrottle, AccountRateThrottle)
# Scopes API.md names for the write-heavy endpoints: each must be in use by some view.
WRITE_HEAVY_SCOPES = {"login", "register", "rating", "post", "comment", "ai"}


def api_views(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, type[APIView]]]:
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += api_views(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/"):
            view = getattr(entry.callback, "cls", None)
            if view is not None and issubclass(view, APIView):
                found.append((route, view))
    return found


def test_every_api_write_endpoint_has_a_throttle_that_counts_signed_in_users():
    writes = [(route, view) for route, view in api_views() if any(hasattr(view, m) for m in WRITE_METHODS)]
    assert len(writes) > 40  # the walk found the API, not an empty URLconf
    unthrottled = []
    for route, view in writes:
        for method in (m for m in WRITE_METHODS if hasattr(view, m)):
            instance = view()
            instance.request = SimpleNamespace(method=method.upper())  # some views throttle by method
            if not any(isinstance(throttle, COUNTING) for throttle in instance.get_throttles()):
                unthrottled.append(f"{method.upper()} {route}")
    assert unthrottled == []


def test_the_write_heavy_scopes_are_all_in_use():
    scopes = {getattr(view, "throttle_scope", None) for _, view in api_views()}
    assert scopes >= WRITE_HEAVY_SCOPES
