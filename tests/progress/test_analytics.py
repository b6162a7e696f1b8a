"""Analytics: three years of training, read from the aggregates in a fixed number of queries and
equal to a brute-force recount of the raw sets."""

import random
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.profiles import preferences_update
from exercises.models import Exercise
from progress import aggregates
from progress.models import DailySummary, ExerciseDaySummary, MuscleDaySummary, SummarisedWorkout
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts.models import Workout, WorkoutExercise, WorkoutSet
from workouts.records import epley

pytestmark = pytest.mark.django_db
ZONE = "America/New_York"
WEEKS = 156
TRAINING_WEEKDAYS = (0, 1, 3, 5)  # Monday, Tuesday, Thursday, Saturday


@pytest.fixture
def lifts():
    return [
        ExerciseFactory(name="Bench Press", muscles=["chest"]),
        ExerciseFactory(name="Back Squat", muscles=["quadriceps", "glutes"]),
        ExerciseFactory(name="Barbell Row", muscles=["lats", "middle-back"]),
    ]


def with_secondary(exercise, *slugs):
    from exercises.models import Muscle

    exercise.secondary_muscles.set(Muscle.objects.filter(slug__in=slugs))
    return exercise


def local_today() -> date:
    return timezone.now().astimezone(ZoneInfo(ZONE)).date()


