"""Push events to WebSocket groups from synchronous code (services, tasks), after commit.

A broadcast is best effort and never fails its caller: the change it announces is already
committed and stored as a numbered event, and a device that missed it asks for it when it
reconnects. So when the channel layer's Redis is unreachable (or hangs: each send is bounded by
`REDIS_SOFT_TIMEOUT`), the message is dropped with a rate-limited warning, and a circuit breaker
(`fitai.cache.RedisBreaker`) skips the layer for `REDIS_RETRY_SECONDS` before trying again.
"""

import asyncio
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from redis.exceptions import RedisError

from fitai.cache import OUTAGE_ERRORS, breaker, soft_timeout


def group_name(kind: str, object_id: Any) -> str:
    """The group of one object's listeners, e.g. `workout.<uuid>` or `user.<uuid>`."""
    return f"{kind}.{object_id}"


async def _group_send(layer: BaseChannelLayer, group: str, message: dict[str, Any], timeout: float) -> None:
    async with asyncio.timeout(timeout):
        await layer.group_send(group, message)


def broadcast(group: str, event: str, data: dict[str, Any]) -> bool:
    """Send `{"type": event, "data": data}` to every socket in `group` (BaseConsumer forwards it).

    Returns whether the layer took the message; False when it is unreachable (see the module).
    """
    layer = get_channel_layer()
    if layer is None:
        return False
    guard = breaker("realtime", str(id(layer)))
    if not guard.allow():
        return False
    message = {"type": "realtime.event", "event": event, "data": data}
    try:
        async_to_sync(_group_send)(layer, group, message, soft_timeout())
    except (RedisError, *OUTAGE_ERRORS) as error:
        guard.failed(error)
        return False
    guard.succeeded()
    return True
