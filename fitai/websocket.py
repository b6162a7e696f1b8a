"""WebSocket origin checks that fit both audiences."""

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    """Check the Origin that browsers send (cookie-authenticated pages); native apps send none and
    authenticate with a token, so a missing Origin is accepted."""

    def valid_origin(self, parsed_origin) -> bool:
        return parsed_origin is None or super().valid_origin(parsed_origin)


def browser_origin_validator(application):
    """Our own hosts, plus the browser apps CORS lets call the API (full origins, with scheme)."""
    hosts = settings.ALLOWED_HOSTS or (["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    return BrowserOriginValidator(application, [*hosts, *settings.CORS_ALLOWED_ORIGINS])
