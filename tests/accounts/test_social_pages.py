"""The member's social pages: profile photo upload and removal, friend lists and their actions, search."""

import io
import re
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from accounts import avatars, friendships, search
from accounts.models import Friendship, Profile, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FRIENDS, SEARCH, PROFILE = "/accounts/friends", "/accounts/friends/search", "/accounts/profile"
AVATAR, AVATAR_REMOVE = "/accounts/profile/avatar", "/accounts/profile/avatar/remove"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def _declared_events():
    friendships.declare_events()


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Each test stores its files in a folder of its own, so it can see exactly what was written."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def member(client):
    member = UserFactory(username="lifter", first_name="Ada", last_name="Moss", email="ada@example.com")
    client.force_login(member)
    return member


def person(username: str, first_name: str = "", last_name: str = "", **profile) -> User:
    user = UserFactory(
        username=username, first_name=first_name, last_name=last_name, email=f"{username}@secret.example"
    )
    if profile:
        Profile.objects.create(user=user, **profile)
    return user


def _html(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _action(client, other: User, action: str, next_url: str = FRIENDS):
    return client.post(f"{FRIENDS}/{other.public_id}/{action}", {"next": next_url})


def _row(a: User, b: User) -> Friendship | None:
    low, high = sorted([a.pk, b.pk])
    return Friendship.objects.filter(user_low=low, user_high=high).first()


def _card_usernames(html: str) -> list[str]:
    return re.findall(r'<p class="person-username">@([\w.]+)</p>', html)


def _stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def _jpeg(size=(600, 400)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (255, 0, 0)).save(buffer, "JPEG")
    return buffer.getvalue()


def _upload(client, content: bytes, name: str = "me.jpg", content_type: str = "image/jpeg"):
    return client.post(AVATAR, {"avatar": SimpleUploadedFile(name, content, content_type)})


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (FRIENDS, "No friends yet."),
        (FRIENDS + "?tab=incoming", "No one is waiting."),
        (FRIENDS + "?tab=sent", "No requests waiting."),
        (FRIENDS + "?tab=blocked", "You blocked no one."),
        (FRIENDS + "/", "No friends yet."),
        (SEARCH, "Look for people by name"),
        (SEARCH + "/", "Look for people by name"),
    ],
)
def test_friend_pages_render_for_a_member(client, member, path, text):
    response = client.get(path)
    assert response.status_code == 200
    assert text in _html(response)
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("path", [FRIENDS, SEARCH])
def test_friend_pages_send_anonymous_visitors_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login?next={path}"


