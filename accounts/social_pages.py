"""Pages of the member's social side: their profile photo, their friends, and finding people.

Like the API (`accounts.avatar_views`, `accounts.friend_views`) they only parse a form and call
`accounts.avatars`, `accounts.friendships` or `accounts.search`, under the same rules: a card
shows what anyone may see (never an e-mail address or a private field), someone who blocked the
member does not exist for them, and a refused action is a message on the page, never an error page.
Actions are small POST forms that come back to the page they were sent from.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts import avatars, friendships, search
from accounts.friendships import FriendListFilter, FriendshipNotFoundError, FriendshipStatus, Relation
from accounts.models import User
from accounts.profile_pages import member_initials, member_page, profile_context
from fitai.api.throttling import ScopedRateThrottle
from fitai.errors import DomainError

PEOPLE_PER_PAGE = 30

GET_ONLY = require_http_methods(["GET", "HEAD"])


# --- Profile photo ------------------------------------------------------------------------------


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label="Profile photo",
        error_messages={
            "required": "Choose a picture to upload.",
            "empty": "The file you chose is empty.",
        },
    )


def _profile_with_avatar_error(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    context = profile_context(request) | {"avatar_error": message}
    return render(request, "accounts/profile.html", context, status=status)


@require_POST
@member_page
def avatar_upload(request: HttpRequest) -> HttpResponse:
    """Replace your photo; a refused picture shows the reason on the profile page, with its status."""
    form = AvatarForm(request.POST, request.FILES)
    if not form.is_valid():
        return _profile_with_avatar_error(request, form.errors["avatar"][0], status=400)
    try:
        avatars.avatar_set(user=request.user, upload=form.cleaned_data["avatar"])
    except DomainError as error:  # too large (413), not a picture (415), damaged (400)
        return _profile_with_avatar_error(request, error.message, status=error.status_code)
    messages.success(request, "Your new photo is on your profile.")
    return redirect("accounts:profile")


@require_POST
@member_page
def avatar_remove(request: HttpRequest) -> HttpResponse:
    """Go back to your initials; the files are deleted."""
    avatars.avatar_remove(user=request.user)
    messages.success(request, "Your photo was removed.")
    return redirect("accounts:profile")


# --- People cards -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """A person as anyone may see them, and where the member stands with them.

    Templates get cards, never `User` rows, so no private field can slip onto a page.
    """

    public_id: str
    username: str
    display_name: str
    initials: str
    thumb_url: str | None
    status: FriendshipStatus
    since: datetime | None = None
    location: str | None = None


def _card(relation: Relation, *, with_location: bool = False) -> Card:
    """The card of `relation.user`; its profile must already be loaded (no query per card)."""
    user = relation.user
    _avatar_url, thumb_url = avatars.avatar_urls(friendships.profile_of(user))
    return Card(
        public_id=str(user.public_id),
        username=user.username,
        display_name=user.get_full_name() or user.username,
        initials=member_initials(user),
        thumb_url=thumb_url,
        status=relation.status,
        since=relation.since,
        location=search.location_visible_to(user=user, status=relation.status) if with_location else None,
    )


# --- Friends ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    filter: FriendListFilter
    since_label: str
    empty: str


TABS = {
    tab.key: tab
    for tab in (
        Tab("friends", "Friends", FriendListFilter.ACCEPTED, "Friends since", "No friends yet."),
        Tab("incoming", "Incoming requests", FriendListFilter.INCOMING, "Asked on", "No one is waiting."),
        Tab("sent", "Sent requests", FriendListFilter.OUTGOING, "Sent on", "No requests waiting."),
        Tab("blocked", "Blocked", FriendListFilter.BLOCKED, "Blocked on", "You blocked no one."),
    )
}
DEFAULT_TAB = "friends"


@GET_ONLY
@member_page
def friend_list(request: HttpRequest) -> HttpResponse:
    """Your friends, the requests you received or sent, or the people you blocked; newest first."""
    tab = TABS.get(request.GET.get("tab", ""), TABS[DEFAULT_TAB])
    rows = friendships.friendships_for_user(user=request.user, status=tab.filter)
    page = Paginator(rows, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    counts = friendships.friend_counts(user=request.user)
    context = {
        "tab": tab,
        "tabs": [
            (TABS["friends"], counts["friends"]),
            (TABS["incoming"], counts["incoming_requests"]),
            (TABS["sent"], counts["outgoing_requests"]),
            (TABS["blocked"], None),
        ],
        "page": page,
        "cards": [_card(friendships.relation_from_row(viewer=request.user, row=row)) for row in page],
    }
    return render(request, "accounts/friends.html", context)


# --- Search -------------------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Name, username, place or interest",
        max_length=search.QUERY_MAX_LENGTH,
        error_messages={"required": "Type a name or a username to look for."},
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class SearchScope:
    """The API's `search` throttle scope: the page and `GET /users/search` share one budget."""

    throttle_scope = "search"


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


