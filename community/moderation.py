"""Moderation: the automatic content filter, member restrictions, reports, and moderators' actions.

Content filter (`content_check`), applied to every new or edited post and comment, refuses with a
400 whose `code` says why:
- `banned_term`: the text contains an active `BannedTerm` as a whole word or phrase. Text and
  terms are normalised the same way first (Unicode NFKC, case folded, accents stripped, runs of
  anything but letters and digits collapsed to one space), so "SP4M", "Spåm" or "spam!!" do not
  slip past a term "spam"/"spåm"/"sp4m" respectively, and "spamalot" does not match "spam";
- `too_many_links`: more than `FITAI_COMMUNITY_MAX_LINKS` (2) links (`http(s)://…` or `www.…`);
- `duplicate_post` / `duplicate_comment`: the same author wrote the same normalised text in the
  last `DUPLICATE_WINDOW` (10 minutes); comments are compared within one activity.
The posting rate itself is the API's `post` and `comment` throttle scopes (429), shared by pages.

Restrictions (`MemberRestriction`): a muted member may read and like but not post or comment
(403 `muted`); a suspended member may not write anything in the community (403 `suspended`).

Reports: one per reporter per target (a repeat answers 200 with the report, not a new one), from
members with a confirmed address, never on their own content. When
`FITAI_REPORT_HIDE_THRESHOLD` (3) distinct verified people have open reports on an activity or a comment,
it is hidden from everyone but moderators (and its author, who sees it marked hidden) until a
moderator restores it (reports dismissed) or hides or deletes it for good (reports upheld).
Every moderator decision writes a `ModerationAction` row: the audit trail.
"""

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from community.models import Activity, BannedTerm, Comment, MemberRestriction, ModerationAction, Report
from fitai.api.permissions import MODERATOR, user_has_role
from fitai.errors import DomainError, ForbiddenError, NotFoundError

DUPLICATE_WINDOW = timedelta(minutes=10)
BANNED_TERMS_CACHE_KEY = "community:banned-terms:v1"
LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


class ContentRejectedError(DomainError):
    """The filter refused a post or a comment; `code` is the reason."""

    default_code = "content_rejected"
    default_message = "This text cannot be posted."


def max_links() -> int:
    return int(getattr(settings, "FITAI_COMMUNITY_MAX_LINKS", 2))


def hide_threshold() -> int:
    return int(getattr(settings, "FITAI_REPORT_HIDE_THRESHOLD", 3))


def is_moderator(user: User | None) -> bool:
    return user_has_role(user, MODERATOR)


# --- Content filter ------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """Fold the text so that look-alike spellings compare equal (see the module docstring)."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    stripped = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(re.findall(r"[^\W_]+", stripped))


def banned_terms() -> list[str]:
    """The active banned terms, normalised; cached until the admin changes the list."""
    terms = cache.get(BANNED_TERMS_CACHE_KEY)
    if terms is None:
        raw = BannedTerm.objects.filter(is_active=True).values_list("term", flat=True)
        terms = sorted({normalize_text(term) for term in raw} - {""})
        cache.set(BANNED_TERMS_CACHE_KEY, terms, 300)
    return terms


def banned_terms_changed() -> None:
    """Forget the cached list; runs after commit whenever a banned term is saved or deleted."""
    cache.delete(BANNED_TERMS_CACHE_KEY)


def _on_banned_term_change(**_: Any) -> None:
    """Saves and deletes from anywhere (admin, shell, data migration) apply at once, not in 5 minutes.

    After commit, so a request in between cannot cache the old list again. `QuerySet.update()`
    sends no signal: call `banned_terms_changed()` after one.
    """
    transaction.on_commit(banned_terms_changed)


def connect_banned_terms() -> None:
    """Called from `CommunityConfig.ready()`."""
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_on_banned_term_change, sender=BannedTerm, dispatch_uid="community.banned_terms.save")
    post_delete.connect(
        _on_banned_term_change, sender=BannedTerm, dispatch_uid="community.banned_terms.delete"
    )


def _banned_term_in(text: str) -> str | None:
    padded = f" {normalize_text(text)} "
    for term in banned_terms():
        if f" {term} " in padded:
            return term
    return None


