"""User search over the API: typo tolerance, ranking, privacy, card shape, bounds and cost.

These run on the embedded database's ranked fallback; `tests/e2e/test_user_search_pg.py` covers
the PostgreSQL trigram search.
"""

import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from accounts import friendships, search
from accounts.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/search"
CARD_FIELDS = {"id", "username", "display_name", "avatar_thumb_url", "location", "friendship_status"}


@pytest.fixture(autouse=True)
def _declared_events():
    friendships.declare_events()


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer", first_name="Vera", last_name="Viewer")


@pytest.fixture
def client(auth_client, viewer):
    return auth_client(viewer)


def person(username, first_name="", last_name="", **profile):
    """A user, with a profile when profile fields are given."""
    user = UserFactory(username=username, first_name=first_name, last_name=last_name)
    if profile:
        Profile.objects.create(user=user, **profile)
    return user


def found(client, q, **params) -> list[str]:
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200, response.content
    return [card["username"] for card in response.json()["results"]]


@pytest.mark.parametrize("q", ["John Smith", "jon smith", "jonh smiht", "SMITH", "jsmi"])
def test_typos_and_partial_words_still_find_the_person(client, q):
    person("jsmith", "John", "Smith")
    person("mara", "Mara", "Quinn")
    assert found(client, q) == ["jsmith"]


def test_the_best_match_comes_first(client):
    person("smithers", "Jane", "Smithers")
    person("jsmith", "John", "Smith")
    person("jsmyth", "Jon", "Smyth")
    assert found(client, "john smith")[0] == "jsmith"
    assert found(client, "smith")[:2] == ["jsmith", "smithers"]


def test_usernames_are_searched(client):
    person("ironlifter99", "Pat", "Doe")
    assert found(client, "ironlifter") == ["ironlifter99"]
    assert found(client, "irnolifter") == ["ironlifter99"]


def test_location_and_interests_of_public_profiles_are_searched(client):
    person(
        "runner",
        "Ama",
        "Boateng",
        location="Lisbon",
        interests=["marathon", "yoga"],
        profile_visibility="public",
    )
    assert found(client, "lisbon") == ["runner"]
    assert found(client, "marathn") == ["runner"]


def test_hidden_profiles_are_not_found_by_location_or_interests(client, viewer):
    friend = person(
        "friendly", "Fay", "Lee", location="Lisbon", interests=["yoga"], profile_visibility="friends"
    )
    person("stranger", "Sam", "Ode", location="Lisbon", interests=["yoga"], profile_visibility="friends")
    person("private", "Pia", "Ray", location="Lisbon", interests=["yoga"], profile_visibility="private")
    friendships.friendship_request(from_user=viewer, to_user=friend)
    friendships.friendship_accept(user=friend, other=viewer)
    assert found(client, "lisbon") == ["friendly"]
    assert found(client, "yoga") == ["friendly"]
    assert found(client, "pia ray") == ["private"]  # still findable by name: only the location is hidden


def test_location_is_shown_only_where_the_profile_is_visible(client, viewer):
    public = person("pub", "Pub", "One", location="Porto", profile_visibility="public")
    friend = person("fri", "Pub", "Two", location="Braga", profile_visibility="friends")
    person("str", "Pub", "Three", location="Faro", profile_visibility="friends")
    person("pri", "Pub", "Four", location="Evora", profile_visibility="private")
    person("nop", "Pub", "Five")
    friendships.friendship_request(from_user=viewer, to_user=friend)
    friendships.friendship_accept(user=friend, other=viewer)
    cards = {card["username"]: card for card in client.get(URL, {"q": "pub"}).json()["results"]}
    assert {name: card["location"] for name, card in cards.items()} == {
        "pub": "Porto",
        "fri": "Braga",
        "str": None,
        "pri": None,
        "nop": None,
    }
    assert public.username in cards


def test_cards_carry_no_private_data(client):
    user = person(
        "carded",
        "Cara",
        "Dee",
        bio="my secret bio",
        birth_date="1990-04-05",
        height_cm=170,
        location="Porto",
        profile_visibility="public",
        avatar_thumb="avatars/cara-128.webp",
    )
    response = client.get(URL, {"q": "cara"})
    card = response.json()["results"][0]
    assert set(card) == CARD_FIELDS
    assert card["id"] == str(user.public_id)
    assert (card["display_name"], card["location"]) == ("Cara Dee", "Porto")
    assert card["avatar_thumb_url"].endswith("avatars/cara-128.webp")
    # Every field but the random id (a UUID may contain "170" or "1990" by chance).
    shown = json.dumps({key: value for key, value in card.items() if key != "id"})
    for private in (user.email, "my secret bio", "1990", "170"):
        assert private not in shown


