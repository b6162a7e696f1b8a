"""The base WebSocket consumer: authentication, groups and frame validation, nothing domain-specific.

Frames from clients are JSON objects with a `type`; a subclass handles type `foo.bar` in
`async def handle_foo_bar(self, content)`. Group events sent with `fitai.realtime.broadcast` reach
every socket in the group as `{"type", "data"}` frames.
"""

import json
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from fitai.errors import DomainError

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


class BaseConsumer(AsyncJsonWebsocketConsumer):
    """Refuse anonymous sockets (4401), join `get_groups()`, answer `ping`, reject bad frames."""

    groups_joined: list[str]

    async def get_groups(self) -> list[str]:
        """The groups this socket listens to; raise `NotFoundError` to close with 4404."""
        return []

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            groups = await self.get_groups()
        except DomainError:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept(self.scope.get("accepted_subprotocol"))
        await self.on_connect()

    async def on_connect(self) -> None:
        """Send the first frames (a snapshot, say) once the socket is accepted."""

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        try:
            content = json.loads(text_data or "")
        except ValueError:
            await self.send_error("invalid_json", "Frames must be JSON objects.")
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content: Any, **kwargs) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("invalid_frame", 'Frames must be objects with a string "type".')
            return
        frame_type = content["type"]
        if frame_type == "ping":
            await self.send_json({"type": "pong"})
            return
        handler = getattr(self, "handle_" + frame_type.replace(".", "_"), None)
        if handler is None:
            await self.send_error("unknown_type", f"Unknown frame type {frame_type!r}.")
            return
        try:
            await handler(content)
        except DomainError as error:
            await self.send_error(error.code, error.message)

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "error": {"code": code, "message": message}})

    async def realtime_event(self, event: dict[str, Any]) -> None:
        """Forward a `fitai.realtime.broadcast` group event to the client."""
        await self.send_json({"type": event["event"], "data": event["data"]})