def test_anonymous_actions_go_to_log_in_and_change_nothing(client):
    ana, ben = UserFactory(), UserFactory()
    friendships.friendship_request(from_user=ana, to_user=ben)
    for path in (f"{FRIENDS}/{ana.public_id}/accept", AVATAR, AVATAR_REMOVE):
        response = client.post(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login?next=")
    assert _row(ana, ben).status == Friendship.Status.PENDING


def test_actions_answer_post_only(client, member):
    other = person("other")
    assert client.get(f"{FRIENDS}/{other.public_id}/request").status_code == 405
    assert client.get(AVATAR).status_code == 405
    assert _row(member, other) is None


def test_an_unknown_action_or_a_malformed_id_is_not_found(client, member):
    other = person("other")
    assert client.post(f"{FRIENDS}/{other.public_id}/befriend").status_code == 404
    assert client.post(f"{FRIENDS}/not-a-uuid/request").status_code == 404
    assert _row(member, other) is None


def test_nav_links_the_friends_page_for_members_only(client, member):
    assert 'href="/accounts/friends"' in _html(client.get("/"))
    html = _html(client.get(SEARCH))
    assert '<a href="/accounts/friends" aria-current="page">Friends</a>' in html
    client.logout()
    assert 'href="/accounts/friends"' not in _html(client.get("/"))


# --- Friend lists -------------------------------------------------------------------------------


@pytest.fixture
def circle(member):
    """One person in each of the member's lists, and one who blocked the member."""
    people = {
        "friend": person("friendly", "Fay", "Lee"),
        "incoming": person("asker", "Abe", "Ask"),
        "sent": person("askee", "Eve", "Wait"),
        "blocked": person("pest", "Pat", "Pest"),
        "blocker": person("blocker", "Bo", "Block"),
    }
    friendships.friendship_request(from_user=people["friend"], to_user=member)
    friendships.friendship_accept(user=member, other=people["friend"])
    friendships.friendship_request(from_user=people["incoming"], to_user=member)
    friendships.friendship_request(from_user=member, to_user=people["sent"])
    friendships.friendship_block(user=member, other=people["blocked"])
    friendships.friendship_block(user=people["blocker"], other=member)
    return people


@pytest.mark.parametrize(
    ("tab", "expected", "since_label", "buttons"),
    [
        ("", "friendly", "Friends since", ["Unfriend", "Block"]),
        ("friends", "friendly", "Friends since", ["Unfriend", "Block"]),
        ("incoming", "asker", "Asked on", ["Accept", "Decline"]),
        ("sent", "askee", "Sent on", ["Cancel request"]),
        ("blocked", "pest", "Blocked on", ["Unblock"]),
        ("nonsense", "friendly", "Friends since", ["Unfriend", "Block"]),
    ],
)
def test_each_tab_lists_its_people_with_their_actions(client, circle, tab, expected, since_label, buttons):
    html = _html(client.get(FRIENDS, {"tab": tab}))
    assert _card_usernames(html) == [expected]
    assert since_label in html
    assert re.findall(
        r'<button type="submit" class="button button-small[^"]*"[^>]*>([^<]+)</button>', html
    ) == (buttons)
    assert "blocker" not in html
    assert "@secret.example" not in html


def test_tabs_show_the_counts_and_the_incoming_requests_stand_out(client, circle):
    html = _html(client.get(FRIENDS))
    assert '<a href="?tab=friends" aria-current="page">' in html
    assert re.search(r'tab=incoming">\s*Incoming requests <span class="tab-count tab-count-alert">1<', html)
    assert re.search(r'tab=sent">\s*Sent requests <span class="tab-count">1<', html)


def test_a_card_shows_the_name_username_since_and_photo_or_initials(client, member):
    friend = person("friendly", "Fay", "Lee")
    friendships.friendship_request(from_user=member, to_user=friend)
    friendships.friendship_accept(user=friend, other=member)
    html = _html(client.get(FRIENDS))
    assert '<p class="person-name">Fay Lee</p>' in html
    assert re.search(r'<div class="person-avatar" aria-hidden="true">\s*FL\s*</div>', html)
    assert re.search(r'Friends since <time datetime="\d{4}-\d\d-\d\dT', html)
    avatars.avatar_set(user=friend, upload=SimpleUploadedFile("a.jpg", _jpeg(), "image/jpeg"))
    thumb = Profile.objects.get(user=friend).avatar_thumb
    html = _html(client.get(FRIENDS))
    assert f'<img src="/media/{thumb}"' in html


def test_someone_without_a_name_is_shown_by_username(client, member):
    nameless = person("nameless")
    friendships.friendship_request(from_user=nameless, to_user=member)
    html = _html(client.get(FRIENDS, {"tab": "incoming"}))
    assert '<p class="person-name">nameless</p>' in html


def test_the_friend_list_costs_the_same_queries_for_one_friend_or_many(client, member):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(FRIENDS).status_code == 200
        return len(captured)

    first = person("first", "F", "One", location="Faro")
    friendships.friendship_request(from_user=first, to_user=member)
    friendships.friendship_accept(user=member, other=first)
    client.get(FRIENDS)  # the first visit creates the member's profile
    one = queries()
    for number in range(6):
        other = person(f"friend{number}", "F", str(number), location="Faro")
        friendships.friendship_request(from_user=member, to_user=other)
        friendships.friendship_accept(user=other, other=member)
    assert queries() == one


# --- Actions ------------------------------------------------------------------------------------


def test_add_friend_from_search_sends_a_request_and_comes_back(client, member):
    other = person("bob", "Bob", "Stone")
    back = f"{SEARCH}?q=bob"
    response = _action(client, other, "request", back)
    assert response.status_code == 302
    assert response["Location"] == back
    assert _messages(response) == ["Friend request sent to @bob."]
    row = _row(member, other)
    assert (row.status, row.requested_by_id) == (Friendship.Status.PENDING, member.pk)


def test_add_friend_when_they_asked_first_makes_friends(client, member):
    other = person("bob")
    friendships.friendship_request(from_user=other, to_user=member)
    response = _action(client, other, "request")
    assert _messages(response) == ["You and @bob are friends."]
    assert _row(member, other).status == Friendship.Status.ACCEPTED


def test_accept_makes_friends(client, member):
    other = person("bob")
    friendships.friendship_request(from_user=other, to_user=member)
    response = _action(client, other, "accept", FRIENDS + "?tab=incoming")
    assert response["Location"] == FRIENDS + "?tab=incoming"
    assert _messages(response) == ["You and @bob are now friends."]
    assert _row(member, other).status == Friendship.Status.ACCEPTED
    assert _card_usernames(_html(client.get(FRIENDS))) == ["bob"]


def test_decline_removes_the_request(client, member):
    other = person("bob")
    friendships.friendship_request(from_user=other, to_user=member)
    response = _action(client, other, "decline")
    assert _messages(response) == ["You declined @bob's request."]
    assert _row(member, other) is None


def test_cancel_withdraws_a_sent_request(client, member):
    other = person("bob")
    friendships.friendship_request(from_user=member, to_user=other)
    response = _action(client, other, "cancel")
    assert _messages(response) == ["You cancelled your request to @bob."]
    assert _row(member, other) is None


def test_unfriend_ends_the_friendship(client, member):
    other = person("bob")
    friendships.friendship_request(from_user=member, to_user=other)
    friendships.friendship_accept(user=other, other=member)
    response = _action(client, other, "unfriend")
    assert _messages(response) == ["You and @bob are no longer friends."]
    assert _row(member, other) is None


def test_block_turns_a_friendship_into_a_block_and_unblock_lifts_it(client, member):
    other = person("bob")
    friendships.friendship_request(from_user=member, to_user=other)
    friendships.friendship_accept(user=other, other=member)
    response = _action(client, other, "block")
    assert _messages(response)[0].startswith("You blocked @bob")
    row = _row(member, other)
    assert (row.status, row.blocked_by_id) == (Friendship.Status.BLOCKED, member.pk)
    assert _card_usernames(_html(client.get(FRIENDS, {"tab": "blocked"}))) == ["bob"]
    response = _action(client, other, "unblock", FRIENDS + "?tab=blocked")
    assert _messages(response) == ["You unblocked @bob."]
    assert _row(member, other) is None


@pytest.mark.parametrize("action", ["request", "accept", "decline", "cancel", "unfriend", "block", "unblock"])
def test_someone_who_blocked_you_is_not_found_and_stays_blocked(client, member, action):
    blocker = person("blocker")
    friendships.friendship_block(user=blocker, other=member)
    response = _action(client, blocker, action)
    assert response.status_code == 302
    assert _messages(response) == ["No such user."]
    row = _row(member, blocker)
    assert (row.status, row.blocked_by_id) == (Friendship.Status.BLOCKED, blocker.pk)


@pytest.mark.parametrize("action", ["request", "accept", "block"])
def test_an_unknown_or_deactivated_person_is_not_found(client, member, action):
    gone = person("gone")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    for user_id in (UNKNOWN_ID, gone.public_id):
        response = client.post(f"{FRIENDS}/{user_id}/{action}")
        assert response.status_code == 302
        assert _messages(response)[-1] == "No such user."
    assert not Friendship.objects.exists()


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("accept", "This user has not sent you a friend request."),
        ("cancel", "You have no request waiting with @stranger."),
        ("unfriend", "You and @stranger are not friends."),
        ("unblock", "You have not blocked @stranger."),
    ],
)
def test_actions_on_a_stranger_say_why_and_change_nothing(client, member, action, message):
    stranger = person("stranger")
    response = _action(client, stranger, action)
    assert response.status_code == 302
    assert _messages(response) == [message]
    assert _row(member, stranger) is None


