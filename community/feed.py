"""The community feed: candidates, the relevance score, the per-user cache and stable paging.

Candidates (`sort=relevant`, the default): from the last `WINDOW_DAYS` (14) days, your own and your
friends' activities (at most `MAX_NETWORK` = 500, newest first) plus the most engaged public
activities of everyone else (at most `MAX_POPULAR` = 200), leaving out deleted and hidden ones
(your own hidden ones stay, marked) and people blocked either way.

Score of an activity seen by a viewer, at time `now`:

    score = affinity * type_weight * (1 + ln(1 + engagement)) * decay

- affinity: `SELF_AFFINITY` (2.0) for your own; for a friend `FRIEND_AFFINITY` (2.0) plus
  `INTERACTION_WEIGHT` (0.25) per like or comment you gave that friend's activities in the last
  `INTERACTION_DAYS` (90) days, counting at most `INTERACTION_CAP` (8) of them (so 2.0 to 4.0);
  `STRANGER_AFFINITY` (1.0) for a popular public activity of someone else;
- type_weight: `TYPE_WEIGHTS` (goal achieved and challenge won 1.2, personal record 1.1, post
  1.0, workout 0.9, challenge joined 0.6); a workout's records are folded into its activity;
- engagement = likes + 2 * comments (a comment costs more than a like);
- decay = (1 + age_hours / `DECAY_HOURS`) ^ -`DECAY_POWER`, with `DECAY_HOURS` = 24 and
  `DECAY_POWER` = 1.5: 1 when new, 0.35 after a day, 0.19 after two, 0.04 after a week.
  It is a power law rather than an exponential half-life on purpose: under an exponential the
  ratio of two activities' scores never changes as both age, so a friend's fresh post would
  outrank an older, much-liked stranger's post forever; under the power law the ages' ratio tends
  to 1, so as both age engagement takes over and the popular post comes back up.
Ties break on the newer id. `sort=recent` is everything you may see, strictly newest first.

Cache and paging. The ranked list (ids and scores) is computed at a snapshot time and cached twice:
under the snapshot (`community:feed:<user>:at:<time>`, `SNAPSHOT_SECONDS`) for the pages that
follow, and as the viewer's current snapshot under a versioned key
(`community:feed:<user>:v<version>`, `CACHE_SECONDS`) for the next first page. A new, edited or
deleted activity bumps the version of its author and of each of the author's friends
(`feed_invalidate_for_author`), so their next first page is ranked afresh. The cursor is signed and
carries the snapshot time and the last (score, id) served; later pages continue in the same
snapshot — recomputed at that same time, without anything posted after it, if the cache lost it —
so new posts never shift a page: nothing repeats and nothing is skipped. A page costs a fixed
number of queries (6 to rank when the cache is cold, then one for the page's activities).
"""

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.core.cache import cache
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.friendships import blocked_ids, friend_ids
from accounts.models import User
from community.activities import activities_visible_to, with_viewer
from community.models import Activity, Comment, Like
from fitai.errors import DomainError

WINDOW_DAYS = 14
MAX_NETWORK = 500
MAX_POPULAR = 200
SELF_AFFINITY = 2.0
FRIEND_AFFINITY = 2.0
STRANGER_AFFINITY = 1.0
INTERACTION_WEIGHT = 0.25
INTERACTION_CAP = 8
INTERACTION_DAYS = 90
DECAY_HOURS = 24.0
DECAY_POWER = 1.5
TYPE_WEIGHTS = {
    Activity.Type.POST: 1.0,
    Activity.Type.WORKOUT: 0.9,
    Activity.Type.PERSONAL_RECORD: 1.1,
    Activity.Type.GOAL_ACHIEVED: 1.2,
    Activity.Type.CHALLENGE_JOINED: 0.6,
    Activity.Type.CHALLENGE_WON: 1.2,
}
CACHE_SECONDS = 300
SNAPSHOT_SECONDS = 1800
CURSOR_SALT = "community.feed.cursor"

Ranked = list[tuple[float, int]]  # (score, activity pk), best first


class BadCursorError(DomainError):
    default_code = "invalid_cursor"
    default_message = "Send a cursor this feed returned."


def relevance(*, affinity: float, type_weight: float, likes: int, comments: int, age_hours: float) -> float:
    """The documented score (module docstring) of one activity."""
    engagement = max(0, likes) + 2 * max(0, comments)
    decay = (1 + max(0.0, age_hours) / DECAY_HOURS) ** -DECAY_POWER
    return affinity * type_weight * (1 + math.log1p(engagement)) * decay


def _interactions(*, user: User, authors: set[int], now: datetime) -> Counter:
    """Likes and comments the viewer gave each of `authors`' activities lately (two queries)."""
    counts: Counter = Counter()
    if not authors:
        return counts
    since = now - timedelta(days=INTERACTION_DAYS)
    likes = (
        Like.objects.filter(user=user, created_at__gte=since, activity__author_id__in=authors)
        .values("activity__author_id")
        .annotate(n=Count("pk"))
    )
    comments = (
        Comment.objects.filter(author=user, created_at__gte=since, activity__author_id__in=authors)
        .values("activity__author_id")
        .annotate(n=Count("pk"))
    )
    for row in [*likes, *comments]:
        counts[row["activity__author_id"]] += row["n"]
    return counts


