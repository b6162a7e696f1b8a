"""Live notifications over a real Daphne and the Redis channel layer, with a real WebSocket client:
a comment made over REST reaches every open notification socket of the activity's author."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from rest_framework_simplejwt.tokens import AccessToken
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from community.models import Activity, Notification
from tests.e2e.conftest import http
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def open_socket(live_url: str, user, *, as_subprotocol: bool = False) -> Iterator[ClientConnection]:
    """A device's notification socket, past its first frame (the unread count)."""
    url = live_url.replace("http://", "ws://", 1) + "/ws/notifications/"
    token = str(AccessToken.for_user(user))
    options = {"subprotocols": ["bearer", token]} if as_subprotocol else {}
    with connect(
        url if as_subprotocol else f"{url}?token={token}", proxy=None, open_timeout=10, **options
    ) as socket:
        first = json.loads(socket.recv(timeout=5))
        assert first == {"type": "unread_count", "data": {"unread_count": 0}}, first
        yield socket


def frames_until_quiet(socket: ClientConnection, quiet: float = 0.7) -> list[dict]:
    frames = []
    while True:
        try:
            frames.append(json.loads(socket.recv(timeout=quiet)))
        except TimeoutError:
            return frames


def test_a_comment_over_rest_reaches_the_authors_notification_sockets(live_url):
    author = UserFactory(email_verified=True)
    commenter = UserFactory(email_verified=True)
    activity = Activity.objects.create(
        author=author,
        type=Activity.Type.POST,
        text="New squat PR today!",
        visibility=Activity.Visibility.PUBLIC,
    )
    with (
        open_socket(live_url, author) as phone,
        open_socket(live_url, author, as_subprotocol=True) as laptop,
        open_socket(live_url, commenter) as commenter_socket,
    ):
        started = time.monotonic()
        status, body, _ = http(
            "POST",
            f"{live_url}/api/v1/community/activities/{activity.public_id}/comment",
            {"text": "Strong work, congratulations"},
            headers={"Authorization": f"Bearer {AccessToken.for_user(commenter)}"},
        )
        assert status == 201, body
        notification = Notification.objects.get(recipient=author, type="activity_comment")
        for device in (phone, laptop):
            frame = json.loads(device.recv(timeout=5))
            assert frame["type"] == "notification.created", frame
            assert frame["data"]["id"] == str(notification.public_id)
            assert frame["data"]["type"] == "activity_comment"
            assert frame["data"]["actor"]["id"] == str(commenter.public_id)
            assert frame["data"]["data"]["activity_id"] == str(activity.public_id)
        assert time.monotonic() - started < 5
        assert frames_until_quiet(commenter_socket) == []  # Nobody hears about their own comment.

        # Reading it over REST tells every device, with the new unread count.
        status, body, _ = http(
            "PUT",
            f"{live_url}/api/v1/notifications/{notification.public_id}/read",
            headers={"Authorization": f"Bearer {AccessToken.for_user(author)}"},
        )
        assert (status, body["is_read"]) == (200, True), body
        for device in (phone, laptop):
            frame = json.loads(device.recv(timeout=5))
            assert frame == {
                "type": "notification.read",
                "data": {"id": str(notification.public_id), "unread_count": 0},
            }


def test_a_socket_without_a_token_is_refused(live_url):
    """Closed before the handshake completes: Daphne answers the upgrade with 403 (4401 in-process)."""
    url = live_url.replace("http://", "ws://", 1) + "/ws/notifications/"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, proxy=None, open_timeout=10)
    assert refused.value.response.status_code == 403
