"""User search on PostgreSQL: pg_trgm word similarity through the GIN trigram indexes of 0005."""

import pytest
from django.db import connection, transaction

from accounts import friendships, search
from accounts.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/users/search"


@pytest.fixture(autouse=True)
def _postgresql():
    assert connection.vendor == "postgresql", "the stack suite runs on PostgreSQL"
    friendships.declare_events()


@pytest.fixture
def viewer(db):
    return UserFactory(username="searcher", first_name="Sue", last_name="Searcher")


def person(username, first_name="", last_name="", **profile):
    user = UserFactory(username=username, first_name=first_name, last_name=last_name)
    if profile:
        Profile.objects.create(user=user, **profile)
    return user


def found(client, q, **params) -> list[str]:
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200, response.content
    return [card["username"] for card in response.json()["results"]]


def test_typos_find_the_person_by_trigram_similarity(auth_client, viewer):
    person("jsmith", "John", "Smith")
    person("mquinn", "Mara", "Quinn")
    person("twalker", "Tess", "Walker")
    client = auth_client(viewer)
    assert found(client, "jonh smiht") == ["jsmith"]
    assert found(client, "jon smith") == ["jsmith"]
    assert found(client, "JOHN") == ["jsmith"]


def test_results_are_ranked_by_similarity(auth_client, viewer):
    person("smithers", "Jane", "Smithers")
    person("jsmith", "John", "Smith")
    assert found(auth_client(viewer), "john smith")[0] == "jsmith"


def test_unsearchable_people_and_blockers_are_never_returned(auth_client, viewer):
    person("jsmith", "John", "Smith")
    person("jsmith_hidden", "John", "Smith", searchable=False)
    blocker = person("jsmith_blocker", "John", "Smith")
    blocked = person("jsmith_blocked", "John", "Smith")
    friendships.friendship_block(user=blocker, other=viewer)
    friendships.friendship_block(user=viewer, other=blocked)
    client = auth_client(viewer)
    for q in ("john smith", "jonh smiht", "jsmith_hidden", "jsmith_blocker", "jsmith_blocked"):
        assert set(found(client, q)) <= {"jsmith"}, q
    assert found(auth_client(blocker), "searcher") == []


def test_location_and_interests_only_where_the_profile_is_visible(auth_client, viewer):
    person("pub", "Pat", "Public", location="Lisbon", interests=["marathon"], profile_visibility="public")
    person("fri", "Fran", "Friendly", location="Lisbon", interests=["marathon"], profile_visibility="friends")
    friend = person(
        "pal", "Paul", "Pal", location="Lisbon", interests=["marathon"], profile_visibility="friends"
    )
    friendships.friendship_request(from_user=viewer, to_user=friend)
    friendships.friendship_accept(user=friend, other=viewer)
    client = auth_client(viewer)
    assert sorted(found(client, "lisbon")) == ["pal", "pub"]
    assert sorted(found(client, "maraton")) == ["pal", "pub"]
    cards = {card["username"]: card for card in client.get(URL, {"q": "lisbon"}).json()["results"]}
    assert (cards["pub"]["location"], cards["pal"]["location"]) == ("Lisbon", "Lisbon")


def test_fitness_level_filter(auth_client, viewer):
    person("lev_beg", "Leva", "One", fitness_level="beginner")
    person("lev_adv", "Leva", "Two", fitness_level="advanced")
    assert found(auth_client(viewer), "leva", fitness_level="advanced") == ["lev_adv"]


def test_both_documents_are_matched_through_their_trigram_indexes(viewer):
    """The query spells the documents exactly as the indexes do, so the planner can use them."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', '0.3', true)")
        cursor.execute(
            "EXPLAIN " + search._PG_SEARCH.format(fitness_level=""),
            {"q": "jonh smiht", "viewer": viewer.pk, "threshold": 0.3, "limit": 500},
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "accounts_user_search_trgm" in plan, plan
    assert "accounts_profile_search_trgm" in plan, plan
