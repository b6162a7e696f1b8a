"""Analytics reads: every number comes from the per-day aggregates (`progress.aggregates`), never
from raw sets, so each endpoint costs a fixed handful of queries however long the history.

Definitions the endpoints document:
- Periods are rolling windows of days ending today in the user's timezone: week = 7 days,
  month = 30, year = 365; `all` has no previous period. Change = (now - before) / before, in
  percent, or null when there was nothing before.
- Trends are least-squares slopes of the series against time, in units per week; two points at
  least, else null.
- A day streak counts consecutive days with a completed workout, ending today or yesterday (a
  rest day today does not break it yet). A week streak counts consecutive Monday-to-Sunday weeks
  with at least one workout, ending this week or last week.
- Consistency over the last N complete weeks = the mean of min(1, workouts that week / target)
  x 100, where the target is the per-week target of the user's newest active
  `workout_frequency` goal, or 3.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, DecimalField, IntegerField, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from accounts.models import BodyMetric, User
from accounts.profiles import user_today
from exercises.models import Exercise, Muscle
from fitai.db import read_alias
from progress.aggregates import summaries_version, user_zone
from progress.models import DailySummary, ExerciseDaySummary, Goal, MuscleDaySummary
from workouts.models import PersonalRecord

PERIOD_DAYS: dict[str, int | None] = {"week": 7, "month": 30, "year": 365, "all": None}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WEEKLY_TARGET = 3
MAX_OVERVIEW_GOALS = 10
TOTAL_FIELDS = ("workouts", "volume_kg", "sets", "reps", "active_seconds")
STRENGTH_METRICS = {"e1rm": "best_e1rm", "max_weight": "max_weight_kg", "volume": "volume_kg"}
TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
GROUP_NAMES = dict(Muscle.Group.choices)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def _number(value: Decimal | int | None) -> float | int:
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return float(round(value, 2))
    return value


def least_squares(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """(a, b) of the line y = a + b·x closest to the points, or None without two distinct x.

    The one trend line of progress: analytics' slopes and goals' projections both use it.
    """
    if len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return mean_y - slope * mean_x, slope


def slope_per_week(points: Sequence[tuple[date, float]]) -> float | None:
    """Least-squares slope of the values against their dates, in units per week."""
    if len(points) < 2:
        return None
    origin = points[0][0]
    fit = least_squares([((day - origin).days, float(value)) for day, value in points])
    return None if fit is None else round(fit[1] * 7, 3)


def _percent_change(now: float, before: float) -> float | None:
    if not before:
        return None
    return round((now - before) / before * 100, 1)


def _summaries(user: User):
    return DailySummary.objects.using(read_alias()).filter(user=user)


# --- Overview ---------------------------------------------------------------------------------------


def _totals(row: dict[str, Any], prefix: str) -> dict[str, float | int]:
    return {field: _number(row[f"{prefix}{field}"]) for field in TOTAL_FIELDS}


# How long a cached answer may live even if no change is announced: the bound on staleness should
# the version key itself be evicted from the cache.
CACHE_SECONDS = 600


def analytics_overview(*, user: User, period: str) -> dict[str, Any]:
    """Totals of the period, the same for the period before, the change, and volume per muscle group.

    Cached per person, day and period under the version of their aggregates, which moves whenever
    a workout is summarised: the overview is read far more often than workouts are logged.
    """
    today = user_today(user=user)
    key = f"analytics:overview:{user.pk}:v{summaries_version(user_pk=user.pk)}:{today}:{period}"
    cached = cache.get(key)
    if cached is None:
        cached = _overview(user, period, today)
        cache.set(key, cached, CACHE_SECONDS)
    return cached


def _overview(user: User, period: str, today: date) -> dict[str, Any]:
    days = PERIOD_DAYS[period]
    start = today - timedelta(days=days - 1) if days else None
    previous_start = start - timedelta(days=days) if start and days else None
    now_filter = Q(day__gte=start, day__lte=today) if start else Q(day__lte=today)
    sums: dict[str, Any] = {
        f"now_{field}": Coalesce(Sum(field, filter=now_filter), Value(0), output_field=_field(field))
        for field in TOTAL_FIELDS
    }
    if previous_start:
        before = Q(day__gte=previous_start, day__lt=start)
        sums |= {
            f"before_{field}": Coalesce(Sum(field, filter=before), Value(0), output_field=_field(field))
            for field in TOTAL_FIELDS
        }
    row = _summaries(user).aggregate(**sums)
    totals = _totals(row, "now_")
    previous = _totals(row, "before_") if previous_start else None
    muscles = (
        MuscleDaySummary.objects.using(read_alias())
        .filter(user=user, day__lte=today, **({"day__gte": start} if start else {}))
        .values("muscle_group")
        .annotate(volume=Sum("volume_kg"), sets=Sum("sets"))
        .order_by("-volume", "muscle_group")
    )
    muscle_rows = list(muscles)
    credited = sum((row["volume"] for row in muscle_rows), Decimal(0))
    return {
        "period": period,
        "from": start,
        "to": today,
        "totals": totals,
        "previous": previous,
        "change": {field: _percent_change(totals[field], previous[field]) for field in TOTAL_FIELDS}
        if previous
        else None,
        "muscles": [
            {
                "muscle_group": row["muscle_group"],
                "name": GROUP_NAMES.get(row["muscle_group"], row["muscle_group"]),
                "volume_kg": _number(row["volume"]),
                "sets": _number(row["sets"]),
                "share": round(float(row["volume"] / credited), 4) if credited else 0,
            }
            for row in muscle_rows
        ],
    }


def _field(name: str):
    return DecimalField(max_digits=16, decimal_places=2) if name == "volume_kg" else IntegerField()


# --- Strength ---------------------------------------------------------------------------------------


def _window(user: User, start: date | None, end: date | None, default_days: int) -> tuple[date, date]:
    end = end or user_today(user=user)
    return start or end - timedelta(days=default_days - 1), end


def analytics_strength(
    *,
    user: User,
    exercise: Exercise | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 5,
) -> dict[str, Any]:
    """e1RM per training day for one exercise, or for the `limit` most trained ones in the window."""
    start, end = _window(user, start, end, 180)
    rows = ExerciseDaySummary.objects.using(read_alias()).filter(
        user=user, day__gte=start, day__lte=end, best_e1rm__gt=0
    )
    if exercise is not None:
        chosen = [exercise.pk]
    else:
        top = rows.values("exercise_id").annotate(days=Count("id")).order_by("-days", "exercise_id")[:limit]
        chosen = [row["exercise_id"] for row in top]
    series: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    names: dict[int, tuple[str, str]] = {}
    for exercise_id, public_id, name, day, e1rm in (
        rows.filter(exercise_id__in=chosen)
        .order_by("exercise_id", "day")
        .values_list("exercise_id", "exercise__public_id", "exercise__name", "day", "best_e1rm")
    ):
        series[exercise_id].append((day, e1rm))
        names[exercise_id] = (str(public_id), name)
    exercises = []
    for exercise_id in chosen:
        points = series.get(exercise_id, [])
        if not points and exercise is None:
            continue
        public_id, name = names.get(
            exercise_id, (str(exercise.public_id), exercise.name) if exercise else ("", "")
        )
        exercises.append(
            {
                "exercise_id": public_id,
                "name": name,
                "current_e1rm": _number(points[-1][1]) if points else None,
                "best_e1rm": _number(max(value for _, value in points)) if points else None,
                "trend_kg_per_week": slope_per_week([(day, float(value)) for day, value in points]),
                "points": [{"date": day, "e1rm": _number(value)} for day, value in points],
            }
        )
    return {"from": start, "to": end, "exercises": exercises}


def most_trained_exercise(*, user: User) -> Exercise | None:
    row = (
        ExerciseDaySummary.objects.using(read_alias())
        .filter(user=user)
        .values("exercise_id")
        .annotate(days=Count("id"))
        .order_by("-days", "exercise_id")
        .first()
    )
    return Exercise.objects.filter(pk=row["exercise_id"]).first() if row else None


def progress_strength(
    *,
    user: User,
    exercise: Exercise | None,
    metric: str = "e1rm",
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """One exercise's series of the chosen metric per training day, and the user's standing records."""
    start, end = _window(user, start, end, 365)
    if exercise is None:
        return {"exercise": None, "metric": metric, "from": start, "to": end, "points": [], "bests": {}}
    column = STRENGTH_METRICS[metric]
    points = (
        ExerciseDaySummary.objects.using(read_alias())
        .filter(user=user, exercise=exercise, day__gte=start, day__lte=end)
        .order_by("day")
        .values_list("day", column)
    )
    records = (
        PersonalRecord.objects.using(read_alias())
        .filter(user=user, exercise=exercise, is_current=True)
        .exclude(type=PersonalRecord.Type.MAX_REPS)
    )
    return {
        "exercise": {"id": str(exercise.public_id), "name": exercise.name},
        "metric": metric,
        "from": start,
        "to": end,
        "points": [{"date": day, "value": _number(value)} for day, value in points],
        "bests": {
            record.type: {"value": _number(record.value), "achieved_at": record.achieved_at}
            for record in records
        },
    }


# --- Volume -----------------------------------------------------------------------------------------


def _bucket_start(day: date, group_by: str) -> date:
    return {"day": day, "week": week_start(day), "month": month_start(day)}[group_by]


def _default_start(end: date, group_by: str) -> date:
    if group_by == "day":
        return end - timedelta(days=29)
    if group_by == "week":
        return week_start(end) - timedelta(weeks=11)
    year, month = divmod(end.year * 12 + end.month - 1 - 11, 12)
    return date(year, month + 1, 1)


def analytics_volume(
    *,
    user: User,
    group_by: str = "week",
    by: str = "muscle",
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """Volume per day, week or month, split by muscle group or by exercise, with each bucket's total."""
    end = end or user_today(user=user)
    start = start or _default_start(end, group_by)
    window = {"user": user, "day__gte": start, "day__lte": end}
    trunc = TRUNC[group_by]("day")
    totals = {
        _as_date(row["bucket"]): row
        for row in _summaries(user)
        .filter(day__gte=start, day__lte=end)
        .annotate(bucket=trunc)
        .values("bucket")
        .annotate(volume=Sum("volume_kg"), sets=Sum("sets"), workouts=Sum("workouts"))
        .order_by("bucket")
    }
    groups: dict[date, list[dict[str, Any]]] = defaultdict(list)
    if by == "muscle":
        rows = (
            MuscleDaySummary.objects.using(read_alias())
            .filter(**window)
            .annotate(bucket=trunc)
            .values("bucket", "muscle_group")
            .annotate(volume=Sum("volume_kg"), sets=Sum("sets"))
            .order_by("bucket", "-volume", "muscle_group")
        )
        for row in rows:
            groups[_as_date(row["bucket"])].append(
                {
                    "key": row["muscle_group"],
                    "name": GROUP_NAMES.get(row["muscle_group"], row["muscle_group"]),
                    "volume_kg": _number(row["volume"]),
                    "sets": _number(row["sets"]),
                }
            )
    else:
        rows = (
            ExerciseDaySummary.objects.using(read_alias())
            .filter(**window)
            .annotate(bucket=trunc)
            .values("bucket", "exercise__public_id", "exercise__name")
            .annotate(volume=Sum("volume_kg"), sets=Sum("sets"))
            .order_by("bucket", "-volume", "exercise__name")
        )
        for row in rows:
            groups[_as_date(row["bucket"])].append(
                {
                    "key": str(row["exercise__public_id"]),
                    "name": row["exercise__name"],
                    "volume_kg": _number(row["volume"]),
                    "sets": _number(row["sets"]),
                }
            )
    return {
        "group_by": group_by,
        "by": by,
        "from": start,
        "to": end,
        "buckets": [
            {
                "start": bucket,
                "volume_kg": _number(total["volume"]),
                "sets": _number(total["sets"]),
                "workouts": _number(total["workouts"]),
                "groups": groups.get(bucket, []),
            }
            for bucket, total in totals.items()
        ],
    }


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- Frequency --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Streaks:
    current_days: int
    longest_days: int
    current_weeks: int
    longest_weeks: int


