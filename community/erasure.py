"""What erasing a person means for the community.

- Their activities go, with the likes and comments others left on them.
- Their comments on other people's activities: one without replies is deleted; one with replies
  stays as a "removed" placeholder (no author, no text) so the others' thread keeps its shape.
  The activities' comment counters are corrected.
- Their likes go and the like counters drop; their challenge entries go and participant counts
  drop; challenges they created stay for the other participants, without a creator.
- Notifications to them go; notifications about something they did go too (their name is in
  the text). Reports they made stay in the moderation queue without a reporter (the reported
  content is still there); a restriction on them goes with them.
"""

from django.db.models import Count, F
from django.utils import timezone

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
from fitai.erasure import ErasureResult

ERASED_MODELS = [
    Activity,
    Like,
    Comment,
    Report,
    ModerationAction,
    MemberRestriction,
    Challenge,
    ChallengeParticipant,
    Notification,
]


def community_erase(user: User) -> ErasureResult:
    result = ErasureResult()
    result.add_deleted(Notification.objects.filter(recipient=user).delete())
    result.add_deleted(Notification.objects.filter(actor=user).delete())

    liked = Like.objects.filter(user=user).exclude(activity__author=user)
    for activity_id in list(liked.values_list("activity_id", flat=True)):
        Activity.objects.filter(pk=activity_id, like_count__gt=0).update(like_count=F("like_count") - 1)
    result.add_deleted(Like.objects.filter(user=user).delete())

    joined = ChallengeParticipant.objects.filter(user=user)
    for challenge_id in list(joined.values_list("challenge_id", flat=True)):
        Challenge.objects.filter(pk=challenge_id, participant_count__gt=0).update(
            participant_count=F("participant_count") - 1
        )
    result.add_deleted(joined.delete())
    result.add(Challenge, Challenge.objects.filter(creator=user).update(creator=None))

    result.add_deleted(Activity.objects.filter(author=user).delete())  # Cascades to their threads.
    # What is left are their comments on other people's activities; live ones leave the counts.
    live = dict(
        Comment.objects.filter(author=user, deleted_at__isnull=True)
        .values_list("activity_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for activity_id, number in live.items():
        Activity.objects.filter(pk=activity_id).update(comment_count=F("comment_count") - number)
    with_replies = Comment.objects.filter(author=user, replies__isnull=False).values("pk")
    result.add_deleted(Comment.objects.filter(author=user).exclude(pk__in=with_replies).delete())
    result.add(
        Comment,
        Comment.objects.filter(author=user).update(author=None, text="", deleted_at=timezone.now()),
    )

    result.add(Report, Report.objects.filter(reporter=user).update(reporter=None))
    result.add(ModerationAction, ModerationAction.objects.filter(moderator=user).update(moderator=None))
    result.add_deleted(MemberRestriction.objects.filter(user=user).delete())
    return result
