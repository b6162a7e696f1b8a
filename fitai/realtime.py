"""Push events to WebSocket groups from synchronous code (services, tasks), after commit."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def group_name(kind: str, object_id: Any) -> str:
    """The group of one object's listeners, e.g. `workout.<uuid>` or `user.<uuid>`."""
    return f"{kind}.{object_id}"


def broadcast(group: str, event: str, data: dict[str, Any]) -> None:
    """Send `{"type": event, "data": data}` to every socket in `group` (BaseConsumer forwards it)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, {"type": "realtime.event", "event": event, "data": data})
