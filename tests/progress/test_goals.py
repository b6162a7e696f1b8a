"""Goals and milestones: progress from real data per type, trend and projection, automatic status
changes and their events, validation, ownership and the list's query count."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.metrics import metric_record
from accounts.profiles import preferences_update
from exercises.models import Exercise
from fitai import events
from progress import goals
from progress.models import Goal, Milestone
from progress.tasks import goals_expire_task
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts import services
from workouts.models import Workout

pytestmark = pytest.mark.django_db
URL = "/api/v1/goals"
# A fixed "now" (a Wednesday, mid-day UTC) so days, weeks and deadlines never straddle midnight.
NOW = datetime(2025, 6, 11, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


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
    """Run what follows the commit (events → tasks → aggregates → goals), as production does."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def announced():
    """Every `goal.achieved` / `milestone.achieved` delivered during the test, in order."""
    seen: list[tuple[str, dict]] = []

    def on_goal(**payload):
        seen.append((goals.GOAL_ACHIEVED, payload))

    def on_milestone(**payload):
        seen.append((goals.MILESTONE_ACHIEVED, payload))

    events.subscribe(goals.GOAL_ACHIEVED, on_goal)
    events.subscribe(goals.MILESTONE_ACHIEVED, on_milestone)
    yield seen
    events.unsubscribe(goals.GOAL_ACHIEVED, on_goal)
    events.unsubscribe(goals.MILESTONE_ACHIEVED, on_milestone)


@pytest.fixture
def squat():
    return ExerciseFactory(name="Back Squat", muscles=["quadriceps"], gear=["barbell"])


def weigh(user, value, *, days_ago=0, kind="weight"):
    return metric_record(
        user=user, kind=kind, value=Decimal(str(value)), measured_at=timezone.now() - timedelta(days=days_ago)
    )


def train(user, exercise, sets, *, start=None):
    """Record a completed workout of `sets` [(kg, reps), ...] starting at `start` (an hour ago)."""
    start = start or timezone.now() - timedelta(hours=1)
    workout, _ = services.workout_create(
        owner=user,
        status=Workout.Status.COMPLETED,
        started_at=start,
        completed_at=start + timedelta(minutes=45),
        exercises=[
            {"exercise_id": exercise.public_id, "sets": [{"weight_kg": w, "reps": r} for w, r in sets]}
        ],
    )
    return workout


def create(client, **payload):
    payload.setdefault("title", "My goal")
    return client.post(URL, payload, format="json")


def progress_of(client, goal_id) -> dict:
    return client.get(f"{URL}/{goal_id}").json()["progress"]


# --- progress from real data, per type ------------------------------------------------------------


def test_body_weight_goal_reads_the_latest_weight_and_counts_losing_as_progress(auth_client, frozen, run):
    client = auth_client()
    with run():
        weigh(client.user, 90, days_ago=3)
    body = create(client, type="body_weight", target_value=80, deadline="2025-12-31").json()
    assert (body["start_value"], body["progress"]["current"], body["progress"]["percent"]) == (
        90.0,
        90.0,
        0.0,
    )
    with run():
        weigh(client.user, 85)
    body = client.get(f"{URL}/{body['id']}").json()
    assert body["progress"]["current"] == 85.0
    assert body["progress"]["percent"] == 50.0
    assert Goal.objects.get().current_value == Decimal("85.00")


def test_percent_is_clamped_when_the_weight_moves_away_from_the_target(auth_client, frozen, run):
    client = auth_client()
    with run():
        weigh(client.user, 60, days_ago=2)
    goal = create(client, type="body_weight", target_value=70).json()
    with run():
        weigh(client.user, 58, days_ago=1)
    assert progress_of(client, goal["id"])["percent"] == 0.0
    with run():
        weigh(client.user, 67.5)
    assert progress_of(client, goal["id"])["percent"] == 75.0


def test_body_fat_goal_reads_the_latest_body_fat(auth_client, frozen, run):
    client = auth_client()
    with run():
        weigh(client.user, 24, kind="body_fat", days_ago=1)
        weigh(client.user, 88)  # a weight does not move a body-fat goal
    goal = create(client, type="body_fat", target_value=18).json()
    with run():
        weigh(client.user, 21, kind="body_fat")
    assert progress_of(client, goal["id"])["current"] == 21.0
    assert progress_of(client, goal["id"])["percent"] == 50.0


