"""Leaderboards, on both backends (database aggregates and Redis sorted sets) with the same answers:
metrics and calendar periods, ties, your own rank outside the top, privacy, blocks, friends, the
board of a challenge, bad input and pinned query counts."""

from datetime import UTC, date, datetime

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import friendships
from accounts.profiles import preferences_update
from community import leaderboards
from tests.community.test_challenges import at, befriend, frozen, make_challenge, member, run, squat, train

pytestmark = pytest.mark.django_db
URL = "/api/v1/community/leaderboard"
TEST_REDIS = "redis://127.0.0.1:6379/14"

__all__ = ["frozen", "run", "squat"]  # fixtures shared with the challenge tests


@pytest.fixture(params=["database", "redis"])
def backend(request, settings):
    """Each test runs on both backends; Redis uses its own database, emptied before and after."""
    if request.param == "redis":
        client = redis.Redis.from_url(TEST_REDIS, socket_connect_timeout=1)
        try:
            client.ping()
        except redis.RedisError:
            pytest.skip("no Redis on 127.0.0.1:6379")
        client.flushdb()
        settings.REDIS_URL = TEST_REDIS
        yield "redis"
        client.flushdb()
    else:
        settings.REDIS_URL = ""
        yield "database"


@pytest.fixture
def people(frozen, run, squat):
    """ann, bob, cat, dan, eve (created in that order) with workouts around Wednesday 11 June 2025.

    This week (9-15 June): ann 3 workouts on 9, 10, 11 (1 set of 100x5 each); bob 2 on 9 and 11
    (2 sets of 100x10 each). This month also: cat 1 on 2 June. This year also: dan 1 in January.
    All time also: eve 4 in 2024 on consecutive days.
    """
    names = ["ann", "bob", "cat", "dan", "eve"]
    users = {name: member(username=name) for name in names}
    with run():
        for day in (9, 10, 11):
            train(users["ann"], [(squat, 100, 5)], start=at(day, 7))
        for day in (9, 11):
            train(users["bob"], [(squat, 100, 10)] * 2, start=at(day, 8))
        train(users["cat"], [(squat, 50, 10)], start=at(2, 8))
        train(users["dan"], [(squat, 60, 10)], start=datetime(2025, 1, 15, 8, tzinfo=UTC))
        for day in (1, 2, 3, 4):
            train(users["eve"], [(squat, 10, 1)], start=datetime(2024, 3, day, 8, tzinfo=UTC))
    return users


