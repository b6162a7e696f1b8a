"""Friendships: requests, answers, blocks, and the reads other apps use to respect them.

A pair of people has at most one `Friendship` row (pending, accepted or blocked). Every write
locks that row (`select_for_update`) and decides from what it finds, so concurrent requests
cannot leave two rows or a state nobody asked for; when the row does not exist yet, the pair's
unique constraint settles a race and the loser decides again from the winner's row.

Someone who blocked you is invisible to you: every read and write treats them as a user that
does not exist (404 `user_not_found`, never listed, never found in search).

Events (ids only, after commit; declared by `declare_events()` from `AccountsConfig.ready()`):
- `friendship.requested(from_user_id, to_user_id)`: a new request was sent;
- `friendship.accepted(from_user_id, to_user_id)`: the request `from_user_id` sent to
  `to_user_id` was accepted by `to_user_id` (notify `from_user_id`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import Friendship, Profile, User
from fitai import events
from fitai.errors import ConflictError, DomainError, NotFoundError

FRIENDSHIP_REQUESTED = "friendship.requested"
FRIENDSHIP_ACCEPTED = "friendship.accepted"

UserRef = User | int


class FriendshipStatus(StrEnum):
    """Where the viewer stands with another person, as the API names it."""

    NONE = "none"
    FRIENDS = "friends"
    REQUEST_SENT = "request_sent"
    REQUEST_RECEIVED = "request_received"
    BLOCKED = "blocked"  # the viewer blocked them


# Internal only: they blocked the viewer. Never shown; every caller turns it into "not found".
_BLOCKED_BY_THEM = "blocked_by_them"


class FriendListFilter(StrEnum):
    ACCEPTED = "accepted"
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    BLOCKED = "blocked"


class UserNotFoundError(NotFoundError):
    default_code = "user_not_found"
    default_message = "No such user."


class FriendshipNotFoundError(NotFoundError):
    default_code = "friendship_not_found"
    default_message = "You have no friendship, request or block with this user."


class SelfFriendshipError(DomainError):
    default_code = "self_friendship"
    default_message = "You cannot be friends with yourself."


class UserBlockedError(ConflictError):
    default_code = "user_blocked"
    default_message = "You blocked this user: unblock them first."


class NoPendingRequestError(ConflictError):
    default_code = "no_pending_request"
    default_message = "This user has not sent you a friend request."


class NotRequestRecipientError(ConflictError):
    default_code = "not_request_recipient"
    default_message = "Only the person you asked can answer your request; cancel it with DELETE."


class AlreadyFriendsError(ConflictError):
    default_code = "already_friends"
    default_message = "You are already friends; unfriend with DELETE."


class ConcurrentChangeError(ConflictError):
    default_code = "concurrent_change"
    default_message = "The friendship changed while we were updating it. Try again."


@dataclass(frozen=True)
class Relation:
    """Another person and where the viewer stands with them; `since` is when that state began."""

    user: User
    status: FriendshipStatus
    since: datetime | None = None


def declare_events() -> None:
    """Declare the events this module emits; call from `AccountsConfig.ready()` (idempotent)."""
    events.declare(FRIENDSHIP_REQUESTED, FRIENDSHIP_ACCEPTED)


def _pk(user: UserRef) -> int:
    return user if isinstance(user, int) else user.pk


def _pair(a: UserRef, b: UserRef) -> tuple[int, int]:
    """The pair as stored: the smaller pk first."""
    a_pk, b_pk = _pk(a), _pk(b)
    return (a_pk, b_pk) if a_pk < b_pk else (b_pk, a_pk)


def _involving(user: UserRef) -> Q:
    return Q(user_low=_pk(user)) | Q(user_high=_pk(user))


def _with_active_other(user_pk: int) -> Q:
    """Rows of the user's pairs whose other person is active (deactivated accounts are hidden)."""
    return Q(user_low=user_pk, user_high__is_active=True) | Q(user_high=user_pk, user_low__is_active=True)


