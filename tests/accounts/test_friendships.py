"""Friendships: every transition, both people's views, strangers' attempts, blocks and races."""

import threading
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from accounts import friendships
from accounts.friendships import (
    FRIENDSHIP_ACCEPTED,
    FRIENDSHIP_REQUESTED,
    AlreadyFriendsError,
    FriendshipNotFoundError,
    FriendshipStatus,
    NoPendingRequestError,
    NotRequestRecipientError,
    SelfFriendshipError,
    UserBlockedError,
    UserNotFoundError,
)
from accounts.models import Friendship, Profile
from fitai import events
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FRIENDS_URL = "/api/v1/users/friends"
REQUEST_URL = "/api/v1/users/friends/request"
CARD_FIELDS = {"id", "username", "display_name", "avatar_thumb_url", "friendship_status", "since"}


@pytest.fixture(autouse=True)
def _declared_events():
    friendships.declare_events()


@pytest.fixture
def delivered():
    """The friendship events delivered to a subscriber, as (name, payload)."""
    received = []

    def recorder_for(name):
        def record(**payload):
            received.append((name, payload))

        return record

    recorders = {name: recorder_for(name) for name in (FRIENDSHIP_REQUESTED, FRIENDSHIP_ACCEPTED)}
    for name, recorder in recorders.items():
        events.subscribe(name, recorder)
    yield received
    for name, recorder in recorders.items():
        events.unsubscribe(name, recorder)


@pytest.fixture
def ana(db):
    return UserFactory(username="ana", first_name="Ana", last_name="Lima")


@pytest.fixture
def ben(db):
    return UserFactory(username="ben", first_name="Ben", last_name="Okoro")


def row(a, b) -> Friendship | None:
    low, high = sorted([a.pk, b.pk])
    return Friendship.objects.filter(user_low=low, user_high=high).first()


def befriend(a, b) -> None:
    friendships.friendship_request(from_user=a, to_user=b)
    friendships.friendship_accept(user=b, other=a)


def friend_url(user) -> str:
    return f"{FRIENDS_URL}/{user.public_id}"


# --- request (service) ----------------------------------------------------------------------------


