"""User search: typo-tolerant, ranked, and blind to whoever must not be found.

Only active, searchable people (no profile yet counts as searchable) who are not the searcher
and not blocked either way are ever candidates. Username and name are searched for everyone;
location and interests only where the searcher may see them (a public profile, or a friends-only
one when they are friends), so a search cannot reveal where a hidden profile lives.

PostgreSQL ranks by `pg_trgm` word similarity of the query to two documents, each covered by a
GIN trigram index of migration 0005: `username first_name last_name` (accounts_user) and
`location interests` (accounts_profile). The SQL below must spell those documents exactly as
the indexes do, or the planner cannot use them.

SQLite (embedded mode) has no trigrams: candidates are the people whose fields contain any
three-letter piece of a query word, and difflib ranks at most `SEARCH_LIMIT` of them in Python.

Both return at most `SEARCH_LIMIT` ranked ids; the API pages through them.
"""

import re
from difflib import SequenceMatcher

from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.friendships import FriendshipStatus, accepted_between, blocked_between, profile_of
from accounts.models import Friendship, User, Visibility

SEARCH_LIMIT = 500
QUERY_MAX_LENGTH = 100
# pg_trgm word similarity a match needs; "jonh smiht" vs "john smith" scores about 0.36.
WORD_SIMILARITY_THRESHOLD = 0.3
# Mean best difflib ratio per query word a match needs in the SQLite fallback.
FALLBACK_MIN_SCORE = 0.6
MAX_QUERY_WORDS = 6
MAX_WORD_LENGTH = 30

# Who may be found is the same rule as `searchable_users`, written in SQL; `%(q)s <%% document`
# selects the candidates through the two trigram indexes.
_PG_SEARCH = """
WITH candidates AS (
    SELECT id AS user_id FROM accounts_user
    WHERE %(q)s <%% (username || ' ' || first_name || ' ' || last_name)
    UNION
    SELECT user_id FROM accounts_profile
    WHERE %(q)s <%% (location || ' ' || interests::text)
)
SELECT u.id
FROM candidates c
JOIN accounts_user u ON u.id = c.user_id
LEFT JOIN accounts_profile p ON p.user_id = u.id
CROSS JOIN LATERAL (
    SELECT coalesce(
        p.profile_visibility = 'public'
        OR (p.profile_visibility = 'friends' AND EXISTS (
            SELECT 1 FROM accounts_friendship f
            WHERE f.status = 'accepted'
              AND ((f.user_low_id = %(viewer)s AND f.user_high_id = u.id)
                   OR (f.user_high_id = %(viewer)s AND f.user_low_id = u.id))
        )),
        false
    ) AS profile_visible
) v
CROSS JOIN LATERAL (
    SELECT greatest(
        word_similarity(%(q)s, u.username || ' ' || u.first_name || ' ' || u.last_name),
        CASE WHEN v.profile_visible
             THEN word_similarity(%(q)s, p.location || ' ' || p.interests::text) ELSE 0 END
    ) AS score
) s
WHERE u.is_active
  AND u.id <> %(viewer)s
  AND coalesce(p.searchable, true)
  AND NOT EXISTS (
      SELECT 1 FROM accounts_friendship b
      WHERE b.status = 'blocked'
        AND ((b.user_low_id = %(viewer)s AND b.user_high_id = u.id)
             OR (b.user_high_id = %(viewer)s AND b.user_low_id = u.id))
  )
  AND s.score >= %(threshold)s
  {fitness_level}
ORDER BY s.score DESC, lower(u.username)
LIMIT %(limit)s
"""


def user_search(*, viewer: User, query: str, fitness_level: str | None = None) -> list[int]:
    """The pks of the people matching `query` that `viewer` may find, best match first."""
    using = router.db_for_read(User)
    if connections[using].vendor == "postgresql":
        return _search_postgresql(using=using, viewer=viewer, query=query, fitness_level=fitness_level)
    return _search_fallback(viewer=viewer, query=query, fitness_level=fitness_level)


def users_for_cards(*, ids: list[int]) -> list[User]:
    """The users with these pks, with their profiles, in the order given, in one query."""
    users = User.objects.filter(pk__in=ids).select_related("profile").in_bulk()
    return [users[pk] for pk in ids if pk in users]


def location_visible_to(*, user: User, status: FriendshipStatus) -> str | None:
    """The user's location if the viewer (whose status with them is `status`) may see it."""
    profile = profile_of(user)
    if profile is None or not profile.location:
        return None
    visibility = profile.profile_visibility
    if visibility == Visibility.PUBLIC or (
        visibility == Visibility.FRIENDS and status == FriendshipStatus.FRIENDS
    ):
        return profile.location
    return None