def test_lift_1rm_goal_reads_the_best_e1rm_from_the_aggregates(auth_client, frozen, run, squat):
    client = auth_client()
    with run():
        train(client.user, squat, [(100, 5), (90, 8)], start=NOW - timedelta(days=2))
    body = create(client, type="lift_1rm", exercise_id=squat.slug, target_value=140).json()
    assert body["exercise"]["id"] == str(squat.public_id)
    assert body["start_value"] == 116.67  # Epley: 100 * (1 + 5/30)
    with run():
        train(client.user, squat, [(110, 3)])
    assert progress_of(client, body["id"])["current"] == 121.0


def test_lift_reps_goal_counts_reps_at_the_weight_or_heavier(auth_client, frozen, run, squat):
    client = auth_client()
    with run():
        train(client.user, squat, [(100, 5)], start=NOW - timedelta(days=3))
    goal = create(
        client, type="lift_reps", exercise_id=str(squat.public_id), weight_kg=100, target_value=8
    ).json()
    assert goal["weight_kg"] == 100.0
    assert goal["progress"]["current"] == 5.0
    with run():
        train(client.user, squat, [(80, 12), (105, 6)], start=NOW - timedelta(days=1))
    assert progress_of(client, goal["id"])["current"] == 6.0  # 12 reps at 80 kg do not count


def test_workout_frequency_counts_this_week_in_the_users_timezone(auth_client, frozen, run, squat):
    """Monday 02:00 in Auckland is Sunday 14:00 UTC: a Sunday-evening workout there is last week."""
    frozen(datetime(2025, 6, 15, 14, 0, tzinfo=UTC))
    client = auth_client()
    preferences_update(user=client.user, changes={"timezone": "Pacific/Auckland"})
    with run():
        train(client.user, squat, [(60, 5)], start=datetime(2025, 6, 15, 11, 0, tzinfo=UTC))  # Sun 23:00
        train(client.user, squat, [(60, 5)], start=datetime(2025, 6, 15, 12, 30, tzinfo=UTC))  # Mon 00:30
    goal = create(client, type="workout_frequency", target_value=3).json()
    assert goal["unit"] == "workouts/week"
    assert goal["progress"]["current"] == 1.0
    assert goal["progress"]["percent"] == 33.3


def test_volume_goal_counts_from_the_creation_day_on(auth_client, frozen, run, squat):
    client = auth_client()
    with run():
        train(client.user, squat, [(100, 10)], start=NOW - timedelta(days=2))
        train(client.user, squat, [(100, 5)], start=NOW - timedelta(hours=3))
    goal = create(client, type="volume", target_value=5000).json()
    assert (goal["start_value"], goal["progress"]["current"]) == (0.0, 500.0)
    with run():
        train(client.user, squat, [(100, 5)] * 3)
    assert progress_of(client, goal["id"])["current"] == 2000.0


def test_custom_goal_takes_the_users_current_value(auth_client, frozen):
    client = auth_client()
    goal = create(client, type="custom", unit="km", target_value=10, current_value=2).json()
    assert (goal["unit"], goal["start_value"], goal["progress"]["current"]) == ("km", 2.0, 2.0)
    body = client.patch(f"{URL}/{goal['id']}", {"current_value": 6}, format="json").json()
    assert body["progress"]["current"] == 6.0
    assert body["progress"]["percent"] == 50.0


def test_editing_a_past_workout_updates_an_active_goal(auth_client, frozen, run, squat):
    client = auth_client()
    goal = create(client, type="lift_1rm", exercise_id=squat.slug, target_value=200).json()
    with run():
        workout = train(client.user, squat, [(100, 5)])
    assert Goal.objects.get().current_value == Decimal("116.67")
    with run():
        services.workout_delete(workout=workout)
    assert Goal.objects.get().current_value == Decimal("0.00")
    assert progress_of(client, goal["id"])["current"] == 0.0


# --- trend and projection -------------------------------------------------------------------------


