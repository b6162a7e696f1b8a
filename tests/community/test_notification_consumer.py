"""The notification socket: token or session authentication, the unread count on connect, every
open device hearing each new notification, and marking read from a device."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.websocket import websocket_auth_middleware
from community.models import Notification
from community.notifications import notify
from fitai.consumers import CLOSE_UNAUTHENTICATED
from fitai.routing import websocket_urlpatterns
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

application = websocket_auth_middleware(URLRouter(websocket_urlpatterns))
PATH = "/ws/notifications/"


async def open_socket(user, *, unread: int = 0) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"{PATH}?token={AccessToken.for_user(user)}")
    connected, code = await communicator.connect()
    assert connected, f"the socket was closed with {code}"
    assert await communicator.receive_json_from() == {
        "type": "unread_count",
        "data": {"unread_count": unread},
    }
    return communicator


@database_sync_to_async
def tell(user, title: str = "Sam liked your post", actor=None) -> Notification | None:
    return notify(
        recipient_id=user.pk, type="activity_like", title=title, actor_id=actor.pk if actor else None
    )


async def test_a_socket_without_a_token_is_closed_with_4401():
    communicator = WebsocketCommunicator(application, PATH)
    connected, code = await communicator.connect()
    assert (connected, code) == (False, CLOSE_UNAUTHENTICATED)


async def test_a_bad_token_is_closed_with_4401():
    communicator = WebsocketCommunicator(application, f"{PATH}?token=not-a-token")
    connected, code = await communicator.connect()
    assert (connected, code) == (False, CLOSE_UNAUTHENTICATED)


async def test_the_token_may_come_as_a_subprotocol():
    user = await database_sync_to_async(UserFactory)()
    communicator = WebsocketCommunicator(
        application, PATH, subprotocols=["bearer", str(AccessToken.for_user(user))]
    )
    connected, subprotocol = await communicator.connect()
    assert (connected, subprotocol) == (True, "bearer")
    assert (await communicator.receive_json_from())["type"] == "unread_count"
    await communicator.disconnect()


async def test_the_socket_starts_with_the_unread_count():
    user = await database_sync_to_async(UserFactory)()
    await tell(user)
    await tell(user)
    communicator = await open_socket(user, unread=2)
    assert await communicator.receive_nothing()
    await communicator.disconnect()


async def test_a_notification_created_after_connect_arrives_on_the_socket():
    user, actor = await database_sync_to_async(UserFactory)(), await database_sync_to_async(UserFactory)()
    communicator = await open_socket(user)
    notification = await tell(user, actor=actor)
    frame = await communicator.receive_json_from(timeout=2)
    assert frame["type"] == "notification.created"
    assert frame["data"]["id"] == str(notification.public_id)
    assert frame["data"]["title"] == "Sam liked your post"
    assert frame["data"]["actor"]["id"] == str(actor.public_id)
    await communicator.disconnect()


async def test_every_open_device_receives_it_and_nobody_else_does():
    user, other = await database_sync_to_async(UserFactory)(), await database_sync_to_async(UserFactory)()
    phone, laptop, stranger = await open_socket(user), await open_socket(user), await open_socket(other)
    notification = await tell(user)
    for device in (phone, laptop):
        frame = await device.receive_json_from(timeout=2)
        assert (frame["type"], frame["data"]["id"]) == ("notification.created", str(notification.public_id))
    assert await stranger.receive_nothing()
    for device in (phone, laptop, stranger):
        await device.disconnect()


async def test_mark_read_from_one_device_updates_every_device():
    user = await database_sync_to_async(UserFactory)()
    notification = await tell(user)
    phone, laptop = await open_socket(user, unread=1), await open_socket(user, unread=1)
    await phone.send_json_to({"type": "mark_read", "id": str(notification.public_id)})
    expected = {"type": "notification.read", "data": {"id": str(notification.public_id), "unread_count": 0}}
    assert await phone.receive_json_from(timeout=2) == expected
    assert await laptop.receive_json_from(timeout=2) == expected
    await database_sync_to_async(notification.refresh_from_db)()
    assert notification.read_at is not None
    await phone.disconnect()
    await laptop.disconnect()


@pytest.mark.parametrize("frame", [{"type": "mark_read"}, {"type": "mark_read", "id": "nope"}])
async def test_mark_read_without_a_valid_id_is_an_error_frame(frame):
    user = await database_sync_to_async(UserFactory)()
    communicator = await open_socket(user)
    await communicator.send_json_to(frame)
    reply = await communicator.receive_json_from(timeout=2)
    assert reply == {
        "type": "error",
        "error": {"code": "invalid_frame", "message": reply["error"]["message"]},
    }
    assert "id" in reply["error"]["message"]
    await communicator.disconnect()


async def test_another_members_notification_cannot_be_marked_read():
    user, other = await database_sync_to_async(UserFactory)(), await database_sync_to_async(UserFactory)()
    theirs = await tell(other)
    communicator = await open_socket(user)
    await communicator.send_json_to({"type": "mark_read", "id": str(theirs.public_id)})
    reply = await communicator.receive_json_from(timeout=2)
    assert (reply["type"], reply["error"]["code"]) == ("error", "not_found")
    await database_sync_to_async(theirs.refresh_from_db)()
    assert theirs.read_at is None
    await communicator.disconnect()