def test_a_stale_cancel_button_does_not_unfriend(client, member):
    other = person("bob")
    friendships.friendship_request(from_user=member, to_user=other)
    friendships.friendship_accept(user=other, other=member)  # accepted while the page was open
    response = _action(client, other, "cancel")
    assert _messages(response) == ["You have no request waiting with @bob."]
    assert _row(member, other).status == Friendship.Status.ACCEPTED


def test_the_sender_cannot_accept_their_own_request(client, member):
    other = person("bob")
    friendships.friendship_request(from_user=member, to_user=other)
    response = _action(client, other, "accept")
    assert _messages(response) == ["Only the person you asked can answer your request; you may cancel it."]
    assert _row(member, other).status == Friendship.Status.PENDING


def test_asking_someone_you_blocked_says_to_unblock_first(client, member):
    other = person("bob")
    friendships.friendship_block(user=member, other=other)
    response = _action(client, other, "request")
    assert _messages(response) == ["You blocked this user: unblock them first."]
    assert _row(member, other).status == Friendship.Status.BLOCKED


def test_you_cannot_befriend_yourself(client, member):
    response = _action(client, member, "request")
    assert _messages(response) == ["You cannot be friends with yourself."]
    assert not Friendship.objects.exists()


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/friends", "//evil.example/accounts/friends", "/accounts/profile", ""]
)
def test_actions_only_come_back_to_the_friend_pages(client, member, next_url):
    response = _action(client, person("bob"), "request", next_url)
    assert response["Location"] == FRIENDS