def test_display_name_falls_back_to_the_username(client):
    person("nameless")
    card = client.get(URL, {"q": "nameless"}).json()["results"][0]
    assert card["display_name"] == "nameless"


def test_only_searchable_active_others_who_are_not_blocked_are_found(client, viewer):
    person("fit_open", "Fit", "Open")
    person("fit_noprofile", "Fit", "Bare")  # no profile yet: searchable by default
    person("fit_hidden", "Fit", "Hidden", searchable=False)
    inactive = person("fit_gone", "Fit", "Gone")
    inactive.is_active = False
    inactive.save()
    blocker = person("fit_blocker", "Fit", "Blocker")
    blocked = person("fit_blocked", "Fit", "Blocked")
    friendships.friendship_block(user=blocker, other=viewer)
    friendships.friendship_block(user=viewer, other=blocked)
    viewer.first_name = "Fit"
    viewer.save()
    assert sorted(found(client, "fit")) == ["fit_noprofile", "fit_open"]
    assert found(client, "blocker") == found(client, "blocked") == found(client, "hidden") == []
    assert found(client, "viewer") == []


def test_results_show_the_friendship_status(client, viewer):
    friend, asked, asker = person("pal_a"), person("pal_b"), person("pal_c")
    person("pal_d")
    friendships.friendship_request(from_user=viewer, to_user=friend)
    friendships.friendship_accept(user=friend, other=viewer)
    friendships.friendship_request(from_user=viewer, to_user=asked)
    friendships.friendship_request(from_user=asker, to_user=viewer)
    statuses = {
        card["username"]: card["friendship_status"]
        for card in client.get(URL, {"q": "pal"}).json()["results"]
    }
    assert statuses == {
        "pal_a": "friends",
        "pal_b": "request_sent",
        "pal_c": "request_received",
        "pal_d": "none",
    }


def test_fitness_level_filter(client):
    person("lvl_beg", "Lev", "One", fitness_level="beginner")
    person("lvl_adv", "Lev", "Two", fitness_level="advanced")
    person("lvl_none", "Lev", "Three")
    assert found(client, "lev", fitness_level="advanced") == ["lvl_adv"]
    response = client.get(URL, {"q": "lev", "fitness_level": "olympian"})
    assert response.status_code == 400
    assert "fitness_level" in response.json()["error"]["fields"]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 101}])
def test_q_is_required_and_bounded(client, params):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "q" in response.json()["error"]["fields"]


def test_longest_q_and_punctuation_only_q_are_fine(client):
    assert client.get(URL, {"q": "x" * 100}).status_code == 200
    assert found(client, "!!! ???") == []


def test_search_needs_authentication(api_client):
    response = api_client.get(URL, {"q": "anyone"})
    assert response.status_code == 401


def test_search_is_paginated(client):
    for index in range(5):
        person(f"page_{index}", "Paige", f"Number{index}")
    body = client.get(URL, {"q": "paige", "page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    rest = client.get(URL, {"q": "paige", "page_size": 2, "page": 3}).json()
    assert len(rest["results"]) == 1


@pytest.mark.parametrize("size", [2, 25])
def test_query_count_does_not_grow_with_page_size(client, viewer, django_assert_max_num_queries, size):
    for index in range(30):
        other = person(
            f"many_{index}", "Manny", f"Many{index}", location="Porto", profile_visibility="public"
        )
        if index % 3 == 0:
            friendships.friendship_request(from_user=viewer, to_user=other)
    # The token's user, the ranked candidates, the page's people with profiles, their statuses;
    # PostgreSQL adds the threshold setting and the savepoint around it.
    with django_assert_max_num_queries(4 if connection.vendor == "sqlite" else 7):
        response = client.get(URL, {"q": "manny porto", "page_size": size})
    assert len(response.json()["results"]) == size


def test_the_fallback_ranks_a_bounded_candidate_set(client, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_LIMIT", 3)
    for index in range(5):
        person(f"cap_{index}", "Cap", f"Tain{index}")
    assert client.get(URL, {"q": "cap"}).json()["count"] == 3


@override_settings(
    REST_FRAMEWORK={
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/min", "user": "100/min", "search": "2/min"},
    }
)
def test_search_is_throttled_by_its_own_scope(client):
    statuses = [client.get(URL, {"q": "anyone"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/users/friends").status_code == 200  # other endpoints are not affected