@pytest.mark.parametrize(("deadline_days", "on_track"), [(14, True), (10, True), (5, False)])
def test_projected_date_follows_the_least_squares_line(auth_client, frozen, run, deadline_days, on_track):
    """85 kg today, 0.5 kg more each day before: the line reaches 80 kg in exactly 10 days."""
    client = auth_client()
    with run():
        for days_ago in range(10, -1, -1):
            weigh(client.user, 85 + Decimal("0.5") * days_ago, days_ago=days_ago)
    deadline = (TODAY + timedelta(days=deadline_days)).isoformat()
    progress = create(client, type="body_weight", target_value=80, deadline=deadline).json()["progress"]
    assert progress["projected_date"] == (TODAY + timedelta(days=10)).isoformat()
    assert progress["trend_per_week"] == -3.5
    assert progress["on_track"] is on_track


def test_the_trend_only_uses_the_last_28_days(auth_client, frozen, run):
    client = auth_client()
    with run():
        weigh(client.user, 70, days_ago=40)  # far below: outside the window, ignored by the line
        for days_ago in (20, 10, 0):
            weigh(client.user, 90 - days_ago / 10, days_ago=days_ago)
    progress = create(client, type="body_weight", target_value=80).json()["progress"]
    assert progress["trend_per_week"] == 0.7
    assert progress["projected_date"] is None  # moving away from the target
    assert progress["on_track"] is False


def test_no_deadline_is_on_track_when_the_slope_points_at_the_target(auth_client, frozen, run, squat):
    client = auth_client()
    with run():
        for days_ago, weight in ((14, 100), (7, 105), (0, 110)):
            train(client.user, squat, [(weight, 1)], start=NOW - timedelta(days=days_ago, hours=1))
    progress = create(client, type="lift_1rm", exercise_id=squat.slug, target_value=130).json()["progress"]
    assert progress["trend_per_week"] == 5.0
    assert progress["projected_date"] == (TODAY + timedelta(days=28)).isoformat()
    assert progress["on_track"] is True


def test_a_single_point_gives_no_projection(auth_client, frozen, run):
    client = auth_client()
    with run():
        weigh(client.user, 90)
    progress = create(client, type="body_weight", target_value=80).json()["progress"]
    assert (progress["projected_date"], progress["trend_per_week"], progress["on_track"]) == (
        None,
        None,
        False,
    )


# --- automatic status changes and their events ----------------------------------------------------


def test_reaching_the_target_achieves_the_goal_and_its_milestones_once(
    auth_client, frozen, run, squat, announced
):
    client = auth_client()
    with run():
        train(client.user, squat, [(100, 5)], start=NOW - timedelta(days=2))
    goal = create(client, type="lift_1rm", exercise_id=squat.slug, target_value=120).json()
    milestone = client.post(
        f"{URL}/{goal['id']}/milestone", {"title": "Nearly", "target_value": 118}, format="json"
    )
    assert milestone.status_code == 201
    assert milestone.json()["is_achieved"] is False
    with run():
        train(client.user, squat, [(110, 3)], start=NOW - timedelta(hours=2))
    with run():
        train(client.user, squat, [(115, 3)])  # beating it again announces nothing new
    body = client.get(f"{URL}/{goal['id']}").json()
    assert body["status"] == "achieved"
    assert body["achieved_at"] is not None
    assert body["progress"]["percent"] == 100.0
    assert body["milestones"][0]["is_achieved"] is True
    stored = Goal.objects.get()
    assert announced == [
        (
            goals.MILESTONE_ACHIEVED,
            {"milestone_id": Milestone.objects.get().pk, "goal_id": stored.pk, "user_id": client.user.pk},
        ),
        (goals.GOAL_ACHIEVED, {"goal_id": stored.pk, "user_id": client.user.pk}),
    ]


def test_a_goal_already_reached_when_set_is_achieved_at_once(auth_client, frozen, run, announced):
    client = auth_client()
    with run():
        weigh(client.user, 79)
        body = create(client, type="body_weight", target_value=79).json()
    assert body["status"] == "achieved"
    assert [name for name, _ in announced] == [goals.GOAL_ACHIEVED]
    closed = client.patch(f"{URL}/{body['id']}", {"target_value": 75}, format="json")
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "goal_closed")
    renamed = client.patch(f"{URL}/{body['id']}/", {"title": "Done"}, format="json")
    assert (renamed.status_code, renamed.json()["title"]) == (200, "Done")


