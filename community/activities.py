"""Activities: the posts people write and the ones their training writes for them; likes; comments.

Who sees an activity is decided here, once (`activities_visible_to`): its author; otherwise, when
neither blocked the other and the author is active, everyone for `public`, accepted friends for
`friends`. Deleted activities are seen by nobody (the admin keeps them). Hidden ones (reported by
enough people, or hidden by a moderator) are seen only by moderators and by their author, who sees
`is_hidden: true`. Anything else is a 404, never a 403, so a private post does not leak.

Writes (posts, edits, likes, comments, deletions) check the member's restrictions and run the
content filter (`community.moderation`); counters move with F-expressions, and a like is unique
per person, so `like_count` and `comment_count` stay exact under concurrency. Notifications
(`activity_like`, `activity_comment`, `comment_reply`, `mention`) go through
`community.notifications.notify` inside the same transaction; a mention reaches only people who
may see the activity. New, edited and deleted activities invalidate the feeds of the author and
their friends after commit (`community.feed`).

Comments are threaded: a reply names its `parent_id`; depth 0 is a comment on the activity and a
reply is one deeper than its parent, up to `MAX_COMMENT_DEPTH` (5, deeper → 400 `too_deep`).
Deleting is soft: a deleted comment with live replies stays in the thread as `removed`.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.friendships import accepted_between, blocked_between, blocked_ids
from accounts.models import Friendship, User
from community.models import Activity, Comment, Like, Notification, Report
from community.moderation import content_check, is_moderator, restriction_check
from community.notifications import notify
from fitai.errors import DomainError, ForbiddenError, NotFoundError

MAX_COMMENT_DEPTH = 5
MAX_MENTIONS = 10
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.]{3,30})")


# --- Selectors -------------------------------------------------------------------------------------


def _uuid(value: UUID | str, what: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFoundError(f"No such {what}.") from None


def activities_visible_to(*, user: User, moderator: bool | None = None) -> QuerySet[Activity]:
    """The live activities `user` may see, as one query with the friendship tests as subqueries.

    Pass `moderator` when it is already known, to save the role query.
    """
    if moderator is None:
        moderator = is_moderator(user)
    friends = Exists(Friendship.objects.filter(accepted_between(user, OuterRef("author_id"))))
    blocked = Exists(Friendship.objects.filter(blocked_between(user, OuterRef("author_id"))))
    shared = Q(visibility=Activity.Visibility.PUBLIC) | (Q(visibility=Activity.Visibility.FRIENDS) & friends)
    others = Q(author__is_active=True) & ~blocked & shared
    if not moderator:
        others &= Q(is_hidden=False)
    return Activity.objects.filter(deleted_at__isnull=True).filter(Q(author=user) | others)


def with_viewer(activities: QuerySet[Activity], *, user: User) -> QuerySet[Activity]:
    """What a card shows: the author with their profile and whether the viewer liked it, no N+1."""
    liked = Exists(Like.objects.filter(activity=OuterRef("pk"), user=user))
    return activities.select_related("author__profile", "workout").annotate(liked_by_me=liked)


def activity_get_visible(*, user: User, activity_id: UUID | str, moderator: bool | None = None) -> Activity:
    """One activity the user may see, annotated for its card; anything else is not found."""
    public_id = _uuid(activity_id, "activity")
    activity = (
        with_viewer(activities_visible_to(user=user, moderator=moderator), user=user)
        .filter(public_id=public_id)
        .first()
    )
    if activity is None:
        raise NotFoundError("No such activity.", code="activity_not_found")
    return activity


def activities_for_list(*, user: User, author: User | None = None) -> QuerySet[Activity]:
    """`GET /community/activities`: what the viewer may see, newest first, optionally one author's."""
    activities = activities_visible_to(user=user)
    if author is not None:
        activities = activities.filter(author=author)
    return with_viewer(activities, user=user)


def comment_get_visible(*, user: User, comment_id: UUID | str) -> Comment:
    """A live comment on a visible activity, by someone neither blocked; else not found."""
    public_id = _uuid(comment_id, "comment")
    moderator = is_moderator(user)
    visible = activities_visible_to(user=user, moderator=moderator)
    comment = (
        Comment.objects.select_related("activity", "author")
        .filter(public_id=public_id, deleted_at__isnull=True, activity__in=visible)
        .first()
    )
    if comment is None or (comment.author_id and comment.author_id in blocked_ids(user=user)):
        raise NotFoundError("No such comment.", code="comment_not_found")
    if comment.is_hidden and not moderator and comment.author_id != user.pk:
        raise NotFoundError("No such comment.", code="comment_not_found")
    return comment


