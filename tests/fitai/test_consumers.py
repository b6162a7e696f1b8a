"""The base WebSocket consumer, through Channels' in-process communicator."""

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.urls import path

from fitai.consumers import CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED, BaseConsumer
from fitai.errors import ConflictError, NotFoundError
from fitai.realtime import broadcast, group_name
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class ProbeConsumer(BaseConsumer):
    async def get_groups(self):
        if self.scope["url_route"]["kwargs"]["name"] == "missing":
            raise NotFoundError()
        return [group_name("probe", self.scope["url_route"]["kwargs"]["name"])]

    async def on_connect(self):
        await self.send_json({"type": "snapshot", "data": {"user": self.scope["user"].username}})

    async def handle_echo_say(self, content):
        if content.get("text") == "conflict":
            raise ConflictError("No.", code="refused")
        await self.send_json({"type": "echo.said", "data": {"text": content.get("text")}})


application = AuthMiddlewareStack(URLRouter([path("ws/probe/<str:name>/", ProbeConsumer.as_asgi())]))


async def connect(name: str, user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/probe/{name}/")
    communicator.scope["user"] = user
    return communicator


@pytest.fixture
async def member():
    return await database_sync_to_async(UserFactory)()


async def test_anonymous_sockets_are_closed_with_4401():
    communicator = await connect("a", AnonymousUser())
    connected, code = await communicator.connect()
    assert connected is False
    assert code == CLOSE_UNAUTHENTICATED


async def test_missing_objects_close_the_socket_with_4404(member):
    communicator = await connect("missing", member)
    connected, code = await communicator.connect()
    assert connected is False
    assert code == CLOSE_NOT_FOUND


async def test_connect_sends_the_snapshot_and_answers_ping(member):
    communicator = await connect("a", member)
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from() == {"type": "snapshot", "data": {"user": member.username}}
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [("not json", "invalid_json"), ("[1, 2]", "invalid_frame"), ('{"type": "nope"}', "unknown_type")],
)
async def test_bad_frames_get_an_error_frame_and_keep_the_socket(member, frame, code):
    communicator = await connect("a", member)
    await communicator.connect()
    await communicator.receive_json_from()
    await communicator.send_to(text_data=frame)
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error"
    assert reply["error"]["code"] == code
    await communicator.send_json_to({"type": "echo.say", "text": "still here"})
    assert await communicator.receive_json_from() == {"type": "echo.said", "data": {"text": "still here"}}
    await communicator.disconnect()


async def test_domain_errors_become_error_frames(member):
    communicator = await connect("a", member)
    await communicator.connect()
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "echo.say", "text": "conflict"})
    assert await communicator.receive_json_from() == {
        "type": "error",
        "error": {"code": "refused", "message": "No."},
    }
    await communicator.disconnect()


async def test_broadcast_reaches_every_socket_of_the_group_only(member):
    listeners = [await connect("room", member), await connect("room", member)]
    outsider = await connect("elsewhere", member)
    for communicator in [*listeners, outsider]:
        await communicator.connect()
        await communicator.receive_json_from()
    await sync_to_async(broadcast)(group_name("probe", "room"), "thing.changed", {"n": 1})
    for communicator in listeners:
        assert await communicator.receive_json_from() == {"type": "thing.changed", "data": {"n": 1}}
    assert await outsider.receive_nothing()
    for communicator in [*listeners, outsider]:
        await communicator.disconnect()


def test_origin_is_checked_only_when_a_browser_sends_one():
    from urllib.parse import urlparse

    from fitai.websocket import BrowserOriginValidator

    validator = BrowserOriginValidator(None, ["127.0.0.1"])
    assert validator.valid_origin(None)
    assert validator.valid_origin(urlparse("http://127.0.0.1:8000"))
    assert not validator.valid_origin(urlparse("http://evil.example"))


def test_browser_apps_allowed_by_cors_may_open_sockets(settings):
    from urllib.parse import urlparse

    from fitai.websocket import browser_origin_validator

    settings.ALLOWED_HOSTS = ["api.fitai.example"]
    settings.CORS_ALLOWED_ORIGINS = ["https://app.fitai.example"]
    validator = browser_origin_validator(None)
    assert validator.valid_origin(urlparse("https://app.fitai.example"))
    assert validator.valid_origin(urlparse("https://api.fitai.example"))
    assert not validator.valid_origin(urlparse("http://app.fitai.example"))  # the scheme counts
    assert not validator.valid_origin(urlparse("https://evil.example"))