# --- Search -------------------------------------------------------------------------------------


def test_search_shows_whom_the_api_would_find_with_their_status_and_no_email(client, member):
    stranger = person("bobstranger", "Bob", "Stone")
    asked_me = person("bobasker", "Bob", "Ask")
    friendships.friendship_request(from_user=asked_me, to_user=member)
    asked = person("bobaskee", "Bob", "Wait")
    friendships.friendship_request(from_user=member, to_user=asked)
    friend = person("bobfriend", "Bob", "Pal")
    friendships.friendship_request(from_user=member, to_user=friend)
    friendships.friendship_accept(user=friend, other=member)
    person("bobhidden", "Bob", "Hidden", searchable=False)
    blocker = person("bobblocker", "Bob", "Blocker")
    friendships.friendship_block(user=blocker, other=member)
    blocked = person("bobblocked", "Bob", "Blocked")
    friendships.friendship_block(user=member, other=blocked)
    inactive = person("bobgone", "Bob", "Gone")
    User.objects.filter(pk=inactive.pk).update(is_active=False)

    response = client.get(SEARCH, {"q": "bob"})
    assert response.status_code == 200
    html = _html(response)
    shown = _card_usernames(html)
    ranked = search.user_search(viewer=member, query="bob")
    assert shown == [User.objects.get(pk=pk).username for pk in ranked]
    assert sorted(shown) == ["bobaskee", "bobasker", "bobfriend", "bobstranger"]
    statuses = dict(
        re.findall(r'data-friendship-status="(\w+)">\s*(?:<span class="badge[^"]*">([^<]+))?', html)
    )
    assert statuses == {
        "none": "",
        "request_received": "Asked you",
        "request_sent": "Request sent",
        "friends": "Friends",
    }
    assert f'action="/accounts/friends/{stranger.public_id}/request"' in html
    assert f'action="/accounts/friends/{asked_me.public_id}/accept"' in html
    assert f'action="/accounts/friends/{asked.public_id}/cancel"' in html
    assert f"/accounts/friends/{friend.public_id}/" not in html
    assert "4 people found" in html
    assert "@secret.example" not in html
    assert "@example.com" not in html.replace(member.email, "")


def test_search_shows_a_location_only_where_the_profile_is_visible(client, member):
    person("runpub", "Run", "Pub", location="Lisbon", profile_visibility="public")
    person("runpriv", "Run", "Priv", location="Porto", profile_visibility="private")
    html = _html(client.get(SEARCH, {"q": "run"}))
    assert sorted(_card_usernames(html)) == ["runpriv", "runpub"]
    assert "Lisbon" in html
    assert "Porto" not in html


def test_search_forms_carry_the_query_back_to_the_results(client, member):
    other = person("bob", "Bob", "Stone")
    html = _html(client.get(SEARCH, {"q": "bob"}))
    assert '<input type="hidden" name="next" value="/accounts/friends/search?q=bob">' in html
    response = _action(client, other, "request", f"{SEARCH}?q=bob")
    assert response["Location"] == f"{SEARCH}?q=bob"


def test_a_search_with_no_match_says_so(client, member):
    html = _html(client.get(SEARCH, {"q": "zzyzx"}))
    assert "No one matches" in html
    assert _card_usernames(html) == []


@pytest.mark.parametrize(
    ("q", "error"),
    [
        ("", "Type a name or a username to look for."),
        ("   ", "Type a name or a username to look for."),
        ("b" * 101, "at most 100 characters"),
    ],
)
def test_a_blank_or_overlong_query_is_a_form_error_and_no_search(client, member, monkeypatch, q, error):
    person("bob", "Bob", "Stone")

    def refuse(**kwargs):
        pytest.fail("searched with an invalid query")

    monkeypatch.setattr(search, "user_search", refuse)
    response = client.get(SEARCH, {"q": q})
    assert response.status_code == 200
    html = _html(response)
    assert error in html
    assert "field-invalid" in html
    assert _card_usernames(html) == []