def test_request_creates_one_pending_row_and_notifies_after_commit(
    ana, ben, delivered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        relation, created = friendships.friendship_request(from_user=ana, to_user=ben)
        assert delivered == []  # nothing leaves before the transaction commits
    assert created is True
    assert (relation.user, relation.status) == (ben, FriendshipStatus.REQUEST_SENT)
    stored = row(ana, ben)
    assert (stored.status, stored.requested_by, stored.blocked_by) == ("pending", ana, None)
    assert stored.user_low_id < stored.user_high_id
    for callback in callbacks:
        callback()
    assert delivered == [(FRIENDSHIP_REQUESTED, {"from_user_id": ana.pk, "to_user_id": ben.pk})]


def test_request_to_yourself_is_refused(ana):
    with pytest.raises(SelfFriendshipError, match="yourself"):
        friendships.friendship_request(from_user=ana, to_user=ana)
    assert not Friendship.objects.exists()


def test_asking_again_changes_nothing_and_notifies_nobody(
    ana, ben, delivered, django_capture_on_commit_callbacks
):
    friendships.friendship_request(from_user=ana, to_user=ben)
    with django_capture_on_commit_callbacks(execute=True):
        relation, created = friendships.friendship_request(from_user=ana, to_user=ben)
    assert (created, relation.status) == (False, FriendshipStatus.REQUEST_SENT)
    assert Friendship.objects.count() == 1
    assert delivered == []


def test_asking_someone_who_asked_you_accepts_their_request(
    ana, ben, delivered, django_capture_on_commit_callbacks
):
    friendships.friendship_request(from_user=ana, to_user=ben)
    with django_capture_on_commit_callbacks(execute=True):
        relation, created = friendships.friendship_request(from_user=ben, to_user=ana)
    assert (created, relation.status, relation.user) == (False, FriendshipStatus.FRIENDS, ana)
    assert row(ana, ben).status == "accepted"
    assert delivered == [(FRIENDSHIP_ACCEPTED, {"from_user_id": ana.pk, "to_user_id": ben.pk})]


def test_asking_a_friend_changes_nothing(ana, ben):
    befriend(ana, ben)
    relation, created = friendships.friendship_request(from_user=ben, to_user=ana)
    assert (created, relation.status) == (False, FriendshipStatus.FRIENDS)
    assert row(ana, ben).status == "accepted"


def test_someone_who_blocked_you_cannot_be_asked_and_looks_absent(ana, ben):
    friendships.friendship_block(user=ben, other=ana)
    with pytest.raises(UserNotFoundError, match="No such user"):
        friendships.friendship_request(from_user=ana, to_user=ben)
    assert row(ana, ben).blocked_by == ben


def test_asking_someone_you_blocked_is_a_conflict(ana, ben):
    friendships.friendship_block(user=ana, other=ben)
    with pytest.raises(UserBlockedError, match="unblock them first"):
        friendships.friendship_request(from_user=ana, to_user=ben)
    assert row(ana, ben).status == "blocked"


@pytest.mark.parametrize(
    ("first", "second", "status"), [("ana", "ana", "pending"), ("ben", "ana", "accepted")]
)
def test_a_request_that_loses_the_insert_race_decides_from_the_winners_row(ana, ben, first, second, status):
    """The other transaction inserted the pair's row after this one looked: one row, right state."""
    people = {"ana": ana, "ben": ben}
    other = {"ana": ben, "ben": ana}
    friendships.friendship_request(from_user=people[first], to_user=other[first])
    real_lock, answers = friendships._lock_row, [None]

    def lock_row(a, b):
        return answers.pop() if answers else real_lock(a, b)

    with mock.patch.object(friendships, "_lock_row", side_effect=lock_row):
        relation, created = friendships.friendship_request(from_user=people[second], to_user=other[second])
    assert created is False
    assert Friendship.objects.count() == 1
    assert row(ana, ben).status == status
    assert relation.status == ("request_sent" if status == "pending" else "friends")


# --- accept, decline, block, remove (services) ----------------------------------------------------


def test_the_recipient_accepts_and_the_sender_is_notified(
    ana, ben, delivered, django_capture_on_commit_callbacks
):
    friendships.friendship_request(from_user=ana, to_user=ben)
    with django_capture_on_commit_callbacks(execute=True):
        relation = friendships.friendship_accept(user=ben, other=ana)
    assert (relation.user, relation.status) == (ana, FriendshipStatus.FRIENDS)
    assert relation.since == row(ana, ben).updated_at
    assert delivered[-1] == (FRIENDSHIP_ACCEPTED, {"from_user_id": ana.pk, "to_user_id": ben.pk})
    assert friendships.are_friends(user=ana, other=ben)


def test_accepting_twice_is_a_no_op(ana, ben, delivered, django_capture_on_commit_callbacks):
    befriend(ana, ben)
    with django_capture_on_commit_callbacks(execute=True):
        assert friendships.friendship_accept(user=ben, other=ana).status == FriendshipStatus.FRIENDS
    assert delivered == []


def test_the_sender_cannot_accept_their_own_request(ana, ben):
    friendships.friendship_request(from_user=ana, to_user=ben)
    with pytest.raises(NotRequestRecipientError, match="Only the person you asked"):
        friendships.friendship_accept(user=ana, other=ben)
    assert row(ana, ben).status == "pending"


def test_nothing_to_accept_is_a_conflict(ana, ben):
    with pytest.raises(NoPendingRequestError, match="has not sent you"):
        friendships.friendship_accept(user=ana, other=ben)
    assert row(ana, ben) is None


def test_a_third_person_cannot_answer_someone_elses_request(ana, ben):
    carl = UserFactory()
    friendships.friendship_request(from_user=ana, to_user=ben)
    with pytest.raises(NoPendingRequestError, match="has not sent you"):
        friendships.friendship_accept(user=carl, other=ana)
    assert row(ana, ben).status == "pending"
    assert row(carl, ana) is None


def test_decline_removes_the_request_and_the_sender_may_ask_again(ana, ben):
    friendships.friendship_request(from_user=ana, to_user=ben)
    relation = friendships.friendship_decline(user=ben, other=ana)
    assert (relation.status, relation.since) == (FriendshipStatus.NONE, None)
    assert row(ana, ben) is None
    assert friendships.friendship_decline(user=ben, other=ana).status == FriendshipStatus.NONE  # a retry
    assert friendships.friendship_request(from_user=ana, to_user=ben)[1] is True


def test_decline_refuses_the_sender_and_friends(ana, ben):
    friendships.friendship_request(from_user=ana, to_user=ben)
    with pytest.raises(NotRequestRecipientError, match="cancel it with DELETE"):
        friendships.friendship_decline(user=ana, other=ben)
    friendships.friendship_accept(user=ben, other=ana)
    with pytest.raises(AlreadyFriendsError, match="unfriend with DELETE"):
        friendships.friendship_decline(user=ben, other=ana)
    assert row(ana, ben).status == "accepted"


@pytest.mark.parametrize("state", ["none", "sent", "received", "friends"])
def test_block_works_from_any_state(ana, ben, state):
    if state == "sent":
        friendships.friendship_request(from_user=ana, to_user=ben)
    elif state == "received":
        friendships.friendship_request(from_user=ben, to_user=ana)
    elif state == "friends":
        befriend(ana, ben)
    relation = friendships.friendship_block(user=ana, other=ben)
    assert relation.status == FriendshipStatus.BLOCKED
    stored = row(ana, ben)
    assert (stored.status, stored.blocked_by, stored.requested_by) == ("blocked", ana, ana)
    assert Friendship.objects.count() == 1
    assert not friendships.are_friends(user=ana, other=ben)


def test_blocking_again_is_a_no_op_and_the_blocked_cannot_block_back(ana, ben):
    friendships.friendship_block(user=ana, other=ben)
    assert friendships.friendship_block(user=ana, other=ben).status == FriendshipStatus.BLOCKED
    with pytest.raises(UserNotFoundError, match="No such user"):
        friendships.friendship_block(user=ben, other=ana)
    assert row(ana, ben).blocked_by == ana


def test_blocked_people_cannot_answer_or_be_answered(ana, ben):
    friendships.friendship_block(user=ana, other=ben)
    with pytest.raises(UserBlockedError, match="unblock"):
        friendships.friendship_accept(user=ana, other=ben)
    with pytest.raises(UserBlockedError, match="unblock"):
        friendships.friendship_decline(user=ana, other=ben)
    for service in (friendships.friendship_accept, friendships.friendship_decline):
        with pytest.raises(UserNotFoundError, match="No such user"):
            service(user=ben, other=ana)
    assert row(ana, ben).status == "blocked"


@pytest.mark.parametrize(
    ("state", "remover"), [("friends", "ben"), ("sent", "ana"), ("received", "ben"), ("blocked", "ana")]
)
def test_remove_unfriends_cancels_refuses_or_unblocks(ana, ben, state, remover):
    """Ana asked (`sent`/`received` from Ben's side: Ben refuses), or is friends, or blocked Ben."""
    if state == "blocked":
        friendships.friendship_block(user=ana, other=ben)
    else:
        friendships.friendship_request(from_user=ana, to_user=ben)
        if state == "friends":
            friendships.friendship_accept(user=ben, other=ana)
    people = {"ana": (ana, ben), "ben": (ben, ana)}
    user, other = people[remover]
    friendships.friendship_remove(user=user, other=other)
    assert row(ana, ben) is None


def test_only_the_blocker_can_unblock(ana, ben):
    friendships.friendship_block(user=ana, other=ben)
    with pytest.raises(UserNotFoundError, match="No such user"):
        friendships.friendship_remove(user=ben, other=ana)
    assert row(ana, ben).status == "blocked"


def test_removing_nothing_is_not_found(ana, ben):
    with pytest.raises(FriendshipNotFoundError, match="no friendship"):
        friendships.friendship_remove(user=ana, other=ben)


# --- selectors --------------------------------------------------------------------------------------


def test_status_between_maps_everyone_in_one_query(ana, django_assert_num_queries):
    friend, sent, received, blocked, blocker, stranger = UserFactory.create_batch(6)
    befriend(ana, friend)
    friendships.friendship_request(from_user=ana, to_user=sent)
    friendships.friendship_request(from_user=received, to_user=ana)
    friendships.friendship_block(user=ana, other=blocked)
    friendships.friendship_block(user=blocker, other=ana)
    with django_assert_num_queries(1):
        statuses = friendships.friendship_status_between(
            viewer=ana, others=[friend, sent, received, blocked, blocker, stranger.pk]
        )
    assert statuses == {
        friend.pk: "friends",
        sent.pk: "request_sent",
        received.pk: "request_received",
        blocked.pk: "blocked",
        blocker.pk: "none",  # like a stranger: callers hide them with blocked_ids
        stranger.pk: "none",
    }
    assert friendships.friendship_status_between(viewer=ana, others=[]) == {}


def test_friend_and_block_ids_for_other_apps(ana, ben):
    carl, dora, eve = UserFactory.create_batch(3)
    befriend(ana, ben)
    befriend(carl, ana)
    friendships.friendship_request(from_user=ana, to_user=dora)
    friendships.friendship_block(user=eve, other=ana)
    assert friendships.friend_ids(user=ana) == {ben.pk, carl.pk}
    assert friendships.friend_ids(user=ben.pk) == {ana.pk}
    assert friendships.blocked_ids(user=ana) == {eve.pk}
    assert friendships.blocked_ids(user=eve) == {ana.pk}
    assert friendships.are_friends(user=carl.pk, other=ana.pk)
    assert not friendships.are_friends(user=ana, other=dora)


def test_friend_counts_in_one_query_leave_out_deactivated_people(ana, django_assert_num_queries):
    friend, gone, asked, asker = UserFactory.create_batch(4)
    befriend(ana, friend)
    befriend(ana, gone)
    friendships.friendship_request(from_user=ana, to_user=asked)
    friendships.friendship_request(from_user=asker, to_user=ana)
    gone.is_active = False
    gone.save()
    with django_assert_num_queries(1):
        counts = friendships.friend_counts(user=ana)
    assert counts == {"friends": 1, "incoming_requests": 1, "outgoing_requests": 1}
    assert friendships.friend_counts(user=asked) == {
        "friends": 0,
        "incoming_requests": 1,
        "outgoing_requests": 0,
    }


# --- API: request --------------------------------------------------------------------------------


def test_api_request_by_public_id_answers_201_with_a_public_card(auth_client, ana, ben):
    response = auth_client(ana).post(REQUEST_URL, {"user_id": str(ben.public_id)}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == CARD_FIELDS
    assert body["id"] == str(ben.public_id)
    assert (body["username"], body["display_name"]) == ("ben", "Ben Okoro")
    assert (body["friendship_status"], body["avatar_thumb_url"]) == ("request_sent", None)
    assert body["since"] is not None
    assert ben.email not in response.content.decode()


def test_api_request_by_username_in_any_case(auth_client, ana, ben):
    response = auth_client(ana).post(REQUEST_URL, {"username": "BEN"}, format="json")
    assert response.status_code == 201
    assert row(ana, ben).requested_by == ana


def test_api_repeated_request_and_request_to_a_friend_answer_200(auth_client, ana, ben):
    client = auth_client(ana)
    assert client.post(REQUEST_URL, {"username": "ben"}, format="json").status_code == 201
    again = client.post(REQUEST_URL, {"username": "ben"}, format="json")
    assert (again.status_code, again.json()["friendship_status"]) == (200, "request_sent")
    back = auth_client(ben).post(REQUEST_URL, {"user_id": str(ana.public_id)}, format="json")
    assert (back.status_code, back.json()["friendship_status"]) == (200, "friends")
    assert (
        client.post(REQUEST_URL, {"username": "ben"}, format="json").json()["friendship_status"] == "friends"
    )


@pytest.mark.parametrize("body", [{}, {"user_id": "not-a-uuid"}, {"username": "ben", "user_id": None}])
def test_api_request_needs_exactly_one_valid_identifier(auth_client, ana, ben, body):
    response = auth_client(ana).post(REQUEST_URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_api_request_to_yourself_is_400(auth_client, ana):
    response = auth_client(ana).post(REQUEST_URL, {"user_id": str(ana.public_id)}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "self_friendship"


def test_api_a_blocker_looks_exactly_like_an_unknown_user(auth_client, ana, ben):
    friendships.friendship_block(user=ben, other=ana)
    client = auth_client(ana)
    blocked = client.post(REQUEST_URL, {"user_id": str(ben.public_id)}, format="json")
    unknown = client.post(REQUEST_URL, {"username": "nobody_here"}, format="json")
    assert blocked.status_code == unknown.status_code == 404
    assert blocked.json() == unknown.json()
    assert blocked.json()["error"]["code"] == "user_not_found"


def test_api_inactive_users_are_not_found(auth_client, ana):
    gone = UserFactory(is_active=False)
    response = auth_client(ana).post(REQUEST_URL, {"user_id": str(gone.public_id)}, format="json")
    assert response.status_code == 404
    assert not Friendship.objects.exists()


def test_api_request_to_someone_you_blocked_is_409(auth_client, ana, ben):
    friendships.friendship_block(user=ana, other=ben)
    response = auth_client(ana).post(REQUEST_URL, {"user_id": str(ben.public_id)}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "user_blocked"


def test_api_needs_authentication(api_client, ben):
    assert api_client.get(FRIENDS_URL).status_code == 401
    assert api_client.post(REQUEST_URL, {"username": "ben"}, format="json").status_code == 401
    assert api_client.delete(friend_url(ben)).status_code == 401


# --- API: both sides' views -------------------------------------------------------------------------


def test_api_each_side_sees_the_request_from_its_point_of_view(auth_client, ana, ben):
    ana_client, ben_client = auth_client(ana), auth_client(ben)
    ana_client.post(REQUEST_URL, {"username": "ben"}, format="json")
    outgoing = ana_client.get(FRIENDS_URL, {"status": "outgoing"}).json()["results"]
    incoming = ben_client.get(FRIENDS_URL, {"status": "incoming"}).json()["results"]
    assert [(card["username"], card["friendship_status"]) for card in outgoing] == [("ben", "request_sent")]
    assert [(card["username"], card["friendship_status"]) for card in incoming] == [
        ("ana", "request_received")
    ]
    assert ana_client.get(FRIENDS_URL, {"status": "incoming"}).json()["count"] == 0
    assert ben_client.get(FRIENDS_URL).json()["count"] == 0  # default: accepted

    response = ben_client.put(friend_url(ana), {"action": "accept"}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == CARD_FIELDS
    assert response.json()["friendship_status"] == "friends"
    assert [card["username"] for card in ana_client.get(FRIENDS_URL).json()["results"]] == ["ben"]
    assert [card["friendship_status"] for card in ben_client.get(FRIENDS_URL).json()["results"]] == [
        "friends"
    ]


def test_api_accept_by_the_sender_or_without_a_request_is_409(auth_client, ana, ben):
    carl = UserFactory()
    auth_client(ana).post(REQUEST_URL, {"username": "ben"}, format="json")
    by_sender = auth_client(ana).put(friend_url(ben), {"action": "accept"}, format="json")
    assert (by_sender.status_code, by_sender.json()["error"]["code"]) == (409, "not_request_recipient")
    by_stranger = auth_client(carl).put(friend_url(ana), {"action": "accept"}, format="json")
    assert (by_stranger.status_code, by_stranger.json()["error"]["code"]) == (409, "no_pending_request")
    assert row(ana, ben).status == "pending"


def test_api_decline_answers_200_with_status_none(auth_client, ana, ben):
    friendships.friendship_request(from_user=ana, to_user=ben)
    response = auth_client(ben).put(friend_url(ana), {"action": "decline"}, format="json")
    assert response.status_code == 200
    assert (response.json()["friendship_status"], response.json()["since"]) == ("none", None)
    assert row(ana, ben) is None


def test_api_block_answers_200_and_lists_only_for_the_blocker(auth_client, ana, ben):
    befriend(ana, ben)
    response = auth_client(ana).put(friend_url(ben), {"action": "block"}, format="json")
    assert (response.status_code, response.json()["friendship_status"]) == (200, "blocked")
    blocked = auth_client(ana).get(FRIENDS_URL, {"status": "blocked"}).json()["results"]
    assert [(card["username"], card["friendship_status"]) for card in blocked] == [("ben", "blocked")]
    for status in ("accepted", "incoming", "outgoing", "blocked"):
        assert auth_client(ben).get(FRIENDS_URL, {"status": status}).json()["count"] == 0
        assert auth_client(ana).get(FRIENDS_URL, {"status": status}).json()["count"] == int(
            status == "blocked"
        )


def test_api_blocked_person_cannot_act_and_learns_nothing(auth_client, ana, ben):
    friendships.friendship_block(user=ana, other=ben)
    client = auth_client(ben)
    unknown_url = f"{FRIENDS_URL}/{UserFactory.build().public_id}"
    for action in ("accept", "decline", "block"):
        response = client.put(friend_url(ana), {"action": action}, format="json")
        assert response.status_code == 404
        assert response.json() == client.put(unknown_url, {"action": action}, format="json").json()
    response = client.delete(friend_url(ana))
    assert response.status_code == 404
    assert response.json() == client.delete(unknown_url).json()
    assert response.json()["error"]["code"] == "user_not_found"
    assert row(ana, ben).blocked_by == ana


def test_api_unblock_unfriend_and_cancel_answer_204(auth_client, ana, ben):
    carl, dora = UserFactory.create_batch(2)
    friendships.friendship_block(user=ana, other=ben)
    befriend(ana, carl)
    friendships.friendship_request(from_user=ana, to_user=dora)
    client = auth_client(ana)
    for other in (ben, carl, dora):
        assert client.delete(friend_url(other)).status_code == 204
    assert not Friendship.objects.exists()
    assert client.delete(friend_url(ben)).json()["error"]["code"] == "friendship_not_found"


def test_api_put_validates_the_action_and_the_user(auth_client, ana, ben):
    client = auth_client(ana)
    assert client.put(friend_url(ben), {"action": "poke"}, format="json").status_code == 400
    assert client.put(friend_url(ben), {}, format="json").status_code == 400
    assert client.put(f"{FRIENDS_URL}/not-a-uuid", {"action": "block"}, format="json").status_code == 404
    response = client.put(friend_url(ana), {"action": "block"}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "self_friendship")


def test_api_paths_accept_a_trailing_slash(auth_client, ana, ben):
    client = auth_client(ana)
    assert client.post(REQUEST_URL + "/", {"username": "ben"}, format="json").status_code == 201
    assert client.get(FRIENDS_URL + "/", {"status": "outgoing"}).json()["count"] == 1


def test_api_list_rejects_an_unknown_status(auth_client, ana):
    response = auth_client(ana).get(FRIENDS_URL, {"status": "everyone"})
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_api_card_shows_the_avatar_thumbnail_and_nothing_private(auth_client, ana, ben):
    Profile.objects.create(
        user=ben,
        avatar_thumb="avatars/ben-128.webp",
        location="Porto",
        bio="secret bio",
        profile_visibility="public",
    )
    befriend(ana, ben)
    card = auth_client(ana).get(FRIENDS_URL).json()["results"][0]
    assert set(card) == CARD_FIELDS
    assert card["avatar_thumb_url"].endswith("avatars/ben-128.webp")
    assert "secret bio" not in str(card)
    assert ben.email not in str(card)


@pytest.mark.parametrize("size", [2, 20])
def test_api_list_query_count_does_not_grow_with_page_size(
    auth_client, ana, django_assert_max_num_queries, size
):
    for other in UserFactory.create_batch(size):
        Profile.objects.create(user=other, avatar_thumb=f"avatars/{other.pk}.webp")
        befriend(ana, other)
    client = auth_client(ana)
    # The token's user, the count and the page with both people's profiles joined.
    with django_assert_max_num_queries(3):
        response = client.get(FRIENDS_URL, {"page_size": size})
    assert len(response.json()["results"]) == size


def test_api_friend_list_is_paginated_newest_first(auth_client, ana):
    people = UserFactory.create_batch(3)
    for other in people:
        befriend(ana, other)
    body = auth_client(ana).get(FRIENDS_URL, {"page_size": 2}).json()
    assert body["count"] == 3
    assert [card["id"] for card in body["results"]] == [str(people[2].public_id), str(people[1].public_id)]
    assert "page=2" in body["next"]


@override_settings(
    REST_FRAMEWORK={
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/min", "user": "2/min", "search": "100/min"},
    }
)
def test_api_friend_endpoints_are_throttled_per_user(auth_client, ana):
    client = auth_client(ana)
    assert [client.get(FRIENDS_URL).status_code for _ in range(3)] == [200, 200, 429]


# --- real concurrency (PostgreSQL) ------------------------------------------------------------------


def _concurrently(*calls) -> list:
    """Run the calls at the same moment in threads, each on its own connection; return results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("crossed", [False, True], ids=["same-direction", "crossed"])
def test_concurrent_requests_leave_one_row_in_the_right_state(crossed):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL (make test-stack)")
    friendships.declare_events()
    for _ in range(5):
        ana, ben = UserFactory(), UserFactory()
        second = (ben, ana) if crossed else (ana, ben)
        results = _concurrently(
            lambda ana=ana, ben=ben: friendships.friendship_request(from_user=ana, to_user=ben),
            lambda second=second: friendships.friendship_request(from_user=second[0], to_user=second[1]),
        )
        assert not [result for result in results if isinstance(result, Exception)], results
        assert (
            Friendship.objects.filter(user_low=min(ana.pk, ben.pk), user_high=max(ana.pk, ben.pk)).count()
            == 1
        )
        assert row(ana, ben).status == ("accepted" if crossed else "pending")
        assert sorted(created for _relation, created in results) == [False, True]