def test_a_milestone_already_passed_is_achieved_when_added(auth_client, frozen, run, announced):
    client = auth_client()
    with run():
        weigh(client.user, 90, days_ago=5)
    goal = create(client, type="body_weight", target_value=80).json()
    with run():
        weigh(client.user, 86)
        milestone = client.post(
            f"{URL}/{goal['id']}/milestone", {"title": "-3 kg", "target_value": 87}, format="json"
        )
    assert milestone.json()["is_achieved"] is True
    assert [name for name, _ in announced] == [goals.MILESTONE_ACHIEVED]
    assert Goal.objects.get().status == Goal.Status.ACTIVE


def test_a_goal_past_its_deadline_expires_in_the_daily_task(auth_client, frozen, run):
    client = auth_client()
    with run():
        weigh(client.user, 90)
    goal = create(
        client, type="body_weight", target_value=80, deadline=(TODAY + timedelta(days=1)).isoformat()
    )
    frozen(NOW + timedelta(days=1))
    assert goals_expire_task() == 0  # the deadline day itself still counts
    frozen(NOW + timedelta(days=2))
    assert goals_expire_task() == 1
    body = client.get(f"{URL}/{goal.json()['id']}").json()
    assert (body["status"], body["progress"]["on_track"]) == ("expired", False)


def test_a_refresh_prefers_achieving_to_expiring(auth_client, frozen, run):
    client = auth_client()
    with run():
        weigh(client.user, 90)
    create(client, type="body_weight", target_value=80, deadline=TODAY.isoformat())
    frozen(NOW + timedelta(days=3))
    with run():
        weigh(client.user, 80)
    assert Goal.objects.get().status == Goal.Status.ACHIEVED


def test_a_goal_can_be_abandoned_and_reactivated(auth_client, frozen, run):
    client = auth_client()
    with run():
        weigh(client.user, 90, days_ago=1)
    goal = create(client, type="body_weight", target_value=80, deadline="2025-07-01").json()
    body = client.patch(f"{URL}/{goal['id']}", {"status": "abandoned"}, format="json").json()
    assert (body["status"], body["progress"]["on_track"]) == ("abandoned", False)
    with run():
        weigh(client.user, 79)  # an abandoned goal is not achieved by the data
    assert Goal.objects.get().status == Goal.Status.ABANDONED
    frozen(NOW + timedelta(days=30))
    refused = client.put(f"{URL}/{goal['id']}", {"status": "active"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "expired"
    body = client.put(
        f"{URL}/{goal['id']}", {"status": "active", "deadline": "2025-08-31"}, format="json"
    ).json()
    assert body["status"] == "achieved"  # reactivated, and the data has already reached it


def test_an_expired_goal_cannot_be_reactivated(auth_client, frozen):
    client = auth_client()
    goal = create(client, type="custom", target_value=10, deadline=TODAY.isoformat()).json()
    frozen(NOW + timedelta(days=2))
    goals_expire_task()
    response = client.patch(f"{URL}/{goal['id']}", {"status": "active"}, format="json")
    assert response.status_code == 409
    assert Goal.objects.get().status == Goal.Status.EXPIRED


# --- API: create, update, delete, validation ------------------------------------------------------


def test_pounds_are_converted_to_kilograms(auth_client, frozen, squat):
    client = auth_client()
    body = create(client, type="body_weight", target_value=176.37, unit="lb").json()
    assert (body["target_value"], body["unit"]) == (80.0, "kg")
    reps = create(
        client, type="lift_reps", exercise_id=squat.slug, weight_kg=225, unit="lb", target_value=5
    ).json()
    assert (reps["weight_kg"], reps["target_value"], reps["unit"]) == (102.06, 5.0, "reps")


def test_create_answers_201_with_the_goal(auth_client, frozen):
    response = create(
        auth_client(),
        type="workout_frequency",
        title="Train 4 times a week",
        target_value=4,
        deadline="2025-09-01",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {
        "id",
        "type",
        "title",
        "target_value",
        "deadline",
        "status",
        "progress",
        "milestones",
    }
    assert set(body["progress"]) == {"current", "percent", "on_track", "projected_date", "trend_per_week"}
    assert (body["status"], body["deadline"], body["milestones"]) == ("active", "2025-09-01", [])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "lift_1rm", "target_value": 100}, "exercise_id"),
        ({"type": "lift_1rm", "target_value": 100, "exercise_id": "no-such-lift"}, "exercise_id"),
        ({"type": "body_weight", "target_value": 80, "exercise_id": "back-squat"}, "exercise_id"),
        ({"type": "lift_reps", "target_value": 5, "exercise_id": "back-squat"}, "weight_kg"),
        ({"type": "body_weight", "target_value": 80, "weight_kg": 50}, "weight_kg"),
        ({"type": "body_weight", "target_value": 10}, "target_value"),
        ({"type": "body_weight", "target_value": 1200, "unit": "lb"}, "target_value"),
        ({"type": "body_fat", "target_value": 80}, "target_value"),
        ({"type": "workout_frequency", "target_value": 15}, "target_value"),
        ({"type": "workout_frequency", "target_value": 0}, "target_value"),
        ({"type": "body_weight", "target_value": 80, "unit": "stone"}, "unit"),
        ({"type": "body_fat", "target_value": 20, "unit": "kg"}, "unit"),
        ({"type": "body_weight", "target_value": 80, "deadline": "2025-06-10"}, "deadline"),
        ({"type": "body_weight", "target_value": 80, "current_value": 85}, "current_value"),
        ({"type": "strength", "target_value": 80}, "type"),
        ({"type": "body_weight", "target_value": "heavy"}, "target_value"),
        ({"type": "body_weight"}, "target_value"),
    ],
)
def test_bad_goals_are_400_and_nothing_is_written(auth_client, frozen, squat, payload, field):
    response = create(auth_client(), **payload)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Goal.objects.exists()