@dataclass(frozen=True)
class ThreadEntry:
    """One row of a thread: a comment, or the placeholder left by a removed one with replies."""

    comment: Comment
    removed: bool

    @property
    def depth(self) -> int:
        return self.comment.depth


def comment_thread(*, activity: Activity, user: User) -> list[ThreadEntry]:
    """The whole thread in reading order (depth first, siblings oldest first), in two queries.

    Deleted comments, hidden ones (for everyone but moderators and their author) and those by
    people blocked either way are left out, or shown as `removed` when live replies hang below.
    """
    moderator = is_moderator(user)
    blocked = blocked_ids(user=user)
    rows = list(
        Comment.objects.filter(activity=activity)
        .select_related("author__profile")
        .order_by("created_at", "pk")
    )

    def shown(comment: Comment) -> bool:
        if comment.deleted_at is not None or (comment.author_id and comment.author_id in blocked):
            return False
        return not comment.is_hidden or moderator or comment.author_id == user.pk

    children: dict[int | None, list[Comment]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    entries: list[ThreadEntry] = []

    def walk(parent_id: int | None) -> bool:
        """Append the subtree under `parent_id`; True when anything visible was appended."""
        any_shown = False
        for comment in children.get(parent_id, []):
            position = len(entries)
            entries.append(ThreadEntry(comment, removed=False))
            below = walk(comment.pk)
            if shown(comment):
                any_shown = True
            elif below:
                entries[position] = ThreadEntry(comment, removed=True)
                any_shown = True
            else:
                del entries[position]
        return any_shown

    walk(None)
    return entries


# --- Feed invalidation ---------------------------------------------------------------------------


def feeds_changed_on_commit(author_id: int) -> None:
    from community.feed import feed_invalidate_for_author

    transaction.on_commit(lambda: feed_invalidate_for_author(author_id=author_id))


# --- Mentions ------------------------------------------------------------------------------------


def _mention(*, activity: Activity, text: str, actor: User, comment: Comment | None = None) -> None:
    """Tell each `@username` in `text` who may see the activity (and is not the writer)."""
    names = {name.lower() for name in MENTION.findall(text)}
    if not names:
        return
    named = Q()
    for name in sorted(names)[:MAX_MENTIONS]:
        named |= Q(username__iexact=name)
    people = User.objects.filter(named, is_active=True).exclude(pk=actor.pk)
    for person in people:
        if not activities_visible_to(user=person, moderator=False).filter(pk=activity.pk).exists():
            continue
        notify(
            recipient_id=person.pk,
            type="mention",
            title=f"@{actor.username} mentioned you",
            body=text[:200],
            actor_id=actor.pk,
            url=f"/community/activities/{activity.public_id}",
            data={
                "activity_id": str(activity.public_id),
                **({"comment_id": str(comment.public_id)} if comment else {}),
            },
        )


def _new_mentions(old: str, new: str) -> str:
    """The part of an edited text that matters for mentions: only newly added names are told."""
    before = {name.lower() for name in MENTION.findall(old)}
    added = [f"@{name}" for name in MENTION.findall(new) if name.lower() not in before]
    return " ".join(added)


# --- Activities ------------------------------------------------------------------------------------


def activity_record(
    *,
    author_id: int,
    type: str,
    source_key: str,
    data: dict[str, Any],
    visibility: str = Activity.Visibility.FRIENDS,
    text: str = "",
    workout_id: int | None = None,
) -> Activity | None:
    """Write the activity an achievement produces, once per `source_key` (retries change nothing)."""
    try:
        with transaction.atomic():
            activity, created = Activity.objects.get_or_create(
                author_id=author_id,
                source_key=source_key,
                defaults={
                    "type": type,
                    "data": data,
                    "visibility": visibility,
                    "text": text,
                    "workout_id": workout_id,
                },
            )
    except IntegrityError:  # the same achievement reported twice at once: the other one won
        return Activity.objects.filter(author_id=author_id, source_key=source_key).first()
    if created:
        feeds_changed_on_commit(author_id)
    return activity


@transaction.atomic
def post_create(*, author: User, text: str, visibility: str, now: datetime | None = None) -> Activity:
    """Publish a post after the restriction and content checks; mentioned people are told."""
    restriction_check(user=author, write="post")
    content_check(author=author, text=text, kind="post", now=now)
    activity = Activity.objects.create(
        author=author, type=Activity.Type.POST, text=text, visibility=visibility
    )
    _mention(activity=activity, text=text, actor=author)
    feeds_changed_on_commit(author.pk)
    return activity


@transaction.atomic
def activity_update(
    *, activity: Activity, user: User, text: str | None = None, visibility: str | None = None
) -> Activity:
    """Change the text or visibility of your own activity (fields not sent stay as they are)."""
    if activity.author_id != user.pk:
        raise ForbiddenError("Only the author can edit this activity.", code="not_author")
    restriction_check(user=user, write="post" if text is not None else "edit")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    fields = []
    if text is not None and text != activity.text:
        if activity.type == Activity.Type.POST and not text.strip():
            raise ValidationError({"text": ["A post needs some text: delete it instead of emptying it."]})
        content_check(author=user, text=text, kind="post", exclude_pk=activity.pk)
        _mention(activity=activity, text=_new_mentions(activity.text, text), actor=user)
        activity.text = text
        fields.append("text")
    if visibility is not None and visibility != activity.visibility:
        activity.visibility = visibility
        fields.append("visibility")
    if fields:
        activity.edited_at = timezone.now()
        activity.save(update_fields=[*fields, "edited_at"])
        feeds_changed_on_commit(activity.author_id)
    return activity


def activity_get_deletable(*, user: User, activity_id: UUID | str) -> Activity:
    """What DELETE may act on: the author's own, or any live activity for a moderator."""
    if not is_moderator(user):
        activity = activity_get_visible(user=user, activity_id=activity_id, moderator=False)
        if activity.author_id != user.pk:
            raise ForbiddenError(
                "Only the author or a moderator can delete this activity.", code="not_author"
            )
        return activity
    activity = Activity.objects.filter(
        public_id=_uuid(activity_id, "activity"), deleted_at__isnull=True
    ).first()
    if activity is None:
        raise NotFoundError("No such activity.", code="activity_not_found")
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, user: User, reason: str = "") -> None:
    """Soft delete by the author or a moderator; a moderator's deletion of someone else's activity
    is recorded in the audit trail and closes its open reports."""
    if activity.author_id != user.pk:
        if not is_moderator(user):
            raise ForbiddenError(
                "Only the author or a moderator can delete this activity.", code="not_author"
            )
        from community.moderation import content_moderate

        content_moderate(
            moderator=user,
            target_type=Report.TargetType.ACTIVITY,
            target_id=activity.public_id,
            action="delete",
            reason=reason or "Deleted through the API.",
        )
        return
    restriction_check(user=user, write="delete")
    Activity.objects.filter(pk=activity.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
    feeds_changed_on_commit(activity.author_id)


def _like_told(*, activity: Activity, user: User) -> bool:
    """Whether the author already heard of this person's like of this activity.

    A like taken back and given again tells nobody twice, so like/unlike loops cannot flood an
    author: the stored notification says so, and a cache mark covers authors who keep no in-app
    notifications (e-mail or push only) for a day.
    """
    if not cache.add(f"community:like-told:{user.pk}:{activity.pk}", 1, timeout=86400):
        return True
    return Notification.objects.filter(
        recipient_id=activity.author_id,
        type="activity_like",
        actor_id=user.pk,
        data__activity_id=str(activity.public_id),
    ).exists()


def activity_like(*, activity: Activity, user: User) -> bool:
    """Like once (idempotent); return whether a like was added. The author is told the first time
    only, however often the like is taken back and given again."""
    restriction_check(user=user, write="like")
    try:
        with transaction.atomic():
            Like.objects.create(activity=activity, user=user)
            Activity.objects.filter(pk=activity.pk).update(like_count=F("like_count") + 1)
            if activity.author_id == user.pk or _like_told(activity=activity, user=user):
                return True
            notify(
                recipient_id=activity.author_id,
                type="activity_like",
                title=f"@{user.username} liked your {_noun(activity)}",
                actor_id=user.pk,
                url=f"/community/activities/{activity.public_id}",
                data={"activity_id": str(activity.public_id)},
            )
    except IntegrityError:  # already liked, perhaps a moment ago by a concurrent request
        return False
    return True


@transaction.atomic
def activity_unlike(*, activity: Activity, user: User) -> bool:
    """Take a like back (idempotent); return whether one was removed."""
    restriction_check(user=user, write="like")
    deleted, _ = Like.objects.filter(activity=activity, user=user).delete()
    if deleted:
        Activity.objects.filter(pk=activity.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
    return bool(deleted)


def like_count(activity: Activity) -> int:
    return Activity.objects.filter(pk=activity.pk).values_list("like_count", flat=True).get()


def _noun(activity: Activity) -> str:
    return "post" if activity.type == Activity.Type.POST else "activity"


# --- Comments --------------------------------------------------------------------------------------


@transaction.atomic
def comment_create(*, activity: Activity, author: User, text: str, parent_id: UUID | None = None) -> Comment:
    """Comment on a visible activity, or reply to a comment of its thread (to `MAX_COMMENT_DEPTH`)."""
    restriction_check(user=author, write="comment")
    parent = None
    if parent_id is not None:
        parent = comment_get_visible(user=author, comment_id=parent_id)
        if parent.activity_id != activity.pk:
            raise NotFoundError("No such comment in this thread.", code="comment_not_found")
        if parent.depth + 1 > MAX_COMMENT_DEPTH:
            raise DomainError(
                f"Replies nest at most {MAX_COMMENT_DEPTH} levels deep: reply higher up the thread.",
                code="too_deep",
            )
    content_check(author=author, text=text, kind="comment", activity=activity)
    comment = Comment.objects.create(
        activity=activity, author=author, parent=parent, depth=parent.depth + 1 if parent else 0, text=text
    )
    Activity.objects.filter(pk=activity.pk).update(comment_count=F("comment_count") + 1)
    link = f"/community/activities/{activity.public_id}#comment-{comment.public_id}"
    data = {"activity_id": str(activity.public_id), "comment_id": str(comment.public_id)}
    notify(
        recipient_id=activity.author_id,
        type="activity_comment",
        title=f"@{author.username} commented on your {_noun(activity)}",
        body=text[:200],
        actor_id=author.pk,
        url=link,
        data=data,
    )
    if parent is not None and parent.author_id and parent.author_id != activity.author_id:
        notify(
            recipient_id=parent.author_id,
            type="comment_reply",
            title=f"@{author.username} replied to your comment",
            body=text[:200],
            actor_id=author.pk,
            url=link,
            data=data,
        )
    _mention(activity=activity, text=text, actor=author, comment=comment)
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, user: User, text: str) -> Comment:
    """The author rewrites their comment; the filter applies as to a new one."""
    if comment.author_id != user.pk:
        raise ForbiddenError("Only the author can edit this comment.", code="not_author")
    restriction_check(user=user, write="comment")
    if text != comment.text:
        content_check(
            author=user, text=text, kind="comment", activity=comment.activity, exclude_pk=comment.pk
        )
        _mention(
            activity=comment.activity, text=_new_mentions(comment.text, text), actor=user, comment=comment
        )
        comment.text, comment.edited_at = text, timezone.now()
        comment.save(update_fields=["text", "edited_at"])
    return comment


def comment_get_deletable(*, user: User, comment_id: UUID | str) -> Comment:
    """The author's own comment, or any live comment for a moderator."""
    if not is_moderator(user):
        comment = comment_get_visible(user=user, comment_id=comment_id)
        if comment.author_id != user.pk:
            raise ForbiddenError("Only the author or a moderator can delete this comment.", code="not_author")
        return comment
    comment = (
        Comment.objects.select_related("activity")
        .filter(public_id=_uuid(comment_id, "comment"), deleted_at__isnull=True)
        .first()
    )
    if comment is None:
        raise NotFoundError("No such comment.", code="comment_not_found")
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, user: User, reason: str = "") -> None:
    """Soft delete by the author or a moderator (audited); replies stay under a `removed` row."""
    if comment.author_id != user.pk:
        if not is_moderator(user):
            raise ForbiddenError("Only the author or a moderator can delete this comment.", code="not_author")
        from community.moderation import content_moderate

        content_moderate(
            moderator=user,
            target_type=Report.TargetType.COMMENT,
            target_id=comment.public_id,
            action="delete",
            reason=reason or "Deleted through the API.",
        )
        return
    restriction_check(user=user, write="delete")
    if Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(deleted_at=timezone.now()):
        Activity.objects.filter(pk=comment.activity_id, comment_count__gt=0).update(
            comment_count=F("comment_count") - 1
        )
