"""The notification socket, `/ws/notifications/`: every open device of a member hears each new
notification as it is stored, and how many are unread.

Authentication is the workout socket's (`accounts.websocket`): the access token as `?token=` or the
subprotocol pair `bearer, <token>`, or the pages' session cookie; without one the socket is closed
with 4401. On connect the socket sends `{"type": "unread_count", "data": {"unread_count": n}}`,
then forwards `notification.created` (the notification as the API shows it) and
`notification.read` (`{id, unread_count}`; `id` null after "mark all read"). A device may send
`{"type": "mark_read", "id": "<notification id>"}`; every device then gets `notification.read`.
"""

import uuid
from typing import Any

from channels.db import database_sync_to_async

from community import notifications
from fitai.consumers import BaseConsumer


def _mark_read(user, notification_id: Any) -> None:
    notification = notifications.notification_get_for_user(user=user, notification_id=notification_id)
    notifications.notification_mark_read(notification=notification)


class NotificationConsumer(BaseConsumer):
    """One device of a member: the unread count, then each notification as it arrives."""

    async def get_groups(self) -> list[str]:
        return [notifications.notification_group(self.scope["user"])]

    async def on_connect(self) -> None:
        # Counted after joining the group: a notification stored meanwhile is counted or pushed.
        count = await database_sync_to_async(notifications.notification_unread_count)(user=self.scope["user"])
        await self.send_json({"type": "unread_count", "data": {"unread_count": count}})

    async def handle_mark_read(self, content: dict[str, Any]) -> None:
        try:
            notification_id = uuid.UUID(str(content.get("id")))
        except ValueError:
            await self.send_error("invalid_frame", 'mark_read needs the notification\'s "id".')
            return
        await database_sync_to_async(_mark_read)(self.scope["user"], notification_id)
