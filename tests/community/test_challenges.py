"""Challenges: creation rules, who sees and joins what, scores that equal a recomputation from the
raw logged sets in the window (time zones, edits, deletes), and the end with its announcement."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import friendships
from accounts.profiles import preferences_update, user_preferences
from community.models import Activity, Challenge, ChallengeParticipant, Notification
from community.tasks import challenges_finish_task
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts import services as workout_services
from workouts.models import Workout, WorkoutSet

pytestmark = pytest.mark.django_db
URL = "/api/v1/community/challenges"
# Wednesday 11 June 2025, mid-day UTC; the challenge week is Monday 9 to Sunday 15 June.
NOW = datetime(2025, 6, 11, 12, 0, tzinfo=UTC)
START, END = date(2025, 6, 9), date(2025, 6, 15)
TYPES = ["workout_count", "total_volume", "total_sets", "streak_days", "exercise_volume"]


@pytest.fixture
def frozen(monkeypatch):
    """`frozen(moment)` makes `timezone.now()` return `moment` everywhere (default NOW)."""

    def freeze(moment: datetime = NOW) -> datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    freeze()
    return freeze


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run what follows the commit (events → aggregates → scores), as production does."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def squat():
    return ExerciseFactory(name="Back Squat", muscles=["quadriceps"])


@pytest.fixture
def bench():
    return ExerciseFactory(name="Bench Press", muscles=["chest"])


def member(zone: str = "UTC", **extra):
    user = UserFactory(email_verified=True, **extra)
    if zone != "UTC":
        preferences_update(user=user, changes={"timezone": zone})
    return user


def befriend(a, b) -> None:
    friendships.friendship_request(from_user=a, to_user=b)
    friendships.friendship_accept(user=b, other=a)


def train(user, sets, *, start: datetime, exercise=None, warmup: int = 0):
    """A completed workout of `sets` [(exercise, kg, reps), ...] starting at `start`."""
    by_exercise: dict = defaultdict(list)
    for chosen, weight, reps in sets:
        by_exercise[chosen].append({"weight_kg": weight, "reps": reps})
    for _ in range(warmup):
        first = next(iter(by_exercise))
        by_exercise[first].append({"weight_kg": 200, "reps": 10, "set_type": "warmup"})
    workout, _ = workout_services.workout_create(
        owner=user,
        status=Workout.Status.COMPLETED,
        started_at=start,
        completed_at=start + timedelta(minutes=45),
        exercises=[{"exercise_id": e.public_id, "sets": s} for e, s in by_exercise.items()],
    )
    return workout


def create(client, **payload):
    body = {
        "title": "June push",
        "type": "workout_count",
        "start_date": START.isoformat(),
        "end_date": END.isoformat(),
        **payload,
    }
    return client.post(URL, body, format="json")


def make_challenge(creator, **fields) -> Challenge:
    from community.challenges import challenge_create

    fields.setdefault("title", "June push")
    fields.setdefault("type", "workout_count")
    fields.setdefault("start_date", START)
    fields.setdefault("end_date", END)
    return challenge_create(user=creator, **fields)


# --- brute force: the definitions, straight from the raw sets ---------------------------------------


def recomputed(challenge: Challenge, user) -> Decimal:
    """The score by the definitions in `community.challenges`, from raw sets, not aggregates."""
    zone = ZoneInfo(user_preferences(user=user)["timezone"])
    days: dict[date, dict] = defaultdict(
        lambda: {"workouts": 0, "volume": Decimal(0), "sets": 0, "ex": Decimal(0)}
    )
    for workout in Workout.objects.filter(owner=user, status="completed", deleted_at__isnull=True):
        day = workout.started_at.astimezone(zone).date()
        if not challenge.start_date <= day <= challenge.end_date:
            continue
        days[day]["workouts"] += 1
        logged = WorkoutSet.objects.filter(workout=workout, completed_at__isnull=False).exclude(
            set_type="warmup"
        )
        for row in logged.select_related("workout_exercise"):
            volume = Decimal(row.weight_kg) * row.reps
            days[day]["volume"] += volume
            days[day]["sets"] += 1
            if row.workout_exercise.exercise_id == challenge.exercise_id:
                days[day]["ex"] += volume
    if challenge.type == "workout_count":
        return Decimal(sum(d["workouts"] for d in days.values()))
    if challenge.type == "total_volume":
        return sum((d["volume"] for d in days.values()), Decimal(0))
    if challenge.type == "total_sets":
        return Decimal(sum(d["sets"] for d in days.values()))
    if challenge.type == "exercise_volume":
        return sum((d["ex"] for d in days.values()), Decimal(0))
    longest = run = 0
    previous = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest, previous = max(longest, run), day
    return Decimal(longest)


def stored(challenge: Challenge, user) -> Decimal:
    return ChallengeParticipant.objects.get(challenge=challenge, user=user).score


# --- creating ---------------------------------------------------------------------------------------


def test_create_answers_201_and_enters_the_creator(auth_client, frozen):
    client = auth_client(member())
    response = create(client, description="Most workouts wins", target_value=5)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active"
    assert (body["is_joined"], body["participant_count"], body["my_score"]) == (True, 1, 0.0)
    assert body["participation"]["rank"] == 1
    assert body["participation"]["reached_target"] is False
    assert [e["user"]["username"] for e in body["leaderboard"]["entries"]] == [client.user.username]
    challenge = Challenge.objects.get(public_id=body["id"])
    activity = Activity.objects.get(author=client.user, type="challenge_joined")
    assert activity.source_key == f"challenge_joined:{challenge.public_id}"


def test_create_needs_a_verified_email(auth_client, frozen):
    client = auth_client(UserFactory(email_verified=False))
    response = create(client)
    assert response.status_code == 403
    assert not Challenge.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"end_date": "2025-06-08"}, "end_date"),
        ({"end_date": "2026-06-10"}, "end_date"),
        ({"start_date": "2025-05-01", "end_date": "2025-06-10"}, "end_date"),
        ({"type": "exercise_volume"}, "exercise_id"),
        ({"type": "exercise_volume", "exercise_id": "no-such-lift"}, "exercise_id"),
        ({"type": "workout_count", "exercise_id": "back-squat"}, "exercise_id"),
        ({"target_value": 0}, "target_value"),
        ({"target_value": -3}, "target_value"),
        ({"target_value": "1e20"}, "target_value"),
        ({"type": "marathon"}, "type"),
        ({"title": ""}, "title"),
        ({"visibility": "everyone"}, "visibility"),
        ({"start_date": "11/06/2025"}, "start_date"),
        ({"start_date": "9999-12-31", "end_date": "9999-12-31"}, "start_date"),
        ({"start_date": "2026-07-01", "end_date": "2026-07-20"}, "start_date"),
    ],
)
def test_bad_challenges_are_400_naming_the_field(auth_client, frozen, squat, payload, field):
    response = create(auth_client(member()), **payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Challenge.objects.exists()


def test_a_challenge_may_last_exactly_one_year(auth_client, frozen):
    response = create(auth_client(member()), start_date="2025-06-09", end_date="2026-06-09")
    assert response.status_code == 201, response.content


def test_exercise_volume_takes_the_exercise_by_slug_or_uuid(auth_client, frozen, squat):
    client = auth_client(member())
    by_slug = create(client, type="exercise_volume", exercise_id=squat.slug).json()
    by_uuid = create(client, type="exercise_volume", exercise_id=str(squat.public_id)).json()
    assert by_slug["exercise"]["id"] == by_uuid["exercise"]["id"] == str(squat.public_id)


def test_an_unapproved_exercise_of_someone_else_is_not_usable(auth_client, frozen):
    pending = ExerciseFactory(status="pending", created_by=UserFactory())
    response = create(auth_client(member()), type="exercise_volume", exercise_id=pending.slug)
    assert response.status_code == 400
    assert "exercise_id" in response.json()["error"]["fields"]


# --- who sees what ----------------------------------------------------------------------------------


@pytest.fixture
def cast(frozen):
    """The creator, a friend, a stranger, someone the creator blocked, and a moderator."""
    creator, friend, stranger, blocked = member(), member(), member(), member()
    moderator = member(roles=["moderator"])
    befriend(creator, friend)
    friendships.friendship_block(user=creator, other=blocked)
    return {
        "creator": creator,
        "friend": friend,
        "stranger": stranger,
        "blocked": blocked,
        "moderator": moderator,
    }


SEES = {
    # visibility: who sees it (list and detail)
    "public": {"creator", "friend", "stranger", "moderator"},
    "friends": {"creator", "friend", "moderator"},
    "private": {"creator", "moderator"},
}


@pytest.mark.parametrize("visibility", ["public", "friends", "private"])
@pytest.mark.parametrize("viewer", ["creator", "friend", "stranger", "blocked", "moderator"])
def test_who_sees_a_challenge(auth_client, cast, visibility, viewer):
    challenge = make_challenge(cast["creator"], visibility=visibility)
    client = auth_client(cast[viewer])
    listed = [c["id"] for c in client.get(URL).json()["results"]]
    detail = client.get(f"{URL}/{challenge.public_id}")
    board = client.get("/api/v1/community/leaderboard", {"challenge_id": str(challenge.public_id)})
    sees = viewer in SEES[visibility]
    assert (str(challenge.public_id) in listed) is sees
    assert detail.status_code == (200 if sees else 404)
    assert board.status_code == (200 if sees else 404)


@pytest.mark.parametrize(
    ("visibility", "viewer", "status"),
    [
        ("public", "stranger", 200),
        ("friends", "friend", 200),
        ("friends", "stranger", 404),
        ("private", "friend", 404),
        ("public", "blocked", 404),
        ("private", "moderator", 403),
        ("friends", "moderator", 403),
        ("public", "moderator", 200),
    ],
)
def test_who_may_join(auth_client, cast, visibility, viewer, status):
    challenge = make_challenge(cast["creator"], visibility=visibility)
    response = auth_client(cast[viewer]).post(f"{URL}/{challenge.public_id}/join")
    assert response.status_code == status, response.content
    joined = ChallengeParticipant.objects.filter(challenge=challenge, user=cast[viewer]).exists()
    assert joined is (status == 200)


def test_a_participant_keeps_seeing_a_challenge_after_blocking_its_creator(auth_client, cast):
    challenge = make_challenge(cast["creator"])
    client = auth_client(cast["stranger"])
    client.post(f"{URL}/{challenge.public_id}/join")
    friendships.friendship_block(user=cast["stranger"], other=cast["creator"])
    assert client.get(f"{URL}/{challenge.public_id}").status_code == 200


def test_unknown_and_malformed_ids_are_404(auth_client, frozen):
    client = auth_client(member())
    assert client.get(f"{URL}/not-a-uuid").status_code == 404
    assert client.get(f"{URL}/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.post(f"{URL}/00000000-0000-0000-0000-000000000000/join").status_code == 404


def test_join_is_idempotent_and_writes_one_activity(auth_client, frozen):
    challenge = make_challenge(member())
    client = auth_client(member())
    first = client.post(f"{URL}/{challenge.public_id}/join")
    again = client.post(f"{URL}/{challenge.public_id}/join/")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["participant_count"] == 2
    assert again.json()["is_joined"] is True
    assert ChallengeParticipant.objects.filter(challenge=challenge).count() == 2
    assert Activity.objects.filter(author=client.user, type="challenge_joined").count() == 1


def test_joining_a_private_challenge_writes_no_feed_item(frozen):
    creator = member()
    make_challenge(creator, visibility="private")
    assert not Activity.objects.filter(type="challenge_joined").exists()


def test_joining_a_friends_only_challenge_writes_no_feed_item(auth_client, frozen):
    """The joiner's friends are not all the creator's: the title would reach people who may not see it."""
    creator, friend = member(), member()
    befriend(creator, friend)
    challenge = make_challenge(creator, visibility="friends")
    assert auth_client(friend).post(f"{URL}/{challenge.public_id}/join").status_code == 200
    assert not Activity.objects.filter(type="challenge_joined").exists()


def test_winning_a_private_challenge_writes_no_feed_item(frozen, run, squat):
    creator = member()
    challenge = make_challenge(creator, visibility="private")
    with run():
        train(creator, [(squat, 100, 5)], start=at(10, 8))
    frozen(datetime(2025, 6, 17, tzinfo=UTC))
    with run():
        assert challenges_finish_task.delay().get() == 1
    assert Notification.objects.get(recipient=creator, data__challenge_id=str(challenge.public_id)).data[
        "won"
    ]
    assert not Activity.objects.filter(type="challenge_won").exists()


def test_joining_after_the_end_is_409(auth_client, frozen):
    challenge = make_challenge(member())
    frozen(datetime(2025, 6, 16, 1, 0, tzinfo=UTC))
    response = auth_client(member()).post(f"{URL}/{challenge.public_id}/join")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "challenge_ended"


def test_the_last_day_is_still_open_where_it_is_still_that_day(auth_client, frozen):
    challenge = make_challenge(member())
    frozen(datetime(2025, 6, 16, 1, 0, tzinfo=UTC))  # still 15 June in Los Angeles
    response = auth_client(member("America/Los_Angeles")).post(f"{URL}/{challenge.public_id}/join")
    assert response.status_code == 200, response.content


def test_list_filters_by_status_and_membership(auth_client, frozen):
    client = auth_client(member())
    other = member()
    make_challenge(other, title="Active")
    make_challenge(other, title="Upcoming", start_date=date(2025, 6, 20), end_date=date(2025, 6, 30))
    make_challenge(client.user, title="Mine")
    frozen(datetime(2025, 6, 20, 12, tzinfo=UTC))
    titles = lambda **q: sorted(c["title"] for c in client.get(URL, q).json()["results"])  # noqa: E731
    assert titles(status="active") == ["Upcoming"]
    assert titles(status="finished") == ["Active", "Mine"]
    assert titles(status="upcoming") == []
    assert titles(joined="true") == ["Mine"]
    assert titles(joined="false") == ["Active", "Upcoming"]
    assert client.get(URL, {"status": "someday"}).status_code == 400


def test_the_list_costs_the_same_queries_for_many_challenges(auth_client, frozen, squat):
    client = auth_client(member())
    friend = member()
    befriend(client.user, friend)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"page_size": 50}).status_code == 200
        return len(queries)

    make_challenge(friend, visibility="friends")
    count()  # the first request creates the viewer's profile
    few = count()
    for index in range(8):
        make_challenge(member(), title=f"C{index}", type="exercise_volume", exercise_id=squat.slug)
        make_challenge(friend, visibility="friends")
    assert count() == few


def test_the_list_query_count_is_pinned(auth_client, frozen, django_assert_max_num_queries):
    client = auth_client(member())
    for _ in range(5):
        make_challenge(member())
    with django_assert_max_num_queries(10):
        assert len(client.get(URL).json()["results"]) == 5


# --- scores -----------------------------------------------------------------------------------------


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=UTC)


def test_scores_equal_a_recomputation_from_the_raw_sets_in_the_window(auth_client, frozen, run, squat, bench):
    creator = member()
    london, la, tokyo = member("Europe/London"), member("America/Los_Angeles"), member("Asia/Tokyo")
    challenges = {
        kind: make_challenge(
            creator, title=kind, type=kind, exercise_id=squat.slug if kind == "exercise_volume" else None
        )
        for kind in TYPES
    }
    for challenge in challenges.values():
        for person in (london, la, tokyo):
            auth_client(person).post(f"{URL}/{challenge.public_id}/join")

    frozen(datetime(2025, 6, 17, 12, 0, tzinfo=UTC))  # over, but not announced yet
    with run():
        # London (UTC+1): 8 June 23:30 local is before the start; 15 June 23:30 local inside.
        train(london, [(squat, 100, 5)], start=at(8, 22, 30))
        train(london, [(squat, 100, 5), (bench, 60, 10)], start=at(9, 7), warmup=2)
        train(london, [(squat, 110, 3)], start=at(10, 7))
        train(london, [(bench, 70, 8)], start=at(11, 7))
        train(london, [(squat, 120, 2)], start=at(15, 22, 30))
        # Los Angeles (UTC-7): 9 June 05:00 UTC is still 8 June there; 16 June 05:00 UTC is the 15th.
        train(la, [(squat, 80, 10)] * 3, start=at(9, 5))
        train(la, [(squat, 90, 8)], start=at(12, 18))
        train(la, [(bench, 50, 12)], start=at(13, 18))
        train(la, [(squat, 95, 6)], start=at(16, 5))
        # Tokyo (UTC+9): 15 June 16:00 UTC is the 16th there (after the end).
        tokyo_edit = train(tokyo, [(squat, 140, 3)] * 3, start=at(12, 1))
        tokyo_gone = train(tokyo, [(squat, 150, 3), (bench, 100, 5)], start=at(13, 1))
        train(tokyo, [(squat, 160, 1)], start=at(14, 1))
        train(tokyo, [(squat, 200, 5)], start=at(15, 16))

    client = auth_client(tokyo)
    document = client.get(f"/api/v1/workouts/{tokyo_edit.public_id}").json()
    document["exercises"][0]["sets"][1]["weight_kg"] = 145
    document["exercises"][0]["sets"].append({"weight_kg": 100, "reps": 12})
    with run():
        response = client.put(
            f"/api/v1/workouts/{tokyo_edit.public_id}",
            {**document, "base_version": document["version"]},
            format="json",
        )
        assert response.status_code == 200, response.content
    with run():
        assert client.delete(f"/api/v1/workouts/{tokyo_gone.public_id}").status_code == 204

    for kind, challenge in challenges.items():
        for person in (london, la, tokyo):
            person.refresh_from_db()
            assert stored(challenge, person) == recomputed(challenge, person), (kind, person.username)
    # The fixture is not trivial: each kind sees different numbers, and the edges were left out.
    assert stored(challenges["workout_count"], london) == 4
    assert stored(challenges["streak_days"], london) == 3
    assert stored(challenges["workout_count"], tokyo) == 2
    assert stored(challenges["exercise_volume"], la) == Decimal(720 + 570)
    assert stored(challenges["total_sets"], la) == 3


def test_workouts_logged_before_joining_count_when_inside_the_window(auth_client, frozen, run, squat):
    challenge = make_challenge(member(), type="total_volume")
    athlete = member()
    with run():
        train(athlete, [(squat, 100, 5)], start=at(10, 8))
    body = auth_client(athlete).post(f"{URL}/{challenge.public_id}/join").json()
    assert body["my_score"] == 500.0
    assert body["participation"]["score"] == 500.0


def test_scores_are_frozen_once_announced(auth_client, frozen, run, squat):
    athlete = member()
    challenge = make_challenge(athlete)
    with run():
        workout = train(athlete, [(squat, 100, 5)], start=at(10, 8))
    frozen(datetime(2025, 6, 17, tzinfo=UTC))
    challenges_finish_task.delay()
    with run():
        assert auth_client(athlete).delete(f"/api/v1/workouts/{workout.public_id}").status_code == 204
    assert stored(challenge, athlete) == 1


# --- the end ----------------------------------------------------------------------------------------


def test_finishing_ranks_notifies_everyone_and_names_the_winner_once(auth_client, frozen, run, squat):
    creator, runner_up, idle = member(), member(), member()
    challenge = make_challenge(creator, type="total_sets", target_value=Decimal(3))
    for person in (runner_up, idle):
        auth_client(person).post(f"{URL}/{challenge.public_id}/join")
    with run():
        train(creator, [(squat, 100, 5)] * 4, start=at(10, 8))
        train(runner_up, [(squat, 100, 5)] * 2, start=at(11, 8))

    frozen(datetime(2025, 6, 16, 11, 59, tzinfo=UTC))  # 15 June still runs at UTC-12
    assert challenges_finish_task.delay().get() == 0
    frozen(datetime(2025, 6, 16, 12, 0, tzinfo=UTC))
    with run():
        assert challenges_finish_task.delay().get() == 1
        assert challenges_finish_task.delay().get() == 0

    challenge.refresh_from_db()
    assert challenge.finished_at == datetime(2025, 6, 16, 12, 0, tzinfo=UTC)
    notes = {n.recipient_id: n for n in Notification.objects.filter(type="challenge_update")}
    assert set(notes) == {creator.pk, runner_up.pk, idle.pk}
    assert Notification.objects.filter(type="challenge_update").count() == 3
    assert notes[creator.pk].data == {
        "challenge_id": str(challenge.public_id),
        "rank": 1,
        "score": 4.0,
        "won": True,
        "participants": 3,
    }
    assert (notes[runner_up.pk].data["rank"], notes[idle.pk].data["rank"]) == (2, 3)
    assert "won" in notes[creator.pk].title
    assert "won" not in notes[runner_up.pk].title
    won = Activity.objects.filter(type="challenge_won")
    assert [(a.author_id, a.source_key) for a in won] == [
        (creator.pk, f"challenge_won:{challenge.public_id}")
    ]
    body = auth_client(creator).get(f"{URL}/{challenge.public_id}").json()
    assert body["status"] == "finished"
    assert body["participation"]["reached_target"] is True


def test_tied_leaders_all_win_and_nobody_wins_with_nothing(auth_client, frozen, run, squat):
    a, b = member(), member()
    tied = make_challenge(a, title="Tied")
    empty = make_challenge(a, title="Empty", start_date=date(2025, 6, 12))
    auth_client(b).post(f"{URL}/{tied.public_id}/join")
    with run():
        train(a, [(squat, 100, 5)], start=at(10, 8))
        train(b, [(squat, 50, 5)], start=at(10, 9))
    frozen(datetime(2025, 6, 17, tzinfo=UTC))
    with run():
        assert challenges_finish_task.delay().get() == 2
    winners = set(Activity.objects.filter(type="challenge_won").values_list("author_id", "source_key"))
    assert winners == {(a.pk, f"challenge_won:{tied.public_id}"), (b.pk, f"challenge_won:{tied.public_id}")}
    assert Notification.objects.get(recipient=a, data__challenge_id=str(empty.public_id)).data["won"] is False


def test_a_suspended_member_can_neither_open_nor_join(auth_client, frozen):
    from community.models import MemberRestriction

    challenge = make_challenge(member())
    client = auth_client(member())
    MemberRestriction.objects.create(user=client.user, suspended_until=NOW + timedelta(days=3))
    assert create(client).status_code == 403
    response = client.post(f"{URL}/{challenge.public_id}/join")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "suspended")
    assert challenge.participants.count() == 1
