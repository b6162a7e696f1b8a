"""Notifications: the one service every app calls to tell a member something.

`notify` honours the member's preferences per type x channel (`accounts` preferences document):
`in_app` stores a row and pushes it live to the member's sockets (group `user.<public id>`),
`email` queues a Celery e-mail (verified addresses only), `push` queues a message for the push
backend (`community.push`). Call it inside the transaction that caused it: every delivery happens
after commit, so nobody is told about something that was rolled back.

Nobody is told about their own doing, inactive members are told nothing, and a block between the
recipient and the actor (whoever blocked whom) silences the actor.

Live frames on `/ws/notifications/`: `notification.created` with the serialized notification and
`notification.read` with `{id, unread_count}` (`id` null after "mark all read"), so every open
device keeps the same list and badge.
"""

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.friendships import blocked_between
from accounts.models import Friendship, User
from accounts.preferences import NOTIFICATION_TYPES
from accounts.profiles import preferences_update, user_preferences
from community.models import Notification
from community.push import PushMessage, push_backend
from fitai import outbox, realtime
from fitai.errors import NotFoundError
from fitai.mail import send_templated_email

CREATED_EVENT = "notification.created"
READ_EVENT = "notification.read"


def notification_group(user: User) -> str:
    """The socket group of every open device of `user`."""
    return realtime.group_name("user", user.public_id)


def notification_payload(notification: Notification) -> dict[str, Any]:
    """The notification as the API shows it, as plain JSON values (for the channel layer)."""
    from community.notification_serializers import NotificationSerializer

    return json.loads(json.dumps(NotificationSerializer(notification).data, cls=DjangoJSONEncoder))


# --- The service ---------------------------------------------------------------------------------


@transaction.atomic
def notify(
    *,
    recipient_id: int,
    type: str,
    title: str,
    body: str = "",
    actor_id: int | None = None,
    url: str = "",
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """Tell `recipient_id` something of kind `type`; return the stored in-app notification, if any."""
    if type not in NOTIFICATION_TYPES:
        raise ValueError(f"Unknown notification type {type!r}: add it to accounts.preferences.")
    if actor_id is not None and actor_id == recipient_id:
        return None  # Nobody is told about their own doing.
    recipient = User.objects.select_related("profile").filter(pk=recipient_id, is_active=True).first()
    if recipient is None:
        return None
    if actor_id is not None and Friendship.objects.filter(blocked_between(recipient_id, actor_id)).exists():
        return None
    channels = user_preferences(user=recipient)["notifications"][type]
    title, body = title[:200], body[:500]
    notification = None
    if channels["in_app"]:
        notification = Notification.objects.create(
            recipient=recipient,
            type=type,
            actor_id=actor_id,
            title=title,
            body=body,
            url=url,
            data=data or {},
        )
        notification = Notification.objects.select_related("actor__profile").get(pk=notification.pk)
        group, payload = notification_group(recipient), notification_payload(notification)
        transaction.on_commit(lambda: realtime.broadcast(group, CREATED_EVENT, payload))
    message = {"recipient_id": recipient.pk, "type": type, "title": title, "body": body, "url": url}
    if channels["email"] and recipient.email_verified:
        from community.tasks import send_notification_email_task

        outbox.enqueue(send_notification_email_task, **message)
    if channels["push"]:
        from community.tasks import push_notification_task

        outbox.enqueue(push_notification_task, **message, data=data or {})
    return notification


def notification_email_send(
    *, recipient_id: int, type: str, title: str, body: str = "", url: str = ""
) -> bool:
    """Mail a notification, if the member is still active, verified and wants it by e-mail."""
    recipient = User.objects.filter(pk=recipient_id, is_active=True, email_verified=True).first()
    if recipient is None or not user_preferences(user=recipient)["notifications"][type]["email"]:
        return False
    inbox = settings.SITE_URL + reverse("community:notifications")
    # API paths (an export's status) need a token: people reading mail get the notifications page.
    link = settings.SITE_URL + url if url.startswith("/") and not url.startswith("/api/") else inbox
    send_templated_email(
        template="notification",
        to=recipient.email,
        context={"user": recipient, "title": title, "body": body, "link": link, "inbox_url": inbox},
    )
    return True


def notification_push_send(
    *, recipient_id: int, type: str, title: str, body: str = "", url: str = "", data: dict | None = None
) -> bool:
    """Hand a notification to the push backend, if the member is still active."""
    if not User.objects.filter(pk=recipient_id, is_active=True).exists():
        return False
    message = PushMessage(
        recipient_id=recipient_id, type=type, title=title, body=body, url=url, data=data or {}
    )
    push_backend().send(message)
    return True


# --- Selectors -----------------------------------------------------------------------------------


def notifications_for_user(*, user: User, unread: bool = False) -> QuerySet[Notification]:
    """The member's notifications, newest first, with the actor and their avatar joined."""
    queryset = Notification.objects.filter(recipient=user).select_related("actor__profile")
    if unread:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    """How many of the member's notifications are unread (the badge)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_get_for_user(*, user: User, notification_id: Any) -> Notification:
    """One of the member's own notifications; anyone else's, or a malformed id, is not found."""
    try:
        notification = Notification.objects.select_related("actor__profile").get(
            recipient=user, public_id=notification_id
        )
    except (Notification.DoesNotExist, ValueError, ValidationError):
        raise NotFoundError("No such notification.") from None
    notification.recipient = user
    return notification


def notification_preferences(*, user: User) -> dict[str, dict[str, bool]]:
    """The member's notification channels per type: the `notifications` part of the preferences."""
    return user_preferences(user=user)["notifications"]


# --- Reading and preferences ---------------------------------------------------------------------


def _broadcast_read(user: User, notification_id: str | None) -> None:
    group = notification_group(user)

    def send() -> None:
        count = notification_unread_count(user=user)
        realtime.broadcast(group, READ_EVENT, {"id": notification_id, "unread_count": count})

    transaction.on_commit(send)


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (again is harmless) and tell the member's other devices."""
    if notification.read_at is None:
        now = timezone.now()
        updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        if updated:
            notification.read_at = now
            _broadcast_read(notification.recipient, str(notification.public_id))
        else:  # Another device was quicker.
            notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the member read; return how many changed."""
    updated = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    if updated:
        _broadcast_read(user, None)
    return updated


@transaction.atomic
def notification_preferences_update(*, user: User, changes: Any) -> dict[str, dict[str, bool]]:
    """Merge `{type: {channel: bool}}` into the member's preferences; return every type's channels.

    Bad keys and values are reported by their dotted path in what was sent (`activity_like.email`).
    """
    if not isinstance(changes, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object of notification types."]})
    try:
        document = preferences_update(user=user, changes={"notifications": changes})
    except ValidationError as error:
        prefix = "notifications."
        raise ValidationError(
            {key.removeprefix(prefix): messages for key, messages in error.message_dict.items()}
        ) from None
    return document["notifications"]
