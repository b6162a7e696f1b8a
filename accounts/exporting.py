"""What a person's export holds from accounts: the account, profile, preferences, body metrics,
friendships and linked sign-in providers (registered in `AccountsConfig.ready()`).

Left out on purpose: e-mailed tokens and login sessions (security state, stored as digests) and
the admin's log (the operators' audit trail). A block someone placed on the user is theirs, not
the user's: it stays out, as it stays invisible everywhere else.
"""

from typing import Any

from django.contrib.admin.models import LogEntry
from django.db.models import Q

from accounts.avatars import avatar_urls
from accounts.friendships import FriendshipStatus
from accounts.models import AccountToken, BodyMetric, Friendship, Profile, SocialIdentity, TokenFamily, User
from accounts.preferences import preferences_resolve
from fitai import exporting

EXPORTED_MODELS = [User, Profile, BodyMetric, Friendship, SocialIdentity]
NOT_EXPORTED = {
    AccountToken: "Single-use e-mailed secrets, stored only as digests: nothing the person can use.",
    TokenFamily: "Login sessions: refresh-token rotation state, security data rather than content.",
    LogEntry: "The admin's audit trail of what staff did: the operators' record, not the person's.",
}


def _friendships(user: User):
    """The user's relations, without blocks the other person placed on them."""
    involving = Q(user_low=user) | Q(user_high=user)
    blocked_by_them = Q(status=Friendship.Status.BLOCKED) & ~Q(blocked_by=user)
    return Friendship.objects.filter(involving).exclude(blocked_by_them)


def _status(user: User, row: dict[str, Any]) -> str:
    if row["status"] == Friendship.Status.ACCEPTED:
        return FriendshipStatus.FRIENDS
    if row["status"] == Friendship.Status.BLOCKED:
        return FriendshipStatus.BLOCKED
    mine = row["requested_by_id"] == user.pk
    return FriendshipStatus.REQUEST_SENT if mine else FriendshipStatus.REQUEST_RECEIVED


def accounts_export(user: User) -> dict[str, list[dict[str, Any]]]:
    """The user's rows in accounts, as export tables."""
    profile = Profile.objects.filter(user=user).first()
    account = {
        "id": user.public_id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email_verified": user.email_verified,
        "email_verified_at": user.email_verified_at,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }
    profiles = []
    if profile is not None:
        avatar_url, avatar_thumb_url = avatar_urls(profile)
        profiles.append(
            {
                "bio": profile.bio,
                "birth_date": profile.birth_date,
                "height_cm": profile.height_cm,
                "fitness_level": profile.fitness_level,
                "location": profile.location,
                "interests": profile.interests,
                "avatar_url": avatar_url,
                "avatar_thumb_url": avatar_thumb_url,
                "searchable": profile.searchable,
                "profile_visibility": profile.profile_visibility,
                "updated_at": profile.updated_at,
            }
        )
    metrics = BodyMetric.objects.filter(user=user).order_by("measured_at", "created_at")
    friendships = []
    for row in (
        _friendships(user)
        .order_by("created_at", "pk")
        .values(
            "user_low_id",
            "user_low__public_id",
            "user_low__username",
            "user_high__public_id",
            "user_high__username",
            "status",
            "requested_by_id",
            "created_at",
            "updated_at",
        )
    ):
        side = "user_high" if row["user_low_id"] == user.pk else "user_low"
        friendships.append(
            {
                "user_id": row[f"{side}__public_id"],
                "username": row[f"{side}__username"],
                "status": _status(user, row),
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
            }
        )
    return {
        "account": [account],
        "profile": profiles,
        "preferences": [{"document": preferences_resolve(profile.preferences if profile else None)}],
        "body_metrics": list(
            metrics.values("id", "kind", "value", "unit", "measured_at", "note", "created_at")
        ),
        "friendships": friendships,
        "social_identities": list(
            SocialIdentity.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values("provider", "email", "created_at", "last_login_at")
        ),
    }


def accounts_export_count(user: User) -> int:
    """Rows `accounts_export` returns: account and preferences always, the rest as stored."""
    return (
        2
        + Profile.objects.filter(user=user).count()
        + BodyMetric.objects.filter(user=user).count()
        + _friendships(user).count()
        + SocialIdentity.objects.filter(user=user).count()
    )


def register_exporter() -> None:
    """Register the accounts exporter; called from `AccountsConfig.ready()`."""
    exporting.register(
        "accounts",
        accounts_export,
        count=accounts_export_count,
        models=EXPORTED_MODELS,
        excluded=NOT_EXPORTED,
    )