def _runs(items: Sequence[date], step: timedelta) -> list[tuple[date, int]]:
    """Maximal runs of consecutive dates `step` apart, as (last date, length)."""
    runs: list[tuple[date, int]] = []
    for item in items:
        if runs and item - runs[-1][0] == step:
            runs[-1] = (item, runs[-1][1] + 1)
        else:
            runs.append((item, 1))
    return runs


def streaks(training_days: Sequence[date], today: date) -> Streaks:
    """Day and week streaks from the sorted days with a workout (definitions in the module doc)."""
    day_runs = _runs(training_days, timedelta(days=1))
    weeks = sorted({week_start(day) for day in training_days})
    week_runs = _runs(weeks, timedelta(weeks=1))
    current_days = next((length for last, length in day_runs[-1:] if last >= today - timedelta(days=1)), 0)
    current_weeks = next(
        (length for last, length in week_runs[-1:] if last >= week_start(today) - timedelta(weeks=1)), 0
    )
    return Streaks(
        current_days=current_days,
        longest_days=max((length for _, length in day_runs), default=0),
        current_weeks=current_weeks,
        longest_weeks=max((length for _, length in week_runs), default=0),
    )


def training_days(*, user: User, until: date) -> list[date]:
    """The days (in the user's timezone) with at least one completed workout, oldest first."""
    return list(
        _summaries(user).filter(workouts__gt=0, day__lte=until).order_by("day").values_list("day", flat=True)
    )