def _search_postgresql(*, using: str, viewer: User, query: str, fitness_level: str | None) -> list[int]:
    params = {
        "q": query.strip()[:QUERY_MAX_LENGTH],
        "viewer": viewer.pk,
        "threshold": WORD_SIMILARITY_THRESHOLD,
        "limit": SEARCH_LIMIT,
    }
    level_clause = ""
    if fitness_level:
        level_clause, params["fitness_level"] = "AND p.fitness_level = %(fitness_level)s", fitness_level
    # `<%` only uses the index with the threshold in this GUC; set it for this transaction only.
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(WORD_SIMILARITY_THRESHOLD)],
        )
        cursor.execute(_PG_SEARCH.format(fitness_level=level_clause), params)
        return [row[0] for row in cursor.fetchall()]


def searchable_users(*, viewer: User, fitness_level: str | None = None) -> QuerySet[User]:
    """Everyone `viewer` may find: active, searchable, not themselves, not blocked either way."""
    users = (
        User.objects.filter(is_active=True)
        .exclude(pk=viewer.pk)
        .filter(Q(profile__isnull=True) | Q(profile__searchable=True))
        .exclude(Exists(Friendship.objects.filter(blocked_between(viewer, OuterRef("pk")))))
    )
    if fitness_level:
        users = users.filter(profile__fitness_level=fitness_level)
    return users


def _words(text: str) -> list[str]:
    """Lower-case words; underscores and dots separate words (`iron_lifter` is `iron`, `lifter`)."""
    return re.findall(r"[^\W_]+", text.lower())


def _query_words(query: str) -> list[str]:
    return list(dict.fromkeys(word[:MAX_WORD_LENGTH] for word in _words(query)))[:MAX_QUERY_WORDS]


def _pieces(words: list[str]) -> set[str]:
    """Every three-letter piece of each word (short words whole): one typo leaves some intact."""
    pieces: set[str] = set()
    for word in words:
        pieces.update([word] if len(word) <= 3 else (word[i : i + 3] for i in range(len(word) - 2)))
    return pieces


def _any_contains(fields: tuple[str, ...], pieces: set[str]) -> Q:
    match = Q()
    for piece in sorted(pieces):
        for field in fields:
            match |= Q(**{f"{field}__icontains": piece})
    return match


def _word_score(query_word: str, matcher: SequenceMatcher, words: list[str]) -> float:
    """The best similarity of `query_word` (already `matcher`'s second sequence) to any of `words`."""
    best = 0.0
    for word in words:
        if word == query_word:
            return 1.0
        if word.startswith(query_word):
            best = max(best, 0.9)
            continue
        matcher.set_seq1(word)
        # The cheap upper bounds skip most words that cannot beat the best so far.
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
            best = max(best, matcher.ratio())
    return best


def _search_fallback(*, viewer: User, query: str, fitness_level: str | None) -> list[int]:
    query_words = _query_words(query)
    if not query_words:
        return []
    pieces = _pieces(query_words)
    profile_visible = Q(profile__profile_visibility=Visibility.PUBLIC) | Q(
        profile__profile_visibility=Visibility.FRIENDS, is_friend=True
    )
    candidates = (
        searchable_users(viewer=viewer, fitness_level=fitness_level)
        .annotate(is_friend=Exists(Friendship.objects.filter(accepted_between(viewer, OuterRef("pk")))))
        .filter(
            _any_contains(("username", "first_name", "last_name"), pieces)
            | (profile_visible & _any_contains(("profile__location", "profile__interests"), pieces))
        )
        .order_by("pk")
        .values_list(
            "pk",
            "username",
            "first_name",
            "last_name",
            "profile__location",
            "profile__interests",
            "profile__profile_visibility",
            "is_friend",
        )[:SEARCH_LIMIT]
    )
    matchers = [(word, SequenceMatcher(None, "", word, autojunk=False)) for word in query_words]
    ranked: list[tuple[float, str, int]] = []
    for pk, username, first_name, last_name, location, interests, visibility, is_friend in candidates:
        words = [username.lower(), *_words(f"{username} {first_name} {last_name}")]
        if visibility == Visibility.PUBLIC or (visibility == Visibility.FRIENDS and is_friend):
            words += _words(location or "")
            for interest in interests if isinstance(interests, list) else ():
                words += _words(str(interest))
        score = sum(_word_score(word, matcher, words) for word, matcher in matchers) / len(matchers)
        if score >= FALLBACK_MIN_SCORE:
            ranked.append((-score, username.lower(), pk))
    ranked.sort()
    return [pk for _score, _username, pk in ranked]
