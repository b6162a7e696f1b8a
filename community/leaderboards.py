"""Leaderboards: a challenge's standings, and global or friends boards by metric and period.

One interface (`leaderboard_for_challenge`, `leaderboard_global`) over two backends that give the
same answers: Redis sorted sets when `REDIS_URL` is set, aggregate queries over the daily training
summaries (`progress.models.DailySummary`) otherwise. A challenge's board always reads its
participants' stored scores (`ChallengeParticipant`), which `community.challenges` keeps current.

Definitions:
- Metrics: `workouts` (completed workouts), `volume` (kg), `sets`, `streak` (the longest run of
  consecutive training days inside the period). Days are days in each member's own time zone.
- Periods are calendar periods containing today in the viewer's time zone: `week` (Monday to
  Sunday), `month`, `year`, and `all` (everything). Only people with a value above zero are on a
  global board; on a challenge's board every participant is, from 0.
- Ranks: equal values share a rank and the next rank skips (1, 2, 2, 4). Within a tie, a global
  board lists the older account first, a challenge's board the earlier participant.
- Privacy: people whose preference `privacy.show_on_leaderboards` is false, and deactivated
  accounts, are not on any board and are not counted in anyone's rank. They still see their own
  position (`me`, marked `is_hidden`), computed as if they were shown. Blocked people (either way)
  are left out of each other's entries, but ranks stay the standings everyone sees, so a gap can
  show where someone hidden from you stands. `scope=friends` ranks you among your friends.
- `me` is your rank and value, even outside the top; null when you are not on the board (nothing
  in the period, or not a participant of the challenge).

Redis layout: one sorted set per (metric, period window), e.g. `fitai:lb:volume:week:2025-06-09`,
members the zero-padded user pk and scores the negated value, so an ascending read gives the
order above. A board is built from the database the first time it is read (and rebuilt when its
day-long `…:built` marker expires, which also repairs any missed update); after that,
`user_refresh` rewrites one member's entries in the current windows whenever their workouts
change (`workout.changed`). Redis being unreachable makes reads fall back to the database; a
circuit breaker (`fitai.cache.RedisBreaker`) then sends every read there for `REDIS_RETRY_SECONDS`
before trying Redis again, so a hung Redis costs one `REDIS_SOFT_TIMEOUT` per window, not one per
request. Updates missed meanwhile heal when the board's marker expires and it is rebuilt.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Round
from django.utils import timezone

from accounts.friendships import blocked_ids, friend_ids
from accounts.models import User
from community.models import Challenge, ChallengeParticipant
from fitai.cache import RedisBreaker, breaker, soft_timeout
from progress.analytics import streaks
from progress.models import DailySummary

logger = logging.getLogger("community.leaderboards")

METRICS = ("workouts", "volume", "sets", "streak")
PERIODS = ("week", "month", "year", "all")
SCOPES = ("global", "friends")
COLUMNS = {"workouts": "workouts", "volume": "volume_kg", "sets": "sets"}
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
CENT = Decimal("0.01")
KEY_PREFIX = "fitai:lb"
BUILT_TTL_SECONDS = 24 * 60 * 60
REDIS_CHUNK = 200


@dataclass(frozen=True)
class Board:
    """One global board: a metric over a window of days (`start`/`end` None for all time)."""

    metric: str
    period: str
    start: date | None
    end: date | None

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}:{self.metric}:{self.period}:{self.start.isoformat() if self.start else 'all'}"


@dataclass(frozen=True)
class Standing:
    user_id: int
    value: Decimal
    rank: int


@dataclass
class Leaderboard:
    """What the API and the pages show: the top entries (with users loaded) and your own place."""

    entries: list[Standing]
    users: dict[int, User]
    me: Standing | None
    me_hidden: bool
    start: date | None
    end: date | None
    backend: str


def board_for(*, metric: str, period: str, today: date) -> Board:
    """The calendar window of `period` that contains `today`."""
    if period == "week":
        start = today - timedelta(days=today.weekday())
        return Board(metric, period, start, start + timedelta(days=6))
    if period == "month":
        start = today.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return Board(metric, period, start, following - timedelta(days=1))
    if period == "year":
        return Board(metric, period, today.replace(month=1, day=1), today.replace(month=12, day=31))
    return Board(metric, period, None, None)


def value_of(metric: str, raw: Any) -> Decimal:
    """A value as the boards compare it: kg to the cent, counts as whole numbers."""
    value = Decimal(str(raw))
    return value.quantize(CENT) if metric == "volume" else value.quantize(Decimal(1))


def hidden_user_ids() -> set[int]:
    """Everyone who is on no board: deactivated, or `privacy.show_on_leaderboards` false."""
    hidden = Q(is_active=False) | Q(profile__preferences__privacy__show_on_leaderboards=False)
    return set(User.objects.filter(hidden).values_list("pk", flat=True))


def user_values(*, user_id: int, boards: Iterable[Board]) -> dict[Board, Decimal]:
    """One member's value on each board, from their daily summaries (one query)."""
    boards = list(boards)
    rows = list(
        DailySummary.objects.filter(user_id=user_id, workouts__gt=0)
        .order_by("day")
        .values_list("day", "workouts", "volume_kg", "sets")
    )
    values: dict[Board, Decimal] = {}
    for board in boards:
        inside = [
            row
            for row in rows
            if (board.start is None or row[0] >= board.start) and (board.end is None or row[0] <= board.end)
        ]
        if board.metric == "streak":
            raw: Any = streaks([row[0] for row in inside], inside[-1][0] if inside else date.min).longest_days
        else:
            index = {"workouts": 1, "volume": 2, "sets": 3}[board.metric]
            raw = sum((Decimal(row[index]) for row in inside), Decimal(0))
        values[board] = value_of(board.metric, raw)
    return values


