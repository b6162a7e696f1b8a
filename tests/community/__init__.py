"""Tests of the community app. Small helpers shared by its modules live here."""

from accounts.models import Friendship
from community.models import Activity
from tests.factories import UserFactory


def verified(**kwargs):
    """A member with a confirmed address (posting and commenting need one)."""
    return UserFactory(email_verified=True, **kwargs)


def make_friends(a, b) -> None:
    low, high = sorted([a, b], key=lambda user: user.pk)
    Friendship.objects.create(user_low=low, user_high=high, status="accepted", requested_by=a)


def block(blocker, other) -> None:
    low, high = sorted([blocker, other], key=lambda user: user.pk)
    Friendship.objects.create(
        user_low=low, user_high=high, status="blocked", requested_by=blocker, blocked_by=blocker
    )


def post(author, text="Leg day done.", visibility="friends", **fields) -> Activity:
    """A post written straight to the database (no filter, no throttle), for reading tests."""
    return Activity.objects.create(author=author, type="post", text=text, visibility=visibility, **fields)