def daily_workout_counts(*, user: User, start: date, end: date) -> dict[date, int]:
    """Completed workouts per day between two days (both included), for calendars."""
    rows = (
        _summaries(user).filter(day__gte=start, day__lte=end, workouts__gt=0).values_list("day", "workouts")
    )
    return dict(rows)


def weekly_target(*, user: User) -> int:
    target = (
        Goal.objects.using(read_alias())
        .filter(user=user, type=Goal.Type.WORKOUT_FREQUENCY, status=Goal.Status.ACTIVE)
        .order_by("-created_at")
        .values_list("target_value", flat=True)
        .first()
    )
    return max(1, int(target)) if target else DEFAULT_WEEKLY_TARGET


def analytics_frequency(*, user: User, weeks: int = 12) -> dict[str, Any]:
    """Workouts per week, a weekday histogram, streaks and a consistency score."""
    today = user_today(user=user)
    this_week = week_start(today)
    first_week = this_week - timedelta(weeks=weeks - 1)
    counts = dict(
        _summaries(user).filter(workouts__gt=0, day__lte=today).order_by("day").values_list("day", "workouts")
    )
    days = list(counts)
    per_week: Counter[date] = Counter()
    weekdays: Counter[int] = Counter()
    for day, workouts in counts.items():
        if day >= first_week:
            per_week[week_start(day)] += workouts
            weekdays[day.weekday()] += workouts
    target = weekly_target(user=user)
    complete_weeks = [this_week - timedelta(weeks=n) for n in range(1, weeks + 1)]
    consistency = sum(min(1.0, per_week_all(counts, week) / target) for week in complete_weeks) / weeks
    found = streaks(days, today)
    return {
        "weeks": [
            {"week_start": week, "workouts": per_week.get(week, 0)}
            for week in (first_week + timedelta(weeks=n) for n in range(weeks))
        ],
        "average_per_week": round(sum(per_week.values()) / weeks, 2),
        "weekday_histogram": {name: weekdays.get(index, 0) for index, name in enumerate(WEEKDAYS)},
        "current_streak_days": found.current_days,
        "longest_streak_days": found.longest_days,
        "current_streak_weeks": found.current_weeks,
        "longest_streak_weeks": found.longest_weeks,
        "consistency": {"score": round(consistency * 100, 1), "target_per_week": target, "weeks": weeks},
    }