# --- Backends ---------------------------------------------------------------------------------------


class Backend(Protocol):
    name: str

    def top(self, board: Board, *, hidden: set[int], count: int) -> list[tuple[int, Decimal]]:
        """The first `count` (user id, value) pairs of the board without `hidden`, in board order."""

    def value(self, board: Board, user_id: int) -> Decimal | None:
        """The user's value, or None when they are not on the board."""

    def count_above(self, board: Board, value: Decimal, *, hidden: set[int]) -> int:
        """How many people not in `hidden` have a strictly greater value."""

    def values(self, board: Board, user_ids: Iterable[int]) -> dict[int, Decimal]:
        """The values of these users (those on the board only)."""


class DatabaseBackend:
    """Aggregate queries over `DailySummary`; the streak is a gaps-and-islands window query."""

    name = "database"

    def _days(self, board: Board) -> QuerySet[DailySummary]:
        days = DailySummary.objects.filter(workouts__gt=0)
        if board.start is not None:
            days = days.filter(day__gte=board.start, day__lte=board.end)
        return days

    def _values_sql(self, board: Board) -> tuple[str, tuple]:
        """SQL giving (user_id, value) for everyone on the board, with its parameters."""
        if board.metric != "streak":
            total = Sum(COLUMNS[board.metric])
            if board.metric == "volume":
                total = Round(total, 2)
            rows = (
                self._days(board)
                .values("user_id")
                .annotate(value=total)
                .filter(value__gt=0)
                .values("user_id", "value")
            )
            return rows.query.sql_with_params()
        inner, params = self._days(board).values("user_id", "day").query.sql_with_params()
        if connection.vendor == "postgresql":
            day_number = "(s.day - DATE '2000-01-01')"
        else:
            day_number = "CAST(julianday(s.day) AS INTEGER)"
        # Only SQL compiled by the ORM and fixed fragments are interpolated; values are parameters.
        sql = (
            "SELECT r.user_id, MAX(r.run) AS value FROM ("  # noqa: S608
            " SELECT g.user_id, COUNT(*) AS run FROM ("
            f"  SELECT s.user_id, {day_number} - ROW_NUMBER() OVER"
            "   (PARTITION BY s.user_id ORDER BY s.day) AS island"
            f"  FROM ({inner}) s"
            " ) g GROUP BY g.user_id, g.island"
            ") r GROUP BY r.user_id"
        )
        return sql, params

    def _select(self, board: Board, where: str, params: tuple, tail: str = "") -> list[tuple]:
        sql, base = self._values_sql(board)
        with connection.cursor() as cursor:
            query = f"SELECT b.user_id, b.value FROM ({sql}) b {where} {tail}"  # noqa: S608 (as above)
            cursor.execute(query, (*base, *params))
            return cursor.fetchall()

    @staticmethod
    def _not_in(ids: set[int]) -> tuple[str, tuple]:
        if not ids:
            return "", ()
        return f"b.user_id NOT IN ({', '.join(['%s'] * len(ids))})", tuple(sorted(ids))

    def top(self, board: Board, *, hidden: set[int], count: int) -> list[tuple[int, Decimal]]:
        clause, params = self._not_in(hidden)
        rows = self._select(
            board,
            f"WHERE {clause}" if clause else "",
            (*params, count),
            "ORDER BY b.value DESC, b.user_id ASC LIMIT %s",
        )
        return [(user_id, value_of(board.metric, value)) for user_id, value in rows]

    def all(self, board: Board) -> list[tuple[int, Decimal]]:
        return [(user_id, value_of(board.metric, value)) for user_id, value in self._select(board, "", ())]

    def value(self, board: Board, user_id: int) -> Decimal | None:
        return self.values(board, [user_id]).get(user_id)

    def count_above(self, board: Board, value: Decimal, *, hidden: set[int]) -> int:
        clause, params = self._not_in(hidden)
        sql, base = self._values_sql(board)
        where = "WHERE b.value > %s" + (f" AND {clause}" if clause else "")
        with connection.cursor() as cursor:
            query = f"SELECT COUNT(*) FROM ({sql}) b {where}"  # noqa: S608 (compiled SQL, placeholders)
            cursor.execute(query, (*base, _sql_number(value), *params))
            return cursor.fetchone()[0]

    def values(self, board: Board, user_ids: Iterable[int]) -> dict[int, Decimal]:
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        rows = self._select(board, f"WHERE b.user_id IN ({', '.join(['%s'] * len(ids))})", tuple(ids))
        return {user_id: value_of(board.metric, value) for user_id, value in rows if value}


