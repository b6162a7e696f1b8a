"""Per-action counters for community writes that have no scope of their own in the settings.

Likes and reports are limited at the `post` scope's rate, but each on its own counter: liking a
burst of posts does not use up the allowance for writing one, and the other way round. The API
views and the pages count through the same classes, so both share one allowance per member.
"""

from typing import Any

from fitai.api.throttling import ScopedRateThrottle, ThrottleScope


class _ActionThrottle(ScopedRateThrottle):
    """The `post` rate, counted under `action` per user (or per IP) rather than the scope's key."""

    action = ""
    rate_scope = "post"

    def allow_request(self, request: Any, view: Any) -> bool:
        # The rate is the scope's whatever the view says (pages pass no view at all).
        return super().allow_request(request, ThrottleScope(self.rate_scope))

    def get_cache_key(self, request: Any, view: Any) -> str:
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return f"throttle_{self.rate_scope}_{self.action}_{ident}"


class LikeRateThrottle(_ActionThrottle):
    action = "like"


class ReportRateThrottle(_ActionThrottle):
    action = "report"


def throttled(request: Any, throttle: type[_ActionThrottle]) -> bool:
    """For pages: count one request and say whether it is over the limit."""
    return not throttle().allow_request(request, None)