def content_check(
    *,
    author: User,
    text: str,
    kind: str,
    activity: Activity | None = None,
    exclude_pk: int | None = None,
    now: datetime | None = None,
) -> None:
    """Refuse `text` (a `kind` of "post" or "comment") with a `ContentRejectedError` naming why.

    `activity` scopes the duplicate test of a comment; `exclude_pk` leaves out the row being edited.
    """
    if _banned_term_in(text):
        raise ContentRejectedError(
            "Your text contains a word that is not allowed in the community.", code="banned_term"
        )
    links = len(LINK.findall(text))
    if links > max_links():
        raise ContentRejectedError(
            f"Too many links: at most {max_links()} per {kind}.", code="too_many_links", links=links
        )
    normalized = normalize_text(text)
    if not normalized:
        return
    since = (now or timezone.now()) - DUPLICATE_WINDOW
    if kind == "post":
        recent = Activity.objects.filter(
            author=author, type=Activity.Type.POST, created_at__gte=since, deleted_at__isnull=True
        )
    else:
        recent = Comment.objects.filter(author=author, activity=activity, created_at__gte=since)
        recent = recent.filter(deleted_at__isnull=True)
    if exclude_pk is not None:
        recent = recent.exclude(pk=exclude_pk)
    if any(normalize_text(other) == normalized for other in recent.values_list("text", flat=True)[:50]):
        raise ContentRejectedError(
            f"You posted the same text a moment ago: wait {int(DUPLICATE_WINDOW.total_seconds() // 60)} "
            "minutes or write something new.",
            code=f"duplicate_{kind}",
        )


# --- Restrictions --------------------------------------------------------------------------------


def restriction_check(*, user: User, write: str, now: datetime | None = None) -> None:
    """Refuse a community write of kind `write` ("post", "comment", "like", "report", "edit",
    "delete") by a suspended member (all of them) or a muted one (posts and comments)."""
    now = now or timezone.now()
    restriction = MemberRestriction.objects.filter(user=user).first()
    if restriction is None:
        return
    if restriction.suspended_until and restriction.suspended_until > now:
        raise ForbiddenError(
            f"Your community access is suspended until {restriction.suspended_until:%Y-%m-%d %H:%M} UTC.",
            code="suspended",
        )
    if write in {"post", "comment"} and restriction.muted_until and restriction.muted_until > now:
        raise ForbiddenError(
            f"You are muted until {restriction.muted_until:%Y-%m-%d %H:%M} UTC: you may read and like, "
            "not post or comment.",
            code="muted",
        )


@transaction.atomic
def member_restrict(
    *,
    moderator: User | None,
    user: User,
    muted_until: datetime | None,
    suspended_until: datetime | None,
    reason: str = "",
) -> MemberRestriction:
    """Mute and/or suspend `user` until the given times (None lifts it), and record who did it."""
    restriction, _ = MemberRestriction.objects.update_or_create(
        user=user,
        defaults={"muted_until": muted_until, "suspended_until": suspended_until, "reason": reason},
    )
    parts = [f"muted until {muted_until:%Y-%m-%d %H:%M}" if muted_until else "not muted"]
    parts.append(f"suspended until {suspended_until:%Y-%m-%d %H:%M}" if suspended_until else "not suspended")
    action_record(
        moderator=moderator,
        action="restrict",
        target_type=Report.TargetType.USER,
        target_id=user.public_id,
        reason=f"{', '.join(parts)}. {reason}".strip(),
    )
    return restriction


# --- Audit trail -----------------------------------------------------------------------------------


def action_record(
    *, moderator: User | None, action: str, target_type: str, target_id: UUID, reason: str = ""
) -> ModerationAction:
    """One row of the audit trail; every moderator decision writes one."""
    return ModerationAction.objects.create(
        moderator=moderator, action=action, target_type=target_type, target_id=target_id, reason=reason[:500]
    )


# --- Reports ---------------------------------------------------------------------------------------


def _reportable(*, reporter: User, target_type: str, target_id: UUID) -> Any:
    """The object reported, if the reporter may see it; anything else is not found."""
    from community import activities

    if target_type == Report.TargetType.ACTIVITY:
        return activities.activity_get_visible(user=reporter, activity_id=target_id)
    if target_type == Report.TargetType.COMMENT:
        return activities.comment_get_visible(user=reporter, comment_id=target_id)
    if target_type == Report.TargetType.EXERCISE:
        from exercises.selectors import exercises_visible_to

        found = (
            exercises_visible_to(user_public_id=str(reporter.public_id)).filter(public_id=target_id).first()
        )
    elif target_type == Report.TargetType.TEMPLATE:
        from templates_app.selectors import templates_visible_to

        found = templates_visible_to(user=reporter).filter(public_id=target_id).first()
    else:
        from accounts.friendships import UserNotFoundError, user_get_visible

        try:
            found = user_get_visible(viewer=reporter, public_id=target_id)
        except UserNotFoundError:
            found = None
        if found is not None and found.pk == reporter.pk:
            raise DomainError("You cannot report yourself.", code="self_report")
    if found is None:
        raise NotFoundError("Nothing to report here.", code="target_not_found")
    return found