def _sql_number(value: Decimal) -> Any:
    # SQLite sums decimals as floats; PostgreSQL compares numerics exactly.
    return value if connection.vendor == "postgresql" else float(value)


@cache
def _client(url: str, timeout: float):
    import redis

    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def _member(user_id: int) -> str:
    return f"{user_id:012d}"


class RedisBackend:
    """Sorted sets per (metric, window); built from the database on first read, then kept current."""

    name = "redis"

    def __init__(self, url: str) -> None:
        self.redis = _client(url, soft_timeout())

    def ensure(self, board: Board) -> None:
        """Build the board from the database unless it is built (marker still alive)."""
        if self.redis.exists(f"{board.key}:built"):
            return
        rows = DatabaseBackend().all(board)
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(board.key)
        if rows:
            pipe.zadd(board.key, {_member(user_id): -float(value) for user_id, value in rows})
            pipe.expire(board.key, BUILT_TTL_SECONDS + 3600)
        pipe.set(f"{board.key}:built", "1", ex=BUILT_TTL_SECONDS)
        pipe.execute()

    def top(self, board: Board, *, hidden: set[int], count: int) -> list[tuple[int, Decimal]]:
        self.ensure(board)
        found: list[tuple[int, Decimal]] = []
        offset = 0
        while len(found) < count:
            chunk = self.redis.zrange(board.key, offset, offset + REDIS_CHUNK - 1, withscores=True)
            if not chunk:
                break
            for member, score in chunk:
                user_id = int(member)
                if user_id not in hidden:
                    found.append((user_id, value_of(board.metric, -score)))
            offset += REDIS_CHUNK
        return found[:count]

    def value(self, board: Board, user_id: int) -> Decimal | None:
        self.ensure(board)
        score = self.redis.zscore(board.key, _member(user_id))
        return None if score is None else value_of(board.metric, -score)

    def count_above(self, board: Board, value: Decimal, *, hidden: set[int]) -> int:
        self.ensure(board)
        score = -float(value)
        above = self.redis.zcount(board.key, "-inf", f"({score!r}")
        if hidden:
            scores = self.redis.zmscore(board.key, [_member(pk) for pk in sorted(hidden)])
            above -= sum(1 for other in scores if other is not None and other < score)
        return above

    def values(self, board: Board, user_ids: Iterable[int]) -> dict[int, Decimal]:
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        self.ensure(board)
        scores = self.redis.zmscore(board.key, [_member(pk) for pk in ids])
        return {pk: value_of(board.metric, -s) for pk, s in zip(ids, scores, strict=True) if s is not None}

    def forget(self, board: Board, user_ids: Iterable[int]) -> None:
        """Remove people from a board (accounts erased since it was built)."""
        self.redis.zrem(board.key, *[_member(pk) for pk in user_ids])

    def user_refresh(self, user_id: int) -> None:
        """Rewrite the member's entries on every built board of the current windows."""
        today = timezone.now().astimezone(UTC).date()
        boards = {
            board_for(metric=metric, period=period, today=day)
            for metric in METRICS
            for period in PERIODS
            # Any time zone's today is within a day of UTC's.
            for day in (today - timedelta(days=1), today, today + timedelta(days=1))
        }
        built = [board for board in boards if self.redis.exists(f"{board.key}:built")]
        if not built:
            return
        values = user_values(user_id=user_id, boards=built)
        pipe = self.redis.pipeline(transaction=False)
        for board in built:
            if values[board] > 0:
                pipe.zadd(board.key, {_member(user_id): -float(values[board])})
            else:
                pipe.zrem(board.key, _member(user_id))
        pipe.execute()