def _status_seen_by(viewer_id: int, *, status: str, requested_by_id: int, blocked_by_id: int | None) -> str:
    if status == Friendship.Status.ACCEPTED:
        return FriendshipStatus.FRIENDS
    if status == Friendship.Status.PENDING:
        return (
            FriendshipStatus.REQUEST_SENT
            if requested_by_id == viewer_id
            else FriendshipStatus.REQUEST_RECEIVED
        )
    return FriendshipStatus.BLOCKED if blocked_by_id == viewer_id else _BLOCKED_BY_THEM


def _row_status(viewer: User, row: Friendship | None) -> str:
    if row is None:
        return FriendshipStatus.NONE
    return _status_seen_by(
        viewer.pk, status=row.status, requested_by_id=row.requested_by_id, blocked_by_id=row.blocked_by_id
    )


# --- Selectors -----------------------------------------------------------------------------------


def blocked_between(viewer: UserRef, other: int | OuterRef) -> Q:
    """Friendship rows that block the pair (viewer, `other`), `other` being a pk or `OuterRef`."""
    viewer_pk = _pk(viewer)
    return Q(status=Friendship.Status.BLOCKED) & (
        Q(user_low=viewer_pk, user_high=other) | Q(user_high=viewer_pk, user_low=other)
    )


def accepted_between(viewer: UserRef, other: int | OuterRef) -> Q:
    """Friendship rows that make the pair (viewer, `other`) friends, `other` a pk or `OuterRef`."""
    viewer_pk = _pk(viewer)
    return Q(status=Friendship.Status.ACCEPTED) & (
        Q(user_low=viewer_pk, user_high=other) | Q(user_high=viewer_pk, user_low=other)
    )


def user_get_visible(*, viewer: User, public_id: UUID | None = None, username: str | None = None) -> User:
    """The active user named by public id or username (any case), with their profile.

    Raise `UserNotFoundError` when there is none, or when they blocked the viewer: the blocked
    person learns nothing.
    """
    users = User.objects.filter(is_active=True).select_related("profile")
    if public_id is not None:
        users = users.filter(public_id=public_id)
    elif username:
        users = users.filter(username__iexact=username)
    else:
        raise UserNotFoundError()
    blocked_me = Friendship.objects.filter(blocked_between(viewer, OuterRef("pk")), blocked_by=OuterRef("pk"))
    other = users.exclude(Exists(blocked_me)).first()
    if other is None:
        raise UserNotFoundError()
    return other


def friendship_status_between(*, viewer: UserRef, others: Iterable[UserRef]) -> dict[int, FriendshipStatus]:
    """Map each of `others` (users or pks) to the viewer's status with them, in one query.

    People who blocked the viewer map to `none`, as strangers do: callers that list people must
    leave them out with `blocked_ids()` (or a `blocked_between` filter), never reveal them.
    """
    viewer_pk = _pk(viewer)
    other_pks = {_pk(other) for other in others}
    statuses = dict.fromkeys(other_pks, FriendshipStatus.NONE)
    if not other_pks:
        return statuses
    rows = Friendship.objects.filter(
        Q(user_low=viewer_pk, user_high__in=other_pks) | Q(user_high=viewer_pk, user_low__in=other_pks)
    ).values_list("user_low_id", "user_high_id", "status", "requested_by_id", "blocked_by_id")
    for low, high, status, requested_by_id, blocked_by_id in rows:
        seen = _status_seen_by(
            viewer_pk, status=status, requested_by_id=requested_by_id, blocked_by_id=blocked_by_id
        )
        if seen != _BLOCKED_BY_THEM:
            statuses[high if low == viewer_pk else low] = FriendshipStatus(seen)
    return statuses


def friend_ids(*, user: UserRef) -> set[int]:
    """The pks of the user's accepted friends (for feeds and visibility checks)."""
    user_pk = _pk(user)
    rows = Friendship.objects.filter(_involving(user_pk), status=Friendship.Status.ACCEPTED)
    return {high if low == user_pk else low for low, high in rows.values_list("user_low_id", "user_high_id")}