def test_another_members_pending_exercise_is_not_usable(auth_client, frozen):
    pending = ExerciseFactory(status=Exercise.Status.PENDING, created_by=UserFactory())
    client = auth_client()
    response = create(client, type="lift_1rm", exercise_id=pending.slug, target_value=100)
    assert response.status_code == 400
    own = ExerciseFactory(status=Exercise.Status.PENDING, created_by=client.user)
    assert create(client, type="lift_1rm", exercise_id=own.slug, target_value=100).status_code == 201


def test_update_changes_only_the_fields_sent(auth_client, frozen):
    client = auth_client()
    goal = create(client, type="body_weight", title="Cut", target_value=80, deadline="2025-09-01").json()
    body = client.put(f"{URL}/{goal['id']}", {"title": "Summer cut"}, format="json").json()
    assert (body["title"], body["target_value"], body["deadline"]) == ("Summer cut", 80.0, "2025-09-01")
    body = client.patch(f"{URL}/{goal['id']}", {"target_value": 165.35, "unit": "lb"}, format="json").json()
    assert (body["title"], body["target_value"]) == ("Summer cut", 75.0)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "body_fat"}, "type"),
        ({"status": "achieved"}, "status"),
        ({"current_value": 70}, "current_value"),
        ({"target_value": 600}, "target_value"),
        ({"deadline": "2025-01-01"}, "deadline"),
        ({"exercise_id": "back-squat"}, "exercise_id"),
    ],
)
def test_bad_updates_are_400_and_change_nothing(auth_client, frozen, squat, payload, field):
    client = auth_client()
    goal = create(client, type="body_weight", target_value=80, deadline="2025-09-01").json()
    response = client.patch(f"{URL}/{goal['id']}", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    stored = Goal.objects.get()
    assert (stored.type, stored.status, stored.target_value, stored.deadline) == (
        "body_weight",
        "active",
        Decimal(80),
        date(2025, 9, 1),
    )


def test_delete_answers_204_and_removes_the_milestones(auth_client, frozen):
    client = auth_client()
    goal = create(client, type="custom", target_value=10).json()
    client.post(f"{URL}/{goal['id']}/milestone", {"title": "Half", "target_value": 5}, format="json")
    assert client.delete(f"{URL}/{goal['id']}").status_code == 204
    assert not Goal.objects.exists()
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "Beyond", "target_value": 75}, "target_value"),
        ({"title": "Behind", "target_value": 95}, "target_value"),
        ({"title": "Late", "target_value": 85, "due_date": "2025-01-01"}, "due_date"),
        ({"target_value": 85}, "title"),
    ],
)
def test_bad_milestones_are_400(auth_client, frozen, run, payload, field):
    client = auth_client()
    with run():
        weigh(client.user, 90)
    goal = create(client, type="body_weight", target_value=80).json()
    response = client.post(f"{URL}/{goal['id']}/milestone", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Milestone.objects.exists()


def test_list_filters_by_status(auth_client, frozen):
    client = auth_client()
    kept = create(client, type="custom", title="Kept", target_value=10).json()
    dropped = create(client, type="custom", title="Dropped", target_value=10).json()
    client.patch(f"{URL}/{dropped['id']}", {"status": "abandoned"}, format="json")
    body = client.get(URL, {"status": "active"}).json()
    assert [goal["id"] for goal in body["results"]] == [kept["id"]]
    assert client.get(f"{URL}/").json()["count"] == 2
    assert client.get(URL, {"status": "won"}).status_code == 400


# --- ownership and cost ---------------------------------------------------------------------------


def test_another_members_goal_is_404_on_every_route(auth_client, frozen):
    owner = auth_client()
    goal = create(owner, type="custom", title="Mine", target_value=10).json()
    stranger = auth_client()
    path = f"{URL}/{goal['id']}"
    assert stranger.get(path).status_code == 404
    assert stranger.put(path, {"title": "Theirs"}, format="json").status_code == 404
    assert stranger.patch(path, {"status": "abandoned"}, format="json").status_code == 404
    assert stranger.delete(path).status_code == 404
    assert (
        stranger.post(f"{path}/milestone", {"title": "x", "target_value": 5}, format="json").status_code
        == 404
    )
    assert stranger.get(URL).json()["results"] == []
    assert stranger.get(f"{URL}/not-a-uuid").status_code == 404
    stored = Goal.objects.get()
    assert (stored.title, stored.status, stored.milestones.count()) == ("Mine", "active", 0)


def test_anonymous_access_is_401(api_client):
    assert api_client.get(URL).status_code == 401


def _goal_set(client, squat, count):
    for n in range(count):
        for goal_type, extra in (
            ("body_weight", {}),
            ("body_fat", {}),
            ("lift_1rm", {"exercise_id": squat.slug}),
            ("lift_reps", {"exercise_id": squat.slug, "weight_kg": 100}),
            ("workout_frequency", {}),
            ("volume", {}),
            ("custom", {"current_value": n}),
        ):
            target = {
                "body_weight": 80,
                "body_fat": 15,
                "lift_1rm": 200,
                "lift_reps": 10,
                "volume": 9000,
            }.get(goal_type, 4)
            goal = create(client, type=goal_type, target_value=target, **extra).json()
            client.post(
                f"{URL}/{goal['id']}/milestone", {"title": "Step", "target_value": target}, format="json"
            )


def test_the_list_costs_the_same_queries_whatever_the_number_of_goals(
    auth_client, frozen, run, squat, django_assert_max_num_queries
):
    client = auth_client()
    with run():
        weigh(client.user, 90)
        weigh(client.user, 25, kind="body_fat")
        train(client.user, squat, [(100, 5)])
    _goal_set(client, squat, 1)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL).json()["results"]) == 7
    _goal_set(client, squat, 2)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        body = client.get(URL, {"page_size": 100}).json()
    assert len(body["results"]) == 21
    assert all(len(goal["milestones"]) == 1 for goal in body["results"])
    assert len(many) == len(few)


def test_goal_list_is_documented_as_the_paginated_page_it_answers(auth_client):
    """The schema said a bare list while the view answers a page; clients generated from it broke."""
    body = auth_client().get(URL).json()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = schema["paths"][URL]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][documented["$ref"].rsplit("/", 1)[-1]]
    assert set(page["properties"]) == set(body) == {"count", "next", "previous", "results"}