def per_week_all(counts: dict[date, int], week: date) -> int:
    return sum(counts.get(week + timedelta(days=n), 0) for n in range(7))


# --- Progress overview ------------------------------------------------------------------------------


def progress_overview(*, user: User) -> dict[str, Any]:
    """Totals of all time, streaks, recent records, the body-weight trend of the last 90 days and
    the progress of the active goals."""
    from progress.goals import goals_for_user, goals_progress

    today = user_today(user=user)
    row = _summaries(user).aggregate(
        **{field: Coalesce(Sum(field), Value(0), output_field=_field(field)) for field in TOTAL_FIELDS},
        last_day=Max("day"),
    )
    found = streaks(training_days(user=user, until=today), today)
    records = (
        PersonalRecord.objects.using(read_alias())
        .filter(user=user, previous_value__isnull=False)
        .select_related("exercise")
        .order_by("-achieved_at")[:5]
    )
    since = timezone.now() - timedelta(days=90)
    weights = list(
        BodyMetric.objects.using(read_alias())
        .filter(user=user, kind=BodyMetric.Kind.WEIGHT, measured_at__gte=since)
        .order_by("measured_at")
        .values_list("measured_at", "value")
    )
    zone = user_zone(user)
    weight_points = [(moment.astimezone(zone).date(), float(value)) for moment, value in weights]
    goals = list(goals_for_user(user=user, status=Goal.Status.ACTIVE)[:MAX_OVERVIEW_GOALS])
    progress = goals_progress(user=user, goals=goals)
    return {
        "totals": {field: _number(row[field]) for field in TOTAL_FIELDS},
        "last_workout_day": row["last_day"],
        "current_streak_days": found.current_days,
        "longest_streak_days": found.longest_days,
        "current_streak_weeks": found.current_weeks,
        "recent_records": [
            {
                "type": record.type,
                "exercise_id": str(record.exercise.public_id),
                "exercise_name": record.exercise.name,
                "value": _number(record.value),
                "previous_value": _number(record.previous_value),
                "achieved_at": record.achieved_at,
            }
            for record in records
        ],
        "body_weight": {
            "current_kg": weight_points[-1][1] if weight_points else None,
            "trend_kg_per_week": slope_per_week(weight_points),
            "points": [{"measured_at": moment, "weight_kg": _number(value)} for moment, value in weights],
        },
        "goals": [
            {
                "id": str(goal.public_id),
                "title": goal.title,
                "type": goal.type,
                "target_value": _number(goal.target_value),
                "current": _number(progress[goal.pk].current)
                if progress[goal.pk].current is not None
                else None,
                "percent": progress[goal.pk].percent,
                "on_track": progress[goal.pk].on_track,
                "projected_date": progress[goal.pk].projected_date,
                "deadline": goal.deadline,
            }
            for goal in goals
        ],
    }
