"""WebSocket authentication with the JWT access token."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import path
from rest_framework_simplejwt.tokens import AccessToken

from accounts.websocket import websocket_auth_middleware
from fitai.consumers import CLOSE_UNAUTHENTICATED, BaseConsumer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class WhoAmIConsumer(BaseConsumer):
    async def on_connect(self):
        await self.send_json({"type": "hello", "data": {"username": self.scope["user"].username}})


application = websocket_auth_middleware(URLRouter([path("ws/whoami/", WhoAmIConsumer.as_asgi())]))


@pytest.fixture
async def member():
    return await database_sync_to_async(UserFactory)()


def token_for(user, **lifetime) -> str:
    token = AccessToken.for_user(user)
    if lifetime:
        token.set_exp(lifetime=timedelta(**lifetime))
    return str(token)


async def test_token_in_the_query_string_authenticates(member):
    communicator = WebsocketCommunicator(application, f"/ws/whoami/?token={token_for(member)}")
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from() == {"type": "hello", "data": {"username": member.username}}
    await communicator.disconnect()


async def test_token_as_subprotocol_authenticates_and_is_not_echoed(member):
    communicator = WebsocketCommunicator(
        application, "/ws/whoami/", subprotocols=["bearer", token_for(member)]
    )
    connected, subprotocol = await communicator.connect()
    assert connected
    assert subprotocol == "bearer"
    assert (await communicator.receive_json_from())["data"]["username"] == member.username
    await communicator.disconnect()


@pytest.mark.parametrize("kind", ["none", "garbage", "expired", "refresh"])
async def test_missing_or_bad_tokens_close_with_4401(member, kind):
    from rest_framework_simplejwt.tokens import RefreshToken

    tokens = {
        "none": "",
        "garbage": "?token=not.a.jwt",
        "expired": f"?token={token_for(member, seconds=-1)}",
        "refresh": f"?token={RefreshToken.for_user(member)}",
    }
    communicator = WebsocketCommunicator(application, "/ws/whoami/" + tokens[kind])
    connected, code = await communicator.connect()
    assert connected is False
    assert code == CLOSE_UNAUTHENTICATED


async def test_a_password_change_ends_existing_socket_tokens(member):
    token = token_for(member)

    @database_sync_to_async
    def change_password():
        member.set_password("a-whole-new-secret-99")
        member.save()

    await change_password()
    communicator = WebsocketCommunicator(application, f"/ws/whoami/?token={token}")
    connected, code = await communicator.connect()
    assert connected is False
    assert code == CLOSE_UNAUTHENTICATED