def _breaker(url: str) -> RedisBreaker:
    return breaker("leaderboards", url)


def backend() -> Backend:
    """Redis when `REDIS_URL` is set (and not known to be down), else the database."""
    url = getattr(settings, "REDIS_URL", "")
    return RedisBackend(url) if url and _breaker(url).allow() else DatabaseBackend()


def keeps_incremental_boards() -> bool:
    """Whether workout changes must be written to boards (only the Redis backend stores them)."""
    return bool(getattr(settings, "REDIS_URL", ""))


def user_refresh(*, user_id: int) -> None:
    """Bring the member's entries on the Redis boards up to date (nothing to do on the database)."""
    if not keeps_incremental_boards():
        return
    guard = _breaker(settings.REDIS_URL)
    if not guard.allow():
        return  # A missed update heals when the board's marker expires and it is rebuilt.
    try:
        RedisBackend(settings.REDIS_URL).user_refresh(user_id)
    except Exception as error:
        if _is_redis_error(error):
            guard.failed(error)
        logger.warning("Leaderboard update for user %s failed", user_id, exc_info=True)
    else:
        guard.succeeded()


# --- Reading ----------------------------------------------------------------------------------------


def _ranked(rows: list[tuple[int, Decimal]]) -> list[Standing]:
    """Competition ranks for rows already in board order."""
    standings: list[Standing] = []
    for position, (user_id, value) in enumerate(rows, start=1):
        rank = standings[-1].rank if standings and standings[-1].value == value else position
        standings.append(Standing(user_id, value, rank))
    return standings


def _users(ids: Iterable[int]) -> dict[int, User]:
    return {user.pk: user for user in User.objects.filter(pk__in=list(ids)).select_related("profile")}


