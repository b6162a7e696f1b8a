"""Public cards of people, for friend lists, friendship answers and search results.

A card shows what anyone may see: never the e-mail address, birth date, body data or anything
else private. Serializers read what the views gathered (relations, statuses), so serializing a
page runs no query per row.
"""

from django.core.files.storage import default_storage
from rest_framework import serializers

from accounts.friendships import FriendshipStatus, Relation, profile_of
from accounts.models import User
from accounts.search import location_visible_to


def display_name(user: User) -> str:
    """The person's full name, or their username when they gave no name."""
    return user.get_full_name() or user.username


def avatar_thumb_url(user: User) -> str | None:
    profile = profile_of(user)
    if profile is None or not profile.avatar_thumb:
        return None
    return default_storage.url(profile.avatar_thumb)


class UserCardSerializer(serializers.Serializer):
    """A person as anyone may see them; the instance is a `Relation` (the person and the viewer's status)."""

    id = serializers.UUIDField(source="user.public_id", help_text="The person's public id.")
    username = serializers.CharField(source="user.username")
    display_name = serializers.SerializerMethodField()
    avatar_thumb_url = serializers.SerializerMethodField(help_text="128 px avatar, or null.")
    friendship_status = serializers.ChoiceField(
        [status.value for status in FriendshipStatus],
        source="status",
        help_text="Where you stand with them: `blocked` means you blocked them.",
    )

    def get_display_name(self, relation: Relation) -> str:
        return display_name(relation.user)

    def get_avatar_thumb_url(self, relation: Relation) -> str | None:
        return avatar_thumb_url(relation.user)


class FriendSerializer(UserCardSerializer):
    """A person in your friend lists, or your friendship with them after a change."""

    since = serializers.DateTimeField(
        allow_null=True, help_text="When the current status began; null when there is no relation."
    )


class SearchResultSerializer(UserCardSerializer):
    """A person found by search; their location only if their profile is visible to you."""

    location = serializers.SerializerMethodField()

    def get_location(self, relation: Relation) -> str | None:
        return location_visible_to(user=relation.user, status=relation.status)
