"""Notifications as the API, the socket and the pages show them, and the preferences document.

Serializing reads only what the selectors joined (`actor` and its profile), so a page of
notifications costs no query per row.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.friend_serializers import avatar_thumb_url, display_name
from accounts.models import User
from accounts.preferences import NOTIFICATION_TYPES
from accounts.profile_serializers import ChannelsSerializer
from community.models import Notification


@extend_schema_field(
    {"type": "string", "enum": list(NOTIFICATION_TYPES), "description": "The kind of notification."}
)
class NotificationTypeField(serializers.CharField):
    """A notification type; documented inline so it claims no shared `TypeEnum` schema name."""


class NotificationActorSerializer(serializers.Serializer):
    """Who caused the notification, as anyone may see them."""

    id = serializers.UUIDField(source="public_id")
    username = serializers.CharField()
    display_name = serializers.SerializerMethodField()
    avatar_thumb_url = serializers.SerializerMethodField(help_text="128 px avatar, or null.")

    def get_display_name(self, user: User) -> str:
        return display_name(user)

    def get_avatar_thumb_url(self, user: User) -> str | None:
        return avatar_thumb_url(user)


class NotificationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    type = NotificationTypeField()
    actor = NotificationActorSerializer(allow_null=True, help_text="Null for what the system reports.")
    url = serializers.CharField(help_text="Where it leads: a page path, or an API path for exports.")
    data = serializers.DictField(help_text="Ids of what it is about, by type (e.g. `exercise_id`).")
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "type", "title", "body", "url", "data", "actor", "is_read", "read_at", "created_at"]
        read_only_fields = fields

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class ChannelsUpdateSerializer(serializers.Serializer):
    in_app = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)


def _preferences_serializer(name: str, channels: type[serializers.Serializer], *, required: bool) -> type:
    """A serializer with one field per notification type, each `{in_app, email, push}` (documentation:
    the document itself is validated by `accounts.preferences`, which names bad keys by path)."""
    fields = {kind: channels(required=required) for kind in NOTIFICATION_TYPES}
    return type(name, (serializers.Serializer,), fields)


NotificationPreferencesSerializer = _preferences_serializer(
    "NotificationPreferencesSerializer", ChannelsSerializer, required=True
)
NotificationPreferencesUpdateSerializer = _preferences_serializer(
    "NotificationPreferencesUpdateSerializer", ChannelsUpdateSerializer, required=False
)
