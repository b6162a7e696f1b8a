"""What a person's export holds from the community (registered in `CommunityConfig.ready()`):
their activities and comments, what they liked, the reports they made, the challenges they
created and joined, and the notifications they received. Other people appear by public id only.
"""

from typing import Any

from accounts.models import User
from community.models import (
    Activity,
    Challenge,
    ChallengeParticipant,
    Comment,
    Like,
    MemberRestriction,
    ModerationAction,
    Notification,
    Report,
)
from fitai import exporting

EXPORTED_MODELS = [Activity, Comment, Like, Report, Challenge, ChallengeParticipant, Notification]
NOT_EXPORTED = {
    ModerationAction: "The moderators' audit trail: staff records, not the member's data.",
    MemberRestriction: "A moderation measure kept by staff; the member is told of it when it applies.",
}

Rows = list[dict[str, Any]]


def _rows(queryset, **renames: str) -> Rows:
    """`values()` rows with lookups renamed for the export (`author__public_id` → `author_id`)."""
    rows = []
    for row in queryset.values(*renames.values()):
        rows.append({name: row[lookup] for name, lookup in renames.items()})
    return rows


def community_export(user: User) -> dict[str, Rows]:
    return {
        "activities": _rows(
            Activity.objects.filter(author=user).order_by("created_at", "pk"),
            id="public_id",
            type="type",
            text="text",
            visibility="visibility",
            data="data",
            like_count="like_count",
            comment_count="comment_count",
            created_at="created_at",
            edited_at="edited_at",
            deleted_at="deleted_at",
        ),
        "comments": _rows(
            Comment.objects.filter(author=user).order_by("created_at", "pk"),
            id="public_id",
            activity_id="activity__public_id",
            parent_id="parent__public_id",
            text="text",
            created_at="created_at",
            edited_at="edited_at",
            deleted_at="deleted_at",
        ),
        "likes": _rows(
            Like.objects.filter(user=user).order_by("created_at", "pk"),
            activity_id="activity__public_id",
            created_at="created_at",
        ),
        "reports": _rows(
            Report.objects.filter(reporter=user).order_by("created_at", "pk"),
            id="public_id",
            target_type="target_type",
            target_id="target_id",
            reason="reason",
            status="status",
            created_at="created_at",
        ),
        "challenges_created": _rows(
            Challenge.objects.filter(creator=user).order_by("created_at", "pk"),
            id="public_id",
            title="title",
            description="description",
            type="type",
            exercise_id="exercise__public_id",
            target_value="target_value",
            start_date="start_date",
            end_date="end_date",
            visibility="visibility",
            created_at="created_at",
        ),
        "challenge_entries": _rows(
            ChallengeParticipant.objects.filter(user=user).order_by("joined_at", "pk"),
            challenge_id="challenge__public_id",
            challenge_title="challenge__title",
            score="score",
            joined_at="joined_at",
        ),
        "notifications": _rows(
            Notification.objects.filter(recipient=user).order_by("created_at", "pk"),
            id="public_id",
            type="type",
            title="title",
            body="body",
            url="url",
            data="data",
            read_at="read_at",
            created_at="created_at",
        ),
    }


def community_export_count(user: User) -> int:
    return (
        Activity.objects.filter(author=user).count()
        + Comment.objects.filter(author=user).count()
        + Like.objects.filter(user=user).count()
        + Report.objects.filter(reporter=user).count()
        + Challenge.objects.filter(creator=user).count()
        + ChallengeParticipant.objects.filter(user=user).count()
        + Notification.objects.filter(recipient=user).count()
    )


def register_exporter() -> None:
    """Register the community exporter; called from `CommunityConfig.ready()`."""
    exporting.register(
        "community",
        community_export,
        count=community_export_count,
        models=EXPORTED_MODELS,
        excluded=NOT_EXPORTED,
    )