def build_history(user, lifts, *, weeks: int = WEEKS, seed: int = 7) -> list[Workout]:
    """`weeks` weeks x 4 completed workouts ending today, with warm-ups, progressive working sets,
    an unfinished set now and then, and one late-evening workout per week to test day boundaries."""
    rng = random.Random(seed)
    zone = ZoneInfo(ZONE)
    today = local_today()
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    workouts, sessions = [], []
    for week in range(weeks):
        for weekday in TRAINING_WEEKDAYS:
            day = monday + timedelta(weeks=week, days=weekday)
            if day > today:
                continue
            clock = time(23, 30) if weekday == 5 else time(18, 0)
            start = datetime.combine(day, clock, tzinfo=zone)
            workouts.append(
                Workout(
                    owner=user,
                    name=f"Session {day}",
                    status=Workout.Status.COMPLETED,
                    started_at=start,
                    completed_at=start + timedelta(minutes=50),
                    active_seconds=rng.randint(2400, 3600),
                )
            )
            sessions.append(week)
    Workout.objects.bulk_create(workouts)
    rows = [
        WorkoutExercise(workout=workout, index=index, exercise=exercise)
        for workout in workouts
        for index, exercise in enumerate(lifts)
    ]
    WorkoutExercise.objects.bulk_create(rows)
    sets = []
    for row, week in zip(rows, (w for w in sessions for _ in lifts), strict=True):
        base = Decimal(40 + 20 * row.index + week // 2)
        sets.append(
            WorkoutSet(
                workout=row.workout,
                workout_exercise=row,
                index=0,
                set_type="warmup",
                reps=10,
                weight_kg=base / 2,
                completed_at=row.workout.started_at,
            )
        )
        for index in range(1, 4):
            sets.append(
                WorkoutSet(
                    workout=row.workout,
                    workout_exercise=row,
                    index=index,
                    reps=rng.randint(3, 10),
                    weight_kg=base + Decimal(rng.choice(["0", "2.5", "5"])),
                    completed_at=None if rng.random() < 0.05 else row.workout.started_at,
                )
            )
    WorkoutSet.objects.bulk_create(sets)
    return workouts


def brute_force(user) -> dict:
    """Recount every day straight from the raw sets, independently of `progress.aggregates`."""
    zone = ZoneInfo(ZONE)
    days: dict[date, dict] = defaultdict(
        lambda: {"workouts": 0, "volume": Decimal(0), "sets": 0, "reps": 0, "active": 0}
    )
    exercise_days: dict[tuple[int, date], Decimal] = {}
    top_weight: dict[tuple[int, date], Decimal] = {}
    exercise_volume: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    muscles: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    workouts = Workout.objects.filter(owner=user, status="completed", deleted_at__isnull=True)
    rows = WorkoutExercise.objects.filter(workout__in=workouts).select_related("workout", "exercise")
    rows = rows.prefetch_related("sets", "exercise__primary_muscles", "exercise__secondary_muscles")
    for workout in workouts:
        day = workout.started_at.astimezone(zone).date()
        days[day]["workouts"] += 1
        days[day]["active"] += workout.active_seconds
    for row in rows:
        day = row.workout.started_at.astimezone(zone).date()
        primary = {m.group for m in row.exercise.primary_muscles.all()}
        secondary = {m.group for m in row.exercise.secondary_muscles.all()} - primary
        for item in row.sets.all():
            if item.completed_at is None or item.set_type == "warmup":
                continue
            volume = item.weight_kg * item.reps
            days[day]["volume"] += volume
            days[day]["sets"] += 1
            days[day]["reps"] += item.reps
            key = (row.exercise_id, day)
            exercise_days[key] = max(exercise_days.get(key, Decimal(0)), epley(item.weight_kg, item.reps))
            top_weight[key] = max(
                top_weight.get(key, Decimal(0)), item.weight_kg if item.reps else Decimal(0)
            )
            exercise_volume[key] += volume
            for group in primary:
                muscles[(group, day)] += volume
            for group in secondary:
                muscles[(group, day)] += volume / 2
    return {
        "days": days,
        "e1rm": exercise_days,
        "max_weight": top_weight,
        "volume": exercise_volume,
        "muscles": muscles,
    }


def least_squares_per_week(points: list[tuple[date, Decimal]]) -> float:
    xs = [(day - points[0][0]).days for day, _ in points]
    ys = [float(value) for _, value in points]
    n = len(xs)
    slope = (n * sum(x * y for x, y in zip(xs, ys, strict=True)) - sum(xs) * sum(ys)) / (
        n * sum(x * x for x in xs) - sum(xs) ** 2
    )
    return slope * 7


@pytest.fixture(scope="module")
def three_years(django_db_setup, django_db_blocker):
    """One user with three years of training, built once for the module (it takes seconds)."""
    with django_db_blocker.unblock():
        user = UserFactory()
        preferences_update(user=user, changes={"timezone": ZONE})
        lifts = [
            ExerciseFactory(name="History Bench Press", muscles=["chest"]),
            ExerciseFactory(name="History Back Squat", muscles=["quadriceps", "glutes"]),
            ExerciseFactory(name="History Barbell Row", muscles=["lats", "middle-back"]),
        ]
        with_secondary(lifts[0], "triceps", "front-delts")
        build_history(user, lifts)
        aggregates.analytics_rebuild(user=user)
        truth = brute_force(user)
    yield user, lifts, truth
    with django_db_blocker.unblock():
        Workout.objects.filter(owner=user).delete()
        for model in (DailySummary, ExerciseDaySummary, MuscleDaySummary, SummarisedWorkout):
            model.objects.filter(user=user).delete()
        Exercise.objects.filter(pk__in=[lift.pk for lift in lifts]).delete()
        user.delete()


@pytest.fixture
def history(three_years, auth_client):
    user, lifts, truth = three_years
    client = auth_client(user)
    client.truth, client.lifts = truth, lifts
    return client


def window_sum(days: dict, start: date, end: date, field: str):
    return sum((stats[field] for day, stats in days.items() if start <= day <= end), 0)


# --- the aggregates ---------------------------------------------------------------------------------


def test_daily_summaries_equal_a_recount_of_the_raw_sets(history):
    truth = history.truth["days"]
    stored = {row.day: row for row in DailySummary.objects.filter(user=history.user)}
    assert set(stored) == set(truth)
    for day, stats in truth.items():
        row = stored[day]
        assert (row.workouts, row.volume_kg, row.sets, row.reps, row.active_seconds) == (
            stats["workouts"],
            stats["volume"],
            stats["sets"],
            stats["reps"],
            stats["active"],
        ), day


def test_a_late_evening_workout_counts_on_its_local_day(history):
    saturdays = [day for day in history.truth["days"] if day.weekday() == 5]
    assert saturdays, "the history trains on Saturdays at 23:30 New York time (Sunday in UTC)"
    assert DailySummary.objects.filter(user=history.user, day=saturdays[0]).exists()
    assert not DailySummary.objects.filter(user=history.user, day=saturdays[0] + timedelta(days=1)).exists()


# --- the endpoints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["week", "month", "year", "all"])
def test_overview_matches_the_brute_force_totals(history, period, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = history.get("/api/v1/analytics/overview", {"period": period})
    assert response.status_code == 200, response.content
    body, truth, today = response.json(), history.truth["days"], local_today()
    length = {"week": 7, "month": 30, "year": 365, "all": None}[period]
    start = today - timedelta(days=length - 1) if length else date.min
    assert body["totals"]["workouts"] == window_sum(truth, start, today, "workouts")
    assert body["totals"]["sets"] == window_sum(truth, start, today, "sets")
    assert body["totals"]["reps"] == window_sum(truth, start, today, "reps")
    assert body["totals"]["active_seconds"] == window_sum(truth, start, today, "active")
    assert body["totals"]["volume_kg"] == pytest.approx(float(window_sum(truth, start, today, "volume")))
    if length:
        before = window_sum(truth, start - timedelta(days=length), start - timedelta(days=1), "volume")
        assert body["previous"]["volume_kg"] == pytest.approx(float(before))
        now = float(window_sum(truth, start, today, "volume"))
        assert body["change"]["volume_kg"] == pytest.approx(
            round((now - float(before)) / float(before) * 100, 1)
        )
    else:
        assert body["previous"] is None
    muscles = {row["muscle_group"]: row["volume_kg"] for row in body["muscles"]}
    expected = defaultdict(Decimal)
    for (group, day), volume in history.truth["muscles"].items():
        if start <= day <= today:
            expected[group] += volume
    assert muscles == pytest.approx({group: float(round(v, 2)) for group, v in expected.items()}, abs=0.05)
    assert muscles["arms"] == pytest.approx(muscles["chest"] / 2, rel=0.01)


def test_strength_series_and_trend_match_the_raw_sets(history, django_assert_max_num_queries):
    squat = history.lifts[1]
    start = local_today() - timedelta(days=364)
    with django_assert_max_num_queries(6):
        response = history.get(
            "/api/v1/analytics/strength", {"exercise_id": str(squat.public_id), "from": start.isoformat()}
        )
    assert response.status_code == 200, response.content
    [series] = response.json()["exercises"]
    expected = sorted(
        (day, value)
        for (exercise_id, day), value in history.truth["e1rm"].items()
        if exercise_id == squat.pk and day >= start
    )
    assert [(p["date"], p["e1rm"]) for p in series["points"]] == [
        (day.isoformat(), float(value)) for day, value in expected
    ]
    assert series["best_e1rm"] == float(max(value for _, value in expected))
    assert series["trend_kg_per_week"] == pytest.approx(least_squares_per_week(expected), abs=0.001)
    assert series["trend_kg_per_week"] > 0, "the generated history gets stronger every fortnight"


def test_strength_without_an_exercise_lists_the_most_trained(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = history.get("/api/v1/analytics/strength", {"limit": 2})
    assert response.status_code == 200
    assert len(response.json()["exercises"]) == 2


@pytest.mark.parametrize("metric", ["e1rm", "max_weight", "volume"])
def test_progress_strength_series_and_bests(history, metric, django_assert_max_num_queries):
    lifts = history.lifts
    with django_assert_max_num_queries(7):
        response = history.get("/api/v1/progress/strength", {"exercise_id": lifts[0].slug, "metric": metric})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["exercise"]["name"] == "History Bench Press"
    start = local_today() - timedelta(days=364)
    truth = history.truth[metric]
    expected = sorted(
        (day, value) for (exercise_id, day), value in truth.items() if exercise_id == lifts[0].pk
    )
    assert [(p["date"], p["value"]) for p in body["points"]] == [
        (day.isoformat(), float(value)) for day, value in expected if day >= start
    ]


@pytest.mark.parametrize("group_by", ["day", "week", "month"])
def test_volume_buckets_match_the_raw_sets(history, group_by, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = history.get("/api/v1/analytics/volume", {"group_by": group_by, "by": "muscle"})
    assert response.status_code == 200, response.content
    body = response.json()
    start, end = date.fromisoformat(body["from"]), date.fromisoformat(body["to"])

    def bucket(day: date) -> date:
        if group_by == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1) if group_by == "month" else day

    expected = defaultdict(Decimal)
    for day, stats in history.truth["days"].items():
        if start <= day <= end:
            expected[bucket(day)] += stats["volume"]
    assert {b["start"]: b["volume_kg"] for b in body["buckets"]} == pytest.approx(
        {day.isoformat(): float(v) for day, v in expected.items()}
    )


def test_volume_by_exercise_names_each_exercise(history):
    lifts = history.lifts
    response = history.get("/api/v1/analytics/volume", {"group_by": "month", "by": "exercise"})
    body = response.json()
    names = {group["name"] for bucket in body["buckets"] for group in bucket["groups"]}
    assert names == {lift.name for lift in lifts}
    start = date.fromisoformat(body["from"])
    expected = defaultdict(Decimal)
    for (exercise_id, day), volume in history.truth["volume"].items():
        if day >= start:
            expected[(day.replace(day=1).isoformat(), exercise_id)] += volume
    by_id = {str(lift.public_id): lift.pk for lift in lifts}
    got = {(b["start"], by_id[g["key"]]): g["volume_kg"] for b in body["buckets"] for g in b["groups"]}
    assert got == pytest.approx({key: float(value) for key, value in expected.items()})


def test_frequency_matches_the_calendar(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = history.get("/api/v1/analytics/frequency", {"weeks": 8})
    assert response.status_code == 200, response.content
    body, today = response.json(), local_today()
    this_monday = today - timedelta(days=today.weekday())
    truth = history.truth["days"]
    for week in body["weeks"]:
        monday = date.fromisoformat(week["week_start"])
        assert week["workouts"] == window_sum(truth, monday, monday + timedelta(days=6), "workouts")
    assert body["weeks"][-1]["week_start"] == this_monday.isoformat()
    histogram = Counter(day.weekday() for day in truth if day >= this_monday - timedelta(weeks=7))
    assert list(body["weekday_histogram"].values()) == [histogram.get(n, 0) for n in range(7)]
    assert body["longest_streak_days"] == 2, "Monday and Tuesday are the only consecutive training days"
    streak, day = 0, today if today in truth else today - timedelta(days=1)
    while day in truth:
        streak, day = streak + 1, day - timedelta(days=1)
    assert body["current_streak_days"] == streak
    assert body["longest_streak_weeks"] == WEEKS
    assert body["consistency"] == {"score": 100.0, "target_per_week": 3, "weeks": 8}


def test_progress_overview(history, django_assert_max_num_queries):
    for title in ("Train four times a week", "Train five times a week"):
        created = history.post(
            "/api/v1/goals", {"type": "workout_frequency", "title": title, "target_value": 7}, format="json"
        )
        assert created.status_code == 201, created.content
    with django_assert_max_num_queries(14):
        response = history.get("/api/v1/progress")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totals"]["workouts"] == sum(stats["workouts"] for stats in history.truth["days"].values())
    assert body["current_streak_weeks"] == WEEKS
    assert body["last_workout_day"] == max(history.truth["days"]).isoformat()
    this_week = window_sum(
        history.truth["days"],
        local_today() - timedelta(days=local_today().weekday()),
        local_today(),
        "workouts",
    )
    assert [goal["title"] for goal in body["goals"]] == ["Train five times a week", "Train four times a week"]
    assert body["goals"][0]["current"] == this_week
    assert body["goals"][0]["percent"] == pytest.approx(min(100.0, this_week / 7 * 100), abs=0.1)


# --- maintenance through the API -----------------------------------------------------------------------


@pytest.fixture
def athlete(auth_client, lifts):
    client = auth_client()
    preferences_update(user=client.user, changes={"timezone": ZONE})
    return client


def record_past_workout(client, exercise, *, day: date, weight=100, reps=5):
    start = datetime.combine(day, time(12), tzinfo=ZoneInfo(ZONE))
    body = {
        "name": "Past",
        "status": "completed",
        "started_at": start.isoformat(),
        "completed_at": (start + timedelta(hours=1)).isoformat(),
        "exercises": [
            {"exercise_id": str(exercise.public_id), "sets": [{"reps": reps, "weight_kg": weight}] * 2}
        ],
    }
    response = client.post("/api/v1/workouts", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def volume_of(client, period="month") -> float:
    return client.get("/api/v1/analytics/overview", {"period": period}).json()["totals"]["volume_kg"]


def test_completing_editing_and_deleting_a_workout_updates_the_aggregates(
    athlete, lifts, django_capture_on_commit_callbacks
):
    yesterday = local_today() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        workout = record_past_workout(athlete, lifts[0], day=yesterday)
    assert volume_of(athlete) == 1000.0
    assert athlete.get("/api/v1/analytics/frequency").json()["current_streak_days"] == 1

    document = athlete.get(f"/api/v1/workouts/{workout['id']}").json()
    document["exercises"][0]["sets"][0]["weight_kg"] = "120.00"
    with django_capture_on_commit_callbacks(execute=True):
        response = athlete.put(
            f"/api/v1/workouts/{workout['id']}",
            {**document, "base_version": document["version"]},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert volume_of(athlete) == 1100.0

    with django_capture_on_commit_callbacks(execute=True):
        assert athlete.delete(f"/api/v1/workouts/{workout['id']}").status_code == 204
    assert volume_of(athlete) == 0
    assert athlete.get("/api/v1/analytics/frequency").json()["current_streak_days"] == 0
    assert not DailySummary.objects.filter(user=athlete.user).exists()


def test_moving_a_workout_to_another_day_fixes_both_days(athlete, lifts, django_capture_on_commit_callbacks):
    today = local_today()
    with django_capture_on_commit_callbacks(execute=True):
        workout = record_past_workout(athlete, lifts[0], day=today - timedelta(days=10))
    document = athlete.get(f"/api/v1/workouts/{workout['id']}").json()
    start = datetime.combine(today - timedelta(days=2), time(9), tzinfo=ZoneInfo(ZONE))
    document |= {"started_at": start.isoformat(), "completed_at": (start + timedelta(hours=1)).isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        response = athlete.put(
            f"/api/v1/workouts/{workout['id']}",
            {**document, "base_version": document["version"]},
            format="json",
        )
    assert response.status_code == 200, response.content
    days = list(DailySummary.objects.filter(user=athlete.user).values_list("day", flat=True))
    assert days == [today - timedelta(days=2)]


def test_a_live_workout_counts_once_completed(athlete, lifts, django_capture_on_commit_callbacks):
    created = athlete.post(
        "/api/v1/workouts",
        {"name": "Now", "exercises": [{"exercise_id": str(lifts[1].public_id)}]},
        format="json",
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        athlete.put(
            f"/api/v1/workouts/{created['id']}/set/0", {"exercise_index": 0, "reps": 5, "weight_kg": 80}
        )
    assert volume_of(athlete, "week") == 0, "an unfinished workout is not in the aggregates yet"
    with django_capture_on_commit_callbacks(execute=True):
        assert athlete.post(f"/api/v1/workouts/{created['id']}/complete").status_code == 200
    assert volume_of(athlete, "week") == 400.0


def test_analytics_show_only_your_own_training(
    athlete, auth_client, lifts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record_past_workout(athlete, lifts[0], day=local_today() - timedelta(days=1))
    stranger = auth_client()
    assert volume_of(stranger, "all") == 0
    assert stranger.get("/api/v1/progress").json()["totals"]["workouts"] == 0
    assert stranger.get("/api/v1/analytics/strength").json()["exercises"] == []


def test_rebuild_command_restores_lost_aggregates(athlete, lifts, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        record_past_workout(athlete, lifts[0], day=local_today() - timedelta(days=1))
    DailySummary.objects.filter(user=athlete.user).delete()
    out = StringIO()
    call_command("rebuild_analytics", "--user", athlete.user.email.upper(), stdout=out, stderr=StringIO())
    assert DailySummary.objects.filter(user=athlete.user).count() == 1
    assert out.getvalue().strip() == "Rebuilt 1 training days for 1 user."


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/analytics/overview", {"period": "decade"}),
        ("/api/v1/analytics/volume", {"group_by": "hour"}),
        ("/api/v1/analytics/volume", {"by": "planet"}),
        ("/api/v1/analytics/volume", {"from": "2026-02-30"}),
        ("/api/v1/analytics/volume", {"from": "2026-05-01", "to": "2026-04-01"}),
        ("/api/v1/analytics/volume", {"from": "0001-01-01"}),
        ("/api/v1/analytics/frequency", {"weeks": 0}),
        ("/api/v1/analytics/frequency", {"weeks": 10**20}),
        ("/api/v1/analytics/strength", {"limit": "many"}),
        ("/api/v1/progress/strength", {"metric": "speed"}),
    ],
)
def test_bad_queries_are_400_in_the_envelope(athlete, path, query):
    response = athlete.get(path, query)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"


def test_an_unknown_or_hidden_exercise_is_404(athlete, auth_client):
    hidden = ExerciseFactory(status="pending", created_by=auth_client().user)
    for exercise_id in ("no-such-lift", str(hidden.public_id)):
        response = athlete.get("/api/v1/analytics/strength", {"exercise_id": exercise_id})
        assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/progress",
        "/api/v1/analytics/overview",
        "/api/v1/analytics/frequency",
        "/api/v1/progress/strength",
    ],
)
def test_analytics_need_a_signed_in_user(api_client, path):
    assert api_client.get(path).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/analytics/strength", "/api/v1/progress/strength"])
def test_an_unknown_exercise_is_a_documented_404(auth_client, path):
    """Found by the schema fuzzer: the views answered 404 in the envelope, the schema did not say so."""
    response = auth_client().get(path, {"exercise_id": "no-such-exercise"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "404" in schema["paths"][path]["get"]["responses"]


def test_the_cached_overview_follows_a_newly_logged_workout(
    auth_client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client = auth_client(user)
    squat = ExerciseFactory(name="Squat", muscles=["quadriceps"])
    first = client.get("/api/v1/analytics/overview", {"period": "week"}).json()
    with django_assert_max_num_queries(2):  # the user and their time zone; the totals are cached
        assert client.get("/api/v1/analytics/overview", {"period": "week"}).json() == first

    now = timezone.now()
    workout = {
        "status": "completed",
        "started_at": (now - timedelta(minutes=50)).isoformat(),
        "completed_at": (now - timedelta(minutes=5)).isoformat(),
        "exercises": [{"exercise_id": str(squat.public_id), "sets": [{"reps": 5, "weight_kg": "100"}]}],
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/workouts", workout, format="json").status_code == 201
    after = client.get("/api/v1/analytics/overview", {"period": "week"}).json()
    assert after["totals"]["workouts"] == first["totals"]["workouts"] + 1
    assert after["totals"]["volume_kg"] == pytest.approx(first["totals"]["volume_kg"] + 500)
