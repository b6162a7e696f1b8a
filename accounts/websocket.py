"""WebSocket authentication with the JWT access token (API.md, WebSocket).

Clients send the access token as `?token=<access>` or as the subprotocol pair
`Sec-WebSocket-Protocol: bearer, <access>` (browsers cannot set headers on sockets). A socket
with a bad or expired token is anonymous, and `fitai.consumers.BaseConsumer` closes it with 4401.
Without a token, the session cookie of the web pages authenticates the socket.
"""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

BEARER_SUBPROTOCOL = "bearer"


def token_from_scope(scope) -> tuple[str | None, str | None]:
    """The raw token and, when it came as a subprotocol, the subprotocol to accept."""
    subprotocols = list(scope.get("subprotocols") or [])
    if BEARER_SUBPROTOCOL in subprotocols:
        position = subprotocols.index(BEARER_SUBPROTOCOL)
        if position + 1 < len(subprotocols):
            return subprotocols[position + 1], BEARER_SUBPROTOCOL
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    tokens = query.get("token")
    return (tokens[0], None) if tokens else (None, None)


@database_sync_to_async
def user_for_token(raw: str):
    """The active user the access token belongs to, or an anonymous user."""
    authentication = JWTAuthentication()
    try:
        return authentication.get_user(authentication.get_validated_token(raw.encode()))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return AnonymousUser()


class JwtAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        token, subprotocol = token_from_scope(scope)
        if token is not None:
            scope = {**scope, "user": await user_for_token(token)}
            if subprotocol:
                scope["accepted_subprotocol"] = subprotocol
        return await super().__call__(scope, receive, send)


def websocket_auth_middleware(inner):
    """Session first (web pages), then a JWT when one is given (mobile clients), which wins."""
    return AuthMiddlewareStack(JwtAuthMiddleware(inner))