def test_search_shares_the_apis_throttle(client, member, settings):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] | {"search": "2/min"}
    }
    person("bob", "Bob", "Stone")
    assert client.get(SEARCH, {"q": "bob"}).status_code == 200
    assert client.get(SEARCH, {"q": "bob"}).status_code == 200
    response = client.get(SEARCH, {"q": "bob"})
    assert response.status_code == 429
    assert "Too many searches, try again in 1 minute." in _html(response)
    assert _card_usernames(_html(response)) == []


# --- Profile photo ------------------------------------------------------------------------------


def test_profile_offers_a_photo_upload_form(client, member):
    html = _html(client.get(PROFILE))
    assert re.search(
        r'<form class="avatar-form" method="post" action="/accounts/profile/avatar" '
        r'enctype="multipart/form-data">',
        html,
    )
    assert 'accept="image/jpeg,image/png,image/webp"' in html
    assert "Remove photo" not in html


def test_uploading_a_photo_stores_it_and_shows_it_on_the_profile(client, member, media):
    response = _upload(client, _jpeg())
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert _messages(response) == ["Your new photo is on your profile."]
    profile = Profile.objects.get(user=member)
    assert profile.avatar.endswith("-512.webp")
    assert profile.avatar_thumb.endswith("-128.webp")
    assert len(_stored_files(media)) == 2
    html = _html(client.get(PROFILE))
    assert f'<img class="avatar-image" src="/media/{profile.avatar_thumb}"' in html
    assert f"/media/{profile.avatar} 512w" in html
    assert "Remove photo" in html


@pytest.mark.parametrize(
    ("content", "name", "status", "message"),
    [
        (
            b"just some text, honestly\n" * 20,
            "notes.txt",
            415,
            "The file is not a JPEG, PNG or WebP picture.",
        ),
        (
            _jpeg()[:64] + b"\0" * (avatars.MAX_UPLOAD_BYTES + 1 - 64),
            "big.jpg",
            413,
            "The picture is larger than 5 MB.",
        ),
        (_jpeg()[:300], "cut.jpg", 400, "The picture is damaged or incomplete and cannot be read."),
        (b"", "empty.jpg", 400, "The file you chose is empty."),
    ],
    ids=["text", "over-5-mb", "truncated", "empty"],
)
def test_a_refused_upload_re_renders_the_profile_with_the_reason_and_stores_nothing(
    client, member, media, content, name, status, message
):
    response = _upload(client, content, name=name, content_type="text/plain")
    assert response.status_code == status
    html = _html(response)
    assert re.search(
        rf'<div class="form-errors" role="alert" id="avatar-error"><p>{re.escape(message)}</p>', html
    )
    assert "About you" in html
    assert _stored_files(media) == []
    profile = Profile.objects.filter(user=member).first()
    assert profile is None or (profile.avatar, profile.avatar_thumb) == ("", "")


def test_a_post_without_a_file_asks_for_one(client, member, media):
    response = client.post(AVATAR, {})
    assert response.status_code == 400
    assert "Choose a picture to upload." in _html(response)
    assert _stored_files(media) == []


def test_a_refused_upload_keeps_the_previous_photo(client, member, media):
    _upload(client, _jpeg())
    before = Profile.objects.get(user=member).avatar_thumb
    response = _upload(client, b"not a picture at all", name="x.png")
    assert response.status_code == 415
    assert f'src="/media/{before}"' in _html(response)
    assert Profile.objects.get(user=member).avatar_thumb == before
    assert len(_stored_files(media)) == 2


def test_remove_photo_deletes_the_files_and_goes_back_to_initials(
    client, member, media, django_capture_on_commit_callbacks
):
    _upload(client, _jpeg())
    profile = Profile.objects.get(user=member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(AVATAR_REMOVE)
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert _messages(response)[-1] == "Your photo was removed."
    assert not default_storage.exists(profile.avatar)
    assert not default_storage.exists(profile.avatar_thumb)
    assert _stored_files(media) == []
    assert (Profile.objects.get(user=member).avatar, Profile.objects.get(user=member).avatar_thumb) == (
        "",
        "",
    )
    html = _html(client.get(PROFILE))
    assert '<span class="avatar-initials">AM</span>' in html
    assert "Remove photo" not in html


def test_remove_photo_without_a_photo_is_harmless(client, member):
    response = client.post(AVATAR_REMOVE)
    assert response.status_code == 302
    assert _messages(response) == ["Your photo was removed."]
    assert not Profile.objects.filter(user=member).exclude(avatar="").exists()
