"""The feed: relevance with fixed clocks, strict recency, stable paging, the cache, query counts."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.cache import cache

from community.feed import feed_rank, relevance
from community.models import Activity, Like
from tests.community import block, make_friends, post, verified

pytestmark = pytest.mark.django_db
URL = "/api/v1/community/feed"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def at(activity: Activity, when: datetime, **fields) -> Activity:
    Activity.objects.filter(pk=activity.pk).update(created_at=when, **fields)
    activity.refresh_from_db()
    return activity


def ranked_ids(user, now):
    return [pk for _score, pk in feed_rank(user=user, now=now)]


@pytest.fixture
def close_friend_and_stranger():
    """A viewer, a friend they often like (four likes this quarter), and a popular stranger."""
    viewer, friend, stranger = verified(), verified(), verified()
    make_friends(viewer, friend)
    for days in range(40, 44):  # old posts, outside the candidate window, liked lately
        old = at(post(friend, text=f"old {days}"), T0 - timedelta(days=days))
        Like.objects.create(activity=old, user=viewer)
    Like.objects.filter(user=viewer).update(created_at=T0 - timedelta(days=30))
    popular = at(post(stranger, text="popular", visibility="public"), T0 - timedelta(hours=12), like_count=20)
    fresh = at(post(friend, text="fresh"), T0)
    return viewer, fresh, popular


def test_a_fresh_post_from_a_close_friend_outranks_an_older_popular_strangers_post(close_friend_and_stranger):
    viewer, fresh, popular = close_friend_and_stranger
    assert ranked_ids(viewer, T0)[:2] == [fresh.pk, popular.pk]


def test_decay_eventually_lets_engagement_win(close_friend_and_stranger):
    viewer, fresh, popular = close_friend_and_stranger
    assert ranked_ids(viewer, T0 + timedelta(hours=6))[:2] == [fresh.pk, popular.pk]
    assert ranked_ids(viewer, T0 + timedelta(days=5))[:2] == [popular.pk, fresh.pk]


def test_past_interactions_raise_a_friends_affinity():
    viewer, close, other = verified(), verified(), verified()
    make_friends(viewer, close)
    make_friends(viewer, other)
    liked = at(post(close, text="liked before"), T0 - timedelta(days=20))
    Like.objects.create(activity=liked, user=viewer)
    other_post = at(post(other), T0 - timedelta(minutes=1))  # a little newer
    close_post = at(post(close), T0 - timedelta(minutes=2))
    assert ranked_ids(viewer, T0)[:2] == [close_post.pk, other_post.pk]


def test_relevance_formula_is_the_documented_one():
    assert relevance(affinity=2, type_weight=1, likes=0, comments=0, age_hours=0) == 2
    one_day = relevance(affinity=1, type_weight=1, likes=1, comments=1, age_hours=24)
    assert one_day == pytest.approx((1 + __import__("math").log(4)) * 2**-1.5)


def test_candidates_leave_out_blocked_hidden_deleted_old_and_unseeable():
    viewer, friend, stranger, blocked = verified(), verified(), verified(), verified()
    make_friends(viewer, friend)
    block(blocked, viewer)
    mine = at(post(viewer, text="mine, hidden", is_hidden=True), T0)
    friends = at(post(friend), T0)
    public = at(post(stranger, visibility="public"), T0)
    at(post(stranger, visibility="friends"), T0)
    at(post(blocked, visibility="public"), T0)
    at(post(friend, text="hidden"), T0, is_hidden=True)
    at(post(friend, text="deleted"), T0, deleted_at=T0)
    at(post(friend, text="old"), T0 - timedelta(days=15))
    assert set(ranked_ids(viewer, T0)) == {mine.pk, friends.pk, public.pk}


def test_recent_is_strictly_chronological(auth_client):
    viewer, friend, stranger = verified(), verified(), verified()
    make_friends(viewer, friend)
    made = []
    for minutes in [5, 50, 1, 30, 2000, 7]:
        author = [viewer, friend, stranger][minutes % 3]
        made.append(at(post(author, text=str(minutes), visibility="public"), T0 - timedelta(minutes=minutes)))
    at(made[0], T0 - timedelta(minutes=5), like_count=100)  # popularity does not matter here
    response = auth_client(viewer).get(URL, {"sort": "recent"})
    assert [item["text"] for item in response.json()["results"]] == ["1", "5", "7", "30", "50", "2000"]


def walk(client, params, *, between_pages=None):
    """Follow `next` to the end, calling `between_pages()` after each page; return the ids seen."""
    seen, url, query = [], URL, params
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        seen += [item["id"] for item in response.json()["results"]]
        url, query = response.json()["next"], None
        if url and between_pages:
            between_pages()
    return seen


@pytest.mark.parametrize("sort", ["relevant", "recent"])
def test_paging_while_new_posts_arrive_neither_repeats_nor_skips(auth_client, sort):
    viewer, friend = verified(), verified()
    make_friends(viewer, friend)
    now = datetime.now(UTC)
    original = set()
    for index in range(25):
        activity = at(
            post([viewer, friend][index % 2], text=f"p{index}"), now - timedelta(minutes=5 * index + 1)
        )
        original.add(str(activity.public_id))
    client = auth_client(viewer)
    counter = iter(range(100))

    def new_post():
        post(friend, text=f"new {next(counter)}")  # fresher than everything: would rank first

    seen = walk(client, {"sort": sort, "page_size": 10}, between_pages=new_post)
    assert len(seen) == len(set(seen)) == 25
    assert set(seen) == original


def test_paging_survives_a_lost_cache(auth_client):
    viewer, friend = verified(), verified()
    make_friends(viewer, friend)
    now = datetime.now(UTC)
    for index in range(12):
        at(post(friend, text=f"p{index}"), now - timedelta(hours=index), like_count=index % 4)
    client = auth_client(viewer)
    seen = walk(client, {"page_size": 5}, between_pages=lambda: (cache.clear(), post(friend, text="late")))
    assert len(seen) == len(set(seen)) == 12


@pytest.mark.parametrize(
    "path",
    [URL, f"{URL}?sort=recent", "/api/v1/community/activities", "/api/v1/notifications"],
)
def test_a_bad_cursor_is_a_400_on_every_community_list(auth_client, path):
    response = auth_client(verified()).get(path, {"cursor": "forged"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("sort", ["relevant", "recent"])
@pytest.mark.parametrize("page_size", ["abc", "-3", "0"])
def test_a_bad_page_size_gives_the_default_page_on_both_sorts(auth_client, sort, page_size):
    viewer = verified()
    for n in range(21):
        post(viewer, text=f"post {n}")
    response = auth_client(viewer).get(URL, {"sort": sort, "page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 20


def test_a_friends_new_post_refreshes_the_cached_feed(auth_client, django_capture_on_commit_callbacks):
    viewer, friend, stranger = verified(), verified(), verified()
    make_friends(viewer, friend)
    client = auth_client(viewer)
    assert client.get(URL).json()["results"] == []
    with mock.patch("community.feed.feed_rank", wraps=feed_rank) as ranking:
        client.get(URL)
        assert ranking.call_count == 0  # served from the cache
        with django_capture_on_commit_callbacks(execute=True):
            auth_client(stranger).post(
                "/api/v1/community/activities", {"text": "not a friend", "visibility": "public"}
            )
        client.get(URL)
        assert ranking.call_count == 0  # a stranger's post does not invalidate
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client(friend).post("/api/v1/community/activities", {"text": "hello friends"})
        assert response.status_code == 201
        texts = [item["text"] for item in client.get(URL).json()["results"]]
        assert ranking.call_count == 1
    assert "hello friends" in texts


def test_the_feed_costs_a_fixed_number_of_queries(auth_client, django_assert_max_num_queries):
    viewer = verified()
    friends = [verified() for _ in range(5)]
    for friend in friends:
        make_friends(viewer, friend)
        for index in range(6):
            activity = post(friend, text=f"{friend.pk}-{index}", visibility="public")
            Like.objects.create(activity=activity, user=viewer)
    for _ in range(10):
        post(verified(), visibility="public")
    client = auth_client(viewer)
    with django_assert_max_num_queries(9):
        cold = client.get(URL, {"page_size": 50})
    assert len(cold.json()["results"]) == 40
    with django_assert_max_num_queries(3):
        warm = client.get(URL, {"page_size": 50})
    assert warm.json()["results"] == cold.json()["results"]
    with django_assert_max_num_queries(4):
        client.get(URL, {"sort": "recent", "page_size": 50})