def board(client, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def rows(body: dict) -> list[tuple[str, float, int]]:
    return [(e["user"]["username"], e["value"], e["rank"]) for e in body["entries"]]


@pytest.mark.parametrize(
    ("metric", "period", "expected"),
    [
        ("workouts", "week", [("ann", 3, 1), ("bob", 2, 2)]),
        ("workouts", "month", [("ann", 3, 1), ("bob", 2, 2), ("cat", 1, 3)]),
        ("workouts", "year", [("ann", 3, 1), ("bob", 2, 2), ("cat", 1, 3), ("dan", 1, 3)]),
        ("workouts", "all", [("eve", 4, 1), ("ann", 3, 2), ("bob", 2, 3), ("cat", 1, 4), ("dan", 1, 4)]),
        ("volume", "week", [("bob", 4000, 1), ("ann", 1500, 2)]),
        ("sets", "month", [("bob", 4, 1), ("ann", 3, 2), ("cat", 1, 3)]),
        ("streak", "week", [("ann", 3, 1), ("bob", 1, 2)]),
        ("streak", "all", [("eve", 4, 1), ("ann", 3, 2), ("bob", 1, 3), ("cat", 1, 3), ("dan", 1, 3)]),
    ],
)
def test_boards_rank_each_metric_over_its_calendar_period(
    auth_client, backend, people, metric, period, expected
):
    body = board(auth_client(people["ann"]), metric=metric, period=period)
    assert rows(body) == expected
    assert body["backend"] == backend
    assert (body["metric"], body["period"], body["scope"]) == (metric, period, "global")


def test_the_week_runs_monday_to_sunday_and_defaults_apply(auth_client, backend, people):
    body = board(auth_client(people["ann"]))
    assert (body["metric"], body["period"]) == ("workouts", "week")
    assert (body["start_date"], body["end_date"]) == ("2025-06-09", "2025-06-15")


def test_your_own_rank_shows_outside_the_top(auth_client, backend, people):
    body = board(auth_client(people["dan"]), metric="workouts", period="all", limit=2)
    assert rows(body) == [("eve", 4, 1), ("ann", 3, 2)]
    assert body["me"] == {"rank": 4, "value": 1, "is_hidden": False}


def test_me_is_null_without_anything_in_the_period(auth_client, backend, people):
    assert board(auth_client(people["eve"]), period="week")["me"] is None


def test_hidden_people_are_not_shown_nor_counted_but_see_their_own_place(auth_client, backend, people):
    preferences_update(user=people["bob"], changes={"privacy": {"show_on_leaderboards": False}})
    seen = board(auth_client(people["cat"]), metric="workouts", period="month")
    assert rows(seen) == [("ann", 3, 1), ("cat", 1, 2)]
    assert seen["me"] == {"rank": 2, "value": 1, "is_hidden": False}
    own = board(auth_client(people["bob"]), metric="workouts", period="month")
    assert rows(own) == [("ann", 3, 1), ("cat", 1, 2)]
    assert own["me"] == {"rank": 2, "value": 2, "is_hidden": True}


def test_blocked_people_are_hidden_from_each_other_and_ranks_stay_the_standings(auth_client, backend, people):
    friendships.friendship_block(user=people["ann"], other=people["cat"])
    cat_view = board(auth_client(people["cat"]), metric="workouts", period="month")
    assert rows(cat_view) == [("bob", 2, 2), ("cat", 1, 3)]
    assert cat_view["me"]["rank"] == 3
    ann_view = board(auth_client(people["ann"]), metric="workouts", period="month")
    assert rows(ann_view) == [("ann", 3, 1), ("bob", 2, 2)]


def test_the_friends_scope_ranks_you_among_your_friends(auth_client, backend, people):
    befriend(people["cat"], people["ann"])
    body = board(auth_client(people["cat"]), metric="workouts", period="month", scope="friends")
    assert rows(body) == [("ann", 3, 1), ("cat", 1, 2)]
    assert body["me"]["rank"] == 2


def test_redis_boards_follow_workout_changes_without_a_rebuild(auth_client, backend, people, run, squat):
    client = auth_client(people["cat"])
    assert rows(board(client, period="week")) == [("ann", 3, 1), ("bob", 2, 2)]
    with run():
        for day in (9, 10, 11):
            train(people["cat"], [(squat, 10, 1)], start=at(day, 5))
        extra = train(people["cat"], [(squat, 10, 1)], start=at(10, 18))
    assert rows(board(client, period="week")) == [("cat", 4, 1), ("ann", 3, 2), ("bob", 2, 3)]
    with run():
        assert client.delete(f"/api/v1/workouts/{extra.public_id}").status_code == 204
    assert rows(board(client, period="week")) == [("ann", 3, 1), ("cat", 3, 1), ("bob", 2, 3)]


def test_an_unreachable_redis_falls_back_to_the_database(auth_client, people, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    body = board(auth_client(people["ann"]), period="week")
    assert body["backend"] == "database"
    assert rows(body) == [("ann", 3, 1), ("bob", 2, 2)]


def test_both_backends_agree(auth_client, people, settings):
    client = auth_client(people["dan"])
    answers = {}
    for url in ("", TEST_REDIS):
        settings.REDIS_URL = url
        if url:
            try:
                redis.Redis.from_url(url).flushdb()
            except redis.RedisError:
                pytest.skip("no Redis on 127.0.0.1:6379")
        answers[url] = [
            {**board(client, metric=m, period=p, limit=3), "backend": None}
            for m in leaderboards.METRICS
            for p in leaderboards.PERIODS
        ]
    redis.Redis.from_url(TEST_REDIS).flushdb()
    assert answers[""] == answers[TEST_REDIS]


@pytest.mark.parametrize(
    "params",
    [
        {"metric": "calories"},
        {"period": "decade"},
        {"scope": "world"},
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"challenge_id": "00000000-0000-0000-0000-000000000000", "metric": "workouts"},
    ],
)
def test_bad_parameters_are_400(auth_client, frozen, params):
    response = auth_client(member()).get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_the_global_board_query_count_is_pinned(auth_client, backend, people, django_assert_max_num_queries):
    client = auth_client(people["dan"])
    board(client, period="all")  # builds the Redis board, creates the profile
    with django_assert_max_num_queries(12):
        assert len(board(client, period="all", limit=100)["entries"]) == 5


# --- a challenge's board ----------------------------------------------------------------------------


@pytest.fixture
def contest(auth_client, people):
    """A total_sets challenge of this week, joined by everyone: bob 4, ann 3, cat/dan/eve 0."""
    challenge = make_challenge(people["ann"], type="total_sets")
    for name in ("bob", "cat", "dan", "eve"):
        auth_client(people[name]).post(f"/api/v1/community/challenges/{challenge.public_id}/join")
    return challenge


def test_a_challenge_board_ranks_its_participants(auth_client, people, contest):
    body = board(auth_client(people["eve"]), challenge_id=str(contest.public_id), limit=3)
    assert rows(body) == [("bob", 4, 1), ("ann", 3, 2), ("cat", 0, 3)]
    assert body["me"] == {"rank": 3, "value": 0, "is_hidden": False}
    assert (body["metric"], body["challenge_id"]) == ("total_sets", str(contest.public_id))
    assert (body["start_date"], body["end_date"]) == ("2025-06-09", "2025-06-15")


def test_a_challenge_board_honours_privacy_and_blocks(auth_client, people, contest):
    preferences_update(user=people["bob"], changes={"privacy": {"show_on_leaderboards": False}})
    friendships.friendship_block(user=people["cat"], other=people["dan"])
    body = board(auth_client(people["dan"]), challenge_id=str(contest.public_id))
    assert rows(body) == [("ann", 3, 1), ("dan", 0, 2), ("eve", 0, 2)]
    own = board(auth_client(people["bob"]), challenge_id=str(contest.public_id))
    assert own["me"] == {"rank": 1, "value": 4, "is_hidden": True}
    assert "bob" not in [name for name, _, _ in rows(own)]


def test_a_challenge_board_in_the_friends_scope(auth_client, people, contest):
    befriend(people["eve"], people["ann"])
    body = board(auth_client(people["eve"]), challenge_id=str(contest.public_id), scope="friends")
    assert rows(body) == [("ann", 3, 1), ("eve", 0, 2)]


def test_the_board_of_a_challenge_you_cannot_see_is_404(auth_client, people):
    hidden = make_challenge(people["ann"], visibility="private")
    response = auth_client(people["bob"]).get(URL, {"challenge_id": str(hidden.public_id)})
    assert response.status_code == 404
    assert auth_client(people["bob"]).get(URL, {"challenge_id": "nope"}).status_code == 404


def test_the_challenge_board_query_count_is_pinned(
    auth_client, people, contest, django_assert_max_num_queries
):
    client = auth_client(people["eve"])
    board(client, challenge_id=str(contest.public_id))
    with django_assert_max_num_queries(10):
        assert len(board(client, challenge_id=str(contest.public_id))["entries"]) == 5


def test_the_challenge_board_costs_the_same_for_many_participants(auth_client, people, contest):
    client = auth_client(people["eve"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            board(client, challenge_id=str(contest.public_id), limit=100)
        return len(queries)

    count()
    few = count()
    for _ in range(10):
        auth_client(member()).post(f"/api/v1/community/challenges/{contest.public_id}/join")
    assert count() == few


def test_board_values_are_exact_to_the_cent(auth_client, people, run, squat):
    with run():
        train(people["cat"], [(squat, 52.5, 3)], start=at(10, 9))
    body = board(auth_client(people["cat"]), metric="volume", period="week")
    assert ("cat", 157.5, 3) in rows(body)
    assert leaderboards.board_for(metric="volume", period="month", today=date(2024, 2, 10)).end == date(
        2024, 2, 29
    )


def test_an_erased_account_leaves_the_redis_board(auth_client, backend, people):
    client = auth_client(people["cat"])
    assert rows(board(client, period="week")) == [("ann", 3, 1), ("bob", 2, 2)]
    people["ann"].delete()
    body = board(client, period="week")
    assert rows(body) == [("bob", 2, 1)]