def blocked_ids(*, user: UserRef) -> set[int]:
    """The pks of everyone the user blocked or who blocked the user: hide them from each other."""
    user_pk = _pk(user)
    rows = Friendship.objects.filter(_involving(user_pk), status=Friendship.Status.BLOCKED)
    return {high if low == user_pk else low for low, high in rows.values_list("user_low_id", "user_high_id")}


def are_friends(*, user: UserRef, other: UserRef) -> bool:
    low, high = _pair(user, other)
    return Friendship.objects.filter(user_low=low, user_high=high, status=Friendship.Status.ACCEPTED).exists()


def friend_counts(*, user: UserRef) -> dict[str, int]:
    """Friends and pending requests both ways, with active people only, in one query."""
    user_pk = _pk(user)
    pending = Q(status=Friendship.Status.PENDING)
    return Friendship.objects.filter(_with_active_other(user_pk)).aggregate(
        friends=Count("pk", filter=Q(status=Friendship.Status.ACCEPTED)),
        incoming_requests=Count("pk", filter=pending & ~Q(requested_by=user_pk)),
        outgoing_requests=Count("pk", filter=pending & Q(requested_by=user_pk)),
    )


def friendships_for_user(*, user: User, status: FriendListFilter) -> QuerySet[Friendship]:
    """The user's relations of one kind with active people, newest first, both users' profiles joined.

    `blocked` lists only the people the user blocked, never those who blocked the user.
    """
    kinds = {
        FriendListFilter.ACCEPTED: Q(status=Friendship.Status.ACCEPTED),
        FriendListFilter.INCOMING: Q(status=Friendship.Status.PENDING) & ~Q(requested_by=user.pk),
        FriendListFilter.OUTGOING: Q(status=Friendship.Status.PENDING, requested_by=user.pk),
        FriendListFilter.BLOCKED: Q(status=Friendship.Status.BLOCKED, blocked_by=user.pk),
    }
    return (
        Friendship.objects.filter(_with_active_other(user.pk), kinds[status])
        .select_related("user_low__profile", "user_high__profile")
        .order_by("-updated_at", "-pk")
    )


def relation_from_row(*, viewer: User, row: Friendship) -> Relation:
    """The other person of a row from `friendships_for_user`, as the viewer sees them."""
    other = row.user_high if row.user_low_id == viewer.pk else row.user_low
    return Relation(user=other, status=FriendshipStatus(_row_status(viewer, row)), since=row.updated_at)


def profile_of(user: User) -> Profile | None:
    """The user's profile, or None when they have none yet (defaults apply)."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


# --- Services ------------------------------------------------------------------------------------


def _lock_row(a: User, b: User) -> Friendship | None:
    """The pair's row, locked until the transaction ends; call inside `transaction.atomic`."""
    low, high = _pair(a, b)
    return Friendship.objects.select_for_update().filter(user_low=low, user_high=high).first()


def _insert_row(a: User, b: User, **fields) -> Friendship | None:
    """Insert the pair's row, or return None when a concurrent transaction inserted it first."""
    low, high = _pair(a, b)
    try:
        with transaction.atomic():  # a savepoint: the outer transaction survives the collision
            return Friendship.objects.create(user_low_id=low, user_high_id=high, **fields)
    except IntegrityError:
        return None


def _check_other(user: User, other: User) -> None:
    if user.pk == other.pk:
        raise SelfFriendshipError()


def _relation(other: User, status: FriendshipStatus, row: Friendship | None) -> Relation:
    return Relation(user=other, status=status, since=row.updated_at if row is not None else None)


def _visible_status(user: User, row: Friendship | None) -> FriendshipStatus:
    """The user's status in `row`; someone who blocked the user does not exist for them."""
    status = _row_status(user, row)
    if status == _BLOCKED_BY_THEM:
        raise UserNotFoundError()
    return FriendshipStatus(status)


def _accept(row: Friendship, *, accepted_by: User) -> None:
    """Accept the pending request in the locked `row` and tell its sender after commit."""
    row.status = Friendship.Status.ACCEPTED
    row.save(update_fields=["status", "updated_at"])
    events.emit(FRIENDSHIP_ACCEPTED, from_user_id=row.requested_by_id, to_user_id=accepted_by.pk)


