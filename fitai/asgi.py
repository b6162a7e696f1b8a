"""ASGI entry point: HTTP and WebSockets in one application (Daphne)."""

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

from fitai.bootstrap import use_default_settings

use_default_settings()
# Django must be set up before the routing imports consumers and their models.
django_asgi_app = get_asgi_application()

from accounts.websocket import websocket_auth_middleware  # noqa: E402
from fitai.routing import websocket_urlpatterns  # noqa: E402
from fitai.websocket import browser_origin_validator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": browser_origin_validator(websocket_auth_middleware(URLRouter(websocket_urlpatterns))),
    }
)