def _global(
    engine: Backend, board: Board, *, viewer: User, scope: str, limit: int, hidden: set[int]
) -> tuple[list[Standing], Standing | None]:
    if scope == "friends":
        circle = friend_ids(user=viewer) | {viewer.pk}
        values = engine.values(board, circle - (hidden - {viewer.pk}))
        # `values` holds the shown friends and the viewer, shown or not: the viewer's rank among them.
        rows = sorted(values.items(), key=lambda item: (-item[1], item[0]))
        shown = _ranked([row for row in rows if row[0] not in hidden])
        me = next((s for s in _ranked(rows) if s.user_id == viewer.pk), None)
        return shown[:limit], me
    blocked = blocked_ids(user=viewer)
    shown = _ranked(engine.top(board, hidden=hidden, count=limit + len(blocked)))
    mine = engine.value(board, viewer.pk)
    me = None
    if mine is not None:
        me = next((s for s in shown if s.user_id == viewer.pk), None)
        if me is None:
            me = Standing(viewer.pk, mine, engine.count_above(board, mine, hidden=hidden) + 1)
    return [s for s in shown if s.user_id not in blocked][:limit], me


def leaderboard_global(
    *, viewer: User, metric: str, period: str, scope: str = "global", limit: int = DEFAULT_LIMIT, today: date
) -> Leaderboard:
    """A global or friends board (definitions in the module docstring)."""
    board = board_for(metric=metric, period=period, today=today)
    hidden = hidden_user_ids()
    engine = backend()
    try:
        entries, me = _global(engine, board, viewer=viewer, scope=scope, limit=limit, hidden=hidden)
        users = _users(s.user_id for s in entries)
        gone = {s.user_id for s in entries} - set(users)
        if gone and isinstance(engine, RedisBackend):
            # Erased accounts linger in Redis until the next rebuild: drop them and read again.
            engine.forget(board, gone)
            entries, me = _global(engine, board, viewer=viewer, scope=scope, limit=limit, hidden=hidden)
            users = _users(s.user_id for s in entries)
    except Exception as error:
        if isinstance(engine, DatabaseBackend) or not _is_redis_error(error):
            raise
        # The breaker logs the outage (rate-limited) and keeps the next requests off Redis.
        _breaker(settings.REDIS_URL).failed(error)
        engine = DatabaseBackend()
        entries, me = _global(engine, board, viewer=viewer, scope=scope, limit=limit, hidden=hidden)
        users = _users(s.user_id for s in entries)
    else:
        if isinstance(engine, RedisBackend):
            _breaker(settings.REDIS_URL).succeeded()
    return Leaderboard(
        entries=[s for s in entries if s.user_id in users],
        users=users,
        me=me,
        me_hidden=viewer.pk in hidden,
        start=board.start,
        end=board.end,
        backend=engine.name,
    )


def _is_redis_error(error: Exception) -> bool:
    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a pinned dependency
        return False
    return isinstance(error, redis.RedisError)


def leaderboard_for_challenge(
    *, viewer: User, challenge: Challenge, scope: str = "global", limit: int = DEFAULT_LIMIT
) -> Leaderboard:
    """A challenge's standings from its participants' stored scores (same rules as global boards)."""
    hidden = hidden_user_ids()
    participants = ChallengeParticipant.objects.filter(challenge=challenge)
    if scope == "friends":
        participants = participants.filter(user_id__in=friend_ids(user=viewer) | {viewer.pk})
        blocked: set[int] = set()
    else:
        blocked = blocked_ids(user=viewer)
    shown = participants.exclude(user_id__in=hidden)
    rows = list(
        shown.order_by("-score", "joined_at", "pk").values_list("user_id", "score")[: limit + len(blocked)]
    )
    standings = _ranked(rows)
    mine = participants.filter(user=viewer).values_list("score", flat=True).first()
    me = None
    if mine is not None:
        me = next((s for s in standings if s.user_id == viewer.pk), None)
        if me is None:
            me = Standing(viewer.pk, mine, shown.filter(score__gt=mine).count() + 1)
    entries = [s for s in standings if s.user_id not in blocked][:limit]
    return Leaderboard(
        entries=entries,
        users=_users(s.user_id for s in entries),
        me=me,
        me_hidden=viewer.pk in hidden,
        start=challenge.start_date,
        end=challenge.end_date,
        backend="database",
    )