def feed_rank(*, user: User, now: datetime) -> Ranked:
    """Rank the viewer's candidates as of `now` (only activities created by then count)."""
    friends = friend_ids(user=user)
    blocked = blocked_ids(user=user)
    network = (friends - blocked) | {user.pk}
    window = Q(
        created_at__gte=now - timedelta(days=WINDOW_DAYS), created_at__lte=now, deleted_at__isnull=True
    )
    columns = ("pk", "author_id", "type", "like_count", "comment_count", "created_at")
    own_and_friends = list(
        Activity.objects.filter(window, author_id__in=network, author__is_active=True)
        .filter(Q(author=user) | Q(is_hidden=False))
        .order_by("-created_at", "-pk")
        .values_list(*columns)[:MAX_NETWORK]
    )
    popular = list(
        Activity.objects.filter(window, visibility=Activity.Visibility.PUBLIC, is_hidden=False)
        .filter(author__is_active=True)
        .exclude(author_id__in=network | blocked)
        .order_by((F("like_count") + 2 * F("comment_count")).desc(), "-created_at", "-pk")
        .values_list(*columns)[:MAX_POPULAR]
    )
    interactions = _interactions(user=user, authors=network - {user.pk}, now=now)
    ranked: Ranked = []
    for pk, author_id, kind, likes, comments, created_at in own_and_friends + popular:
        if author_id == user.pk:
            affinity = SELF_AFFINITY
        elif author_id in network:
            affinity = FRIEND_AFFINITY + INTERACTION_WEIGHT * min(interactions[author_id], INTERACTION_CAP)
        else:
            affinity = STRANGER_AFFINITY
        score = relevance(
            affinity=affinity,
            type_weight=TYPE_WEIGHTS.get(kind, 1.0),
            likes=likes,
            comments=comments,
            age_hours=(now - created_at).total_seconds() / 3600,
        )
        ranked.append((round(score, 9), pk))
    ranked.sort(reverse=True)
    return ranked


# --- Cache -----------------------------------------------------------------------------------------


def _version_key(user_id: int) -> str:
    return f"community:feed-version:{user_id}"


def _version(user_id: int) -> int:
    version = cache.get(_version_key(user_id))
    if version is None:
        version = 1
        cache.add(_version_key(user_id), version, None)
    return version


def _current_key(user_id: int) -> str:
    return f"community:feed:{user_id}:v{_version(user_id)}"


def _snapshot_key(user_id: int, at: str) -> str:
    return f"community:feed:{user_id}:at:{at}"


def feed_invalidate(*, user_ids: set[int]) -> None:
    """Make these viewers' next first page rank afresh (pages in progress keep their snapshot)."""
    for user_id in user_ids:
        try:
            cache.incr(_version_key(user_id))
        except ValueError:  # no version yet: nothing cached under one either
            cache.add(_version_key(user_id), 2, None)


def feed_invalidate_for_author(*, author_id: int) -> None:
    """An activity of `author_id` appeared, changed or went: their feed and their friends' feeds."""
    feed_invalidate(user_ids=friend_ids(user=author_id) | {author_id})


def _snapshot(*, user: User, at: str | None, now: datetime) -> tuple[str, Ranked]:
    """The ranked list of a snapshot: the cursor's `at`, else the current one, else a new one."""
    if at is None:
        at = cache.get(_current_key(user.pk))
        ranked = cache.get(_snapshot_key(user.pk, at)) if at else None
        if ranked is None:
            at = now.isoformat()
            ranked = feed_rank(user=user, now=now)
            cache.set(_snapshot_key(user.pk, at), ranked, SNAPSHOT_SECONDS)
            cache.set(_current_key(user.pk), at, CACHE_SECONDS)
        return at, ranked
    ranked = cache.get(_snapshot_key(user.pk, at))
    if ranked is None:
        ranked = feed_rank(user=user, now=datetime.fromisoformat(at))
        cache.set(_snapshot_key(user.pk, at), ranked, SNAPSHOT_SECONDS)
    return at, ranked


# --- Pages -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedPage:
    activities: list[Activity]
    next_cursor: str | None


def _cursor_read(cursor: str) -> tuple[str, float, int]:
    try:
        value = signing.Signer(salt=CURSOR_SALT).unsign_object(cursor)
        at, score, pk = value["at"], float(value["s"]), int(value["i"])
        datetime.fromisoformat(at)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadCursorError() from None
    return at, score, pk


def _cursor_make(at: str, score: float, pk: int) -> str:
    return signing.Signer(salt=CURSOR_SALT).sign_object({"at": at, "s": score, "i": pk})


def feed_page(
    *, user: User, cursor: str | None = None, page_size: int = 20, now: datetime | None = None
) -> FeedPage:
    """One page of the relevance feed: the first from the current snapshot, later ones from the
    cursor's snapshot, after the (score, id) it names."""
    now = now or timezone.now()
    if cursor:
        at, after_score, after_pk = _cursor_read(cursor)
        at, ranked = _snapshot(user=user, at=at, now=now)
        ranked = [item for item in ranked if item < (after_score, after_pk)]
    else:
        at, ranked = _snapshot(user=user, at=None, now=now)
    window = ranked[:page_size]
    rows = with_viewer(activities_visible_to(user=user, moderator=False), user=user).filter(
        pk__in=[pk for _, pk in window]
    )
    by_pk = {activity.pk: activity for activity in rows}
    activities = [by_pk[pk] for _, pk in window if pk in by_pk]
    next_cursor = _cursor_make(at, *window[-1]) if len(ranked) > page_size else None
    return FeedPage(activities=activities, next_cursor=next_cursor)


def feed_recent(*, user: User):
    """`sort=recent`: everything the viewer may see, hidden content left out, newest first."""
    activities = activities_visible_to(user=user, moderator=False)
    return with_viewer(activities, user=user).order_by("-created_at", "-pk")