@transaction.atomic
def report_create(*, reporter: User, target_type: str, target_id: UUID, reason: str) -> tuple[Report, bool]:
    """Report something the reporter may see; return (report, created). Repeats change nothing.

    Reporting needs a confirmed address (403 `email_not_verified`), so throwaway accounts cannot
    hide anyone's post; your own activity or comment is refused (400 `self_report`). A repeat is
    answered with the existing report even once the target is hidden from the reporter.
    The activity or comment is hidden once `hide_threshold()` distinct verified people have open
    reports on it (erased reporters no longer count); counting happens under the target's row
    lock, so concurrent reports cannot miss it.
    """
    restriction_check(user=reporter, write="report")
    if not reporter.email_verified:
        raise ForbiddenError(
            "Confirm your e-mail address first: we sent you a link.", code="email_not_verified"
        )
    try:
        target_id = UUID(str(target_id))
    except ValueError:
        raise NotFoundError("Nothing to report here.", code="target_not_found") from None
    # Before the visibility test: what the reporter's report hid stays reported (200), not unknown.
    existing = Report.objects.filter(reporter=reporter, target_type=target_type, target_id=target_id).first()
    if existing is not None:
        return existing, False
    target = _reportable(reporter=reporter, target_type=target_type, target_id=target_id)
    if getattr(target, "author_id", None) == reporter.pk:
        raise DomainError("You cannot report what you wrote: edit or delete it.", code="self_report")
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter, target_type=target_type, target_id=target_id, reason=reason
            )
    except IntegrityError:  # the same reporter, twice at once
        return Report.objects.get(reporter=reporter, target_type=target_type, target_id=target_id), False
    model = {Report.TargetType.ACTIVITY: Activity, Report.TargetType.COMMENT: Comment}.get(target_type)
    if model is not None:
        locked = model.objects.select_for_update().get(pk=target.pk)
        model.objects.filter(pk=locked.pk).update(report_count=F("report_count") + 1)
        open_reporters = (
            Report.objects.filter(
                target_type=target_type,
                target_id=target_id,
                status=Report.Status.OPEN,
                reporter__isnull=False,
                reporter__email_verified=True,
            )
            .values("reporter")
            .distinct()
            .count()
        )
        if not locked.is_hidden and open_reporters >= hide_threshold():
            model.objects.filter(pk=locked.pk).update(is_hidden=True)
            action_record(
                moderator=None,
                action="auto_hide",
                target_type=target_type,
                target_id=target_id,
                reason=f"{open_reporters} people reported it; hidden pending review.",
            )
            if model is Activity:
                _feeds_changed(locked.author_id)
    return report, True


def _feeds_changed(author_id: int) -> None:
    from community.feed import feed_invalidate_for_author

    transaction.on_commit(lambda: feed_invalidate_for_author(author_id=author_id))


def _target_model(target_type: str):
    return {Report.TargetType.ACTIVITY: Activity, Report.TargetType.COMMENT: Comment}.get(target_type)


def _close_reports(*, target_type: str, target_id: UUID, moderator: User | None, status: str) -> int:
    return Report.objects.filter(
        target_type=target_type, target_id=target_id, status=Report.Status.OPEN
    ).update(status=status, resolved_at=timezone.now(), resolved_by=moderator)


@transaction.atomic
def content_moderate(
    *, moderator: User | None, target_type: str, target_id: UUID, action: str, reason: str = ""
) -> None:
    """Apply a moderator's decision on reported content and record it.

    - `hide`: hidden from everyone but moderators and the author; open reports upheld;
    - `restore`: visible again; open reports dismissed;
    - `delete`: soft-deleted (a comment with replies stays as "removed"); open reports upheld;
    - `dismiss`: open reports dismissed; the content is left as it is.
    Exercises, programs and users have their own tools in the admin: here only their reports close.
    """
    if action not in {"hide", "restore", "delete", "dismiss"}:
        raise DomainError(f"Unknown moderation action {action!r}.", code="unknown_action")
    model = _target_model(target_type)
    target = None
    if model is not None and action != "dismiss":
        target = model.objects.select_for_update().filter(public_id=target_id).first()
    if target is not None:
        if action == "hide":
            target.is_hidden = True
        elif action == "restore":
            target.is_hidden = False
        was_live = target.deleted_at is None
        if action == "delete" and was_live:
            target.deleted_at = timezone.now()
        target.save(update_fields=["is_hidden", "deleted_at"])
        if model is Comment and action == "delete" and was_live:
            Activity.objects.filter(pk=target.activity_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
        if model is Activity:
            _feeds_changed(target.author_id)
    upheld = action in {"hide", "delete"}
    closed = _close_reports(
        target_type=target_type,
        target_id=target_id,
        moderator=moderator,
        status=Report.Status.UPHELD if upheld else Report.Status.DISMISSED,
    )
    note = f"{closed} open report(s) {'upheld' if upheld else 'dismissed'}."
    action_record(
        moderator=moderator,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=f"{reason} {note}".strip() if reason else note,
    )


def report_queue() -> Any:
    """Open reports grouped by target, most reported first (the admin's queue)."""
    from django.db.models import Count, Max

    return (
        Report.objects.filter(status=Report.Status.OPEN)
        .values("target_type", "target_id")
        .annotate(reports=Count("pk"), last_reported_at=Max("created_at"))
        .order_by("-reports", "-last_reported_at")
    )