@GET_ONLY
@member_page
def friend_search(request: HttpRequest) -> HttpResponse:
    """Find people to befriend: only those the API's search would show, with your status with each."""
    form = SearchForm(request.GET if "q" in request.GET else None)
    context: dict[str, Any] = {"form": form, "searched": False, "page": None, "cards": []}
    status = 200
    if form.is_valid():
        throttle = ScopedRateThrottle()
        if throttle.allow_request(request, SearchScope):
            ids = search.user_search(viewer=request.user, query=form.cleaned_data["q"])
            page = Paginator(ids, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
            users = search.users_for_cards(ids=list(page.object_list))
            statuses = friendships.friendship_status_between(viewer=request.user, others=users)
            context["searched"], context["page"] = True, page
            context["cards"] = [
                _card(Relation(user=user, status=statuses[user.pk]), with_location=True) for user in users
            ]
        else:
            form.add_error(None, f"Too many searches, try again in {_minutes(throttle.wait() or 60)}.")
            status = 429
    return render(request, "accounts/friends_search.html", context, status=status)


# --- Actions ------------------------------------------------------------------------------------

# The services' messages name the API's verbs in places; the pages say it their way.
PAGE_MESSAGES = {
    "not_request_recipient": "Only the person you asked can answer your request; you may cancel it.",
    "already_friends": "You are already friends.",
}


def _remove_if(user: User, other: User, *, expected: FriendshipStatus, nothing: str) -> None:
    """Remove the relation only if it is still what the button was for (a stale page changes nothing)."""
    if friendships.friendship_status_between(viewer=user, others=[other])[other.pk] != expected:
        raise FriendshipNotFoundError(nothing)
    friendships.friendship_remove(user=user, other=other)


def _request(user: User, other: User) -> str:
    relation, created = friendships.friendship_request(from_user=user, to_user=other)
    if created:
        return f"Friend request sent to @{other.username}."
    if relation.status == FriendshipStatus.FRIENDS:
        return f"You and @{other.username} are friends."
    return f"You already asked @{other.username}; they have not answered yet."


def _accept(user: User, other: User) -> str:
    friendships.friendship_accept(user=user, other=other)
    return f"You and @{other.username} are now friends."


def _decline(user: User, other: User) -> str:
    friendships.friendship_decline(user=user, other=other)
    return f"You declined @{other.username}'s request."


def _cancel(user: User, other: User) -> str:
    nothing = f"You have no request waiting with @{other.username}."
    _remove_if(user, other, expected=FriendshipStatus.REQUEST_SENT, nothing=nothing)
    return f"You cancelled your request to @{other.username}."


def _unfriend(user: User, other: User) -> str:
    nothing = f"You and @{other.username} are not friends."
    _remove_if(user, other, expected=FriendshipStatus.FRIENDS, nothing=nothing)
    return f"You and @{other.username} are no longer friends."


def _block(user: User, other: User) -> str:
    friendships.friendship_block(user=user, other=other)
    return f"You blocked @{other.username}: they can no longer find you or ask you to be friends."


def _unblock(user: User, other: User) -> str:
    nothing = f"You have not blocked @{other.username}."
    _remove_if(user, other, expected=FriendshipStatus.BLOCKED, nothing=nothing)
    return f"You unblocked @{other.username}."


ACTIONS = {
    "request": _request,
    "accept": _accept,
    "decline": _decline,
    "cancel": _cancel,
    "unfriend": _unfriend,
    "block": _block,
    "unblock": _unblock,
}


def _back(request: HttpRequest) -> str:
    """The friends or search page the form was on (`next`), else the friends page: no open redirect."""
    url = request.POST.get("next", "")
    pages = {reverse("accounts:friends"), reverse("accounts:friend-search")}
    # No allowed hosts: only a path on this site passes, never `//elsewhere` or `https://...`.
    if (
        url
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
        and urlsplit(url).path.rstrip("/") in pages
    ):
        return url
    return reverse("accounts:friends")


@require_POST
@member_page
def friend_action(request: HttpRequest, user_id: str, action: str) -> HttpResponse:
    """Ask, accept, decline, cancel, unfriend, block or unblock; the outcome is a message."""
    try:
        other = friendships.user_get_visible(viewer=request.user, public_id=user_id)
        messages.success(request, ACTIONS[action](request.user, other))
    except DomainError as error:  # no such user (or they blocked you), or the state forbids it
        messages.error(request, PAGE_MESSAGES.get(error.code, error.message))
    return redirect(_back(request))
