"""Output of the activity API: activity cards, comments of a thread, reports.

Serializers read what the selectors loaded (author and profile joined, `liked_by_me` annotated,
parents' public ids mapped by the view), so a page of any length runs no query per row.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.friend_serializers import avatar_thumb_url, display_name
from accounts.models import User
from community.activities import ThreadEntry
from community.models import Activity, Comment, Report


class AuthorSerializer(serializers.Serializer):
    """The public card of a writer: never the e-mail address or anything private."""

    id = serializers.UUIDField(source="public_id")
    username = serializers.CharField()
    display_name = serializers.SerializerMethodField()
    avatar_thumb_url = serializers.SerializerMethodField(help_text="128 px avatar, or null.")

    def get_display_name(self, user: User) -> str:
        return display_name(user)

    def get_avatar_thumb_url(self, user: User) -> str | None:
        return avatar_thumb_url(user)


class ActivitySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    type = serializers.ChoiceField(Activity.Type.choices)
    author = AuthorSerializer()
    text = serializers.CharField()
    visibility = serializers.ChoiceField(Activity.Visibility.values)
    data = serializers.JSONField(
        help_text="What a generated activity shows: for `workout`, the totals and `personal_records` "
        "set in that session; for `goal_achieved`, the goal. Empty for posts."
    )
    like_count = serializers.IntegerField()
    comment_count = serializers.IntegerField()
    liked_by_me = serializers.BooleanField(default=False)
    is_hidden = serializers.BooleanField(
        help_text="Hidden pending review: only moderators and the author see it."
    )
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)


class ActivityPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ActivitySerializer(many=True)


class CommentSerializer(serializers.Serializer):
    """One comment; a `removed` one keeps its place (it has replies) but shows no author or text."""

    id = serializers.SerializerMethodField()
    activity_id = serializers.SerializerMethodField()
    parent_id = serializers.SerializerMethodField(help_text="The comment this one answers, or null.")
    depth = serializers.IntegerField(help_text="0 for a comment on the activity, parent's + 1 for a reply.")
    author = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    is_removed = serializers.SerializerMethodField(help_text="Deleted or hidden, kept for its replies.")
    is_hidden = serializers.SerializerMethodField()
    created_at = serializers.SerializerMethodField()
    edited_at = serializers.SerializerMethodField()

    def _comment(self, item: ThreadEntry | Comment) -> Comment:
        return item.comment if isinstance(item, ThreadEntry) else item

    def _removed(self, item: ThreadEntry | Comment) -> bool:
        return isinstance(item, ThreadEntry) and item.removed

    @extend_schema_field(OpenApiTypes.UUID)
    def get_id(self, item) -> str:
        return str(self._comment(item).public_id)

    @extend_schema_field(OpenApiTypes.UUID)
    def get_activity_id(self, item) -> str:
        public_ids = self.context.get("activity_public_ids", {})
        comment = self._comment(item)
        return str(public_ids.get(comment.activity_id) or comment.activity.public_id)

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_parent_id(self, item) -> str | None:
        comment = self._comment(item)
        if comment.parent_id is None:
            return None
        public_ids = self.context.get("comment_public_ids", {})
        return str(public_ids.get(comment.parent_id) or comment.parent.public_id)

    @extend_schema_field(AuthorSerializer(allow_null=True))
    def get_author(self, item) -> dict | None:
        comment = self._comment(item)
        if self._removed(item) or comment.author is None:
            return None
        return AuthorSerializer(comment.author).data

    def get_text(self, item) -> str:
        return "" if self._removed(item) else self._comment(item).text

    def get_is_removed(self, item) -> bool:
        return self._removed(item)

    def get_is_hidden(self, item) -> bool:
        return self._comment(item).is_hidden

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_created_at(self, item) -> str:
        return serializers.DateTimeField().to_representation(self._comment(item).created_at)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_edited_at(self, item) -> str | None:
        edited = self._comment(item).edited_at
        return serializers.DateTimeField().to_representation(edited) if edited else None


class CommentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CommentSerializer(many=True)


class ReportSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    target_type = serializers.ChoiceField(Report.TargetType.choices)
    target_id = serializers.UUIDField()
    reason = serializers.CharField()
    status = serializers.ChoiceField(Report.Status.choices)
    created_at = serializers.DateTimeField()