@transaction.atomic
def friendship_request(*, from_user: User, to_user: User) -> tuple[Relation, bool]:
    """Ask `to_user` to be friends; return the relation and whether a new request was created.

    If they already asked, this accepts their request; asking again, or asking a friend, changes
    nothing. Someone who blocked `from_user` is not found; someone `from_user` blocked is a conflict.
    """
    _check_other(from_user, to_user)
    row = _lock_row(from_user, to_user)
    if row is None:
        row = _insert_row(from_user, to_user, status=Friendship.Status.PENDING, requested_by=from_user)
        if row is not None:
            events.emit(FRIENDSHIP_REQUESTED, from_user_id=from_user.pk, to_user_id=to_user.pk)
            return _relation(to_user, FriendshipStatus.REQUEST_SENT, row), True
        # A concurrent request for the same pair won: decide from its row.
        row = _lock_row(from_user, to_user)
        if row is None:
            raise ConcurrentChangeError()
    status = _visible_status(from_user, row)
    if status == FriendshipStatus.BLOCKED:
        raise UserBlockedError()
    if status == FriendshipStatus.REQUEST_RECEIVED:
        _accept(row, accepted_by=from_user)
        status = FriendshipStatus.FRIENDS
    return _relation(to_user, status, row), False


@transaction.atomic
def friendship_accept(*, user: User, other: User) -> Relation:
    """Accept the request `other` sent to `user`; accepting again is a no-op."""
    _check_other(user, other)
    row = _lock_row(user, other)
    status = _visible_status(user, row)
    if status == FriendshipStatus.REQUEST_RECEIVED:
        _accept(row, accepted_by=user)
        status = FriendshipStatus.FRIENDS
    elif status == FriendshipStatus.REQUEST_SENT:
        raise NotRequestRecipientError()
    elif status == FriendshipStatus.BLOCKED:
        raise UserBlockedError()
    elif status == FriendshipStatus.NONE:
        raise NoPendingRequestError()
    return _relation(other, status, row)


@transaction.atomic
def friendship_decline(*, user: User, other: User) -> Relation:
    """Turn down the request `other` sent to `user` (the row goes; `other` may ask again).

    Declining when there is nothing to decline is a no-op, so a retried decline succeeds.
    """
    _check_other(user, other)
    row = _lock_row(user, other)
    status = _visible_status(user, row)
    if status == FriendshipStatus.REQUEST_RECEIVED:
        row.delete()
    elif status == FriendshipStatus.REQUEST_SENT:
        raise NotRequestRecipientError()
    elif status == FriendshipStatus.FRIENDS:
        raise AlreadyFriendsError()
    elif status == FriendshipStatus.BLOCKED:
        raise UserBlockedError()
    return Relation(user=other, status=FriendshipStatus.NONE)


@transaction.atomic
def friendship_block(*, user: User, other: User) -> Relation:
    """Block `other` from any state: a friendship or request between them ends; blocking again is a no-op."""
    _check_other(user, other)
    row = _lock_row(user, other)
    if row is None:
        fields = {"status": Friendship.Status.BLOCKED, "requested_by": user, "blocked_by": user}
        row = _insert_row(user, other, **fields)
        if row is not None:
            return _relation(other, FriendshipStatus.BLOCKED, row)
        row = _lock_row(user, other)
        if row is None:
            raise ConcurrentChangeError()
    if _visible_status(user, row) != FriendshipStatus.BLOCKED:
        row.status = Friendship.Status.BLOCKED
        row.requested_by = row.blocked_by = user
        row.save(update_fields=["status", "requested_by", "blocked_by", "updated_at"])
    return _relation(other, FriendshipStatus.BLOCKED, row)


@transaction.atomic
def friendship_remove(*, user: User, other: User) -> None:
    """Unfriend, cancel or refuse a request, or unblock; only the blocker can lift a block."""
    _check_other(user, other)
    row = _lock_row(user, other)
    if row is None:
        raise FriendshipNotFoundError()
    _visible_status(user, row)  # the blocked person gets "no such user"
    row.delete()
