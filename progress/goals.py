"""Goals and milestones: what a member aims for, and how far their real data has brought them.

Where `current` comes from (never from raw sets; always from the aggregates, metrics and records):

- `body_weight`, `body_fat`: the latest body metric of that kind (`accounts.BodyMetric`).
- `lift_1rm`: the best estimated 1RM ever logged for the exercise (`ExerciseDaySummary.best_e1rm`).
- `lift_reps`: the most reps done at `weight_kg` or heavier, from the standing `max_reps` personal
  records of the exercise (`workouts.PersonalRecord`).
- `workout_frequency`: completed workouts this week, Monday to Sunday in the member's timezone
  (`DailySummary.workouts`), against a per-week target.
- `volume`: total training volume (kg) from the goal's creation day on (`DailySummary.volume_kg`).
- `custom`: the `current_value` the member sets themselves.

`start_value` is where the member stood when the goal was set (0 for the counting types:
frequency and volume; the first measurement if there was none yet). `percent` is the way
covered from start to target, `(current - start) / (target - start) * 100`, clamped to 0-100, so
a goal below the start (losing weight) works like one above it.

Trend. A least-squares line `y = a + b·x` is fitted to the goal's series over the last 28 days
(x in days, 0 = today in the member's timezone):

- body weight and body fat: every measurement of that kind in the window;
- lift_1rm: the best e1RM of each day the exercise was trained;
- lift_reps: each day's standing best (most reps at `weight_kg` or more), from the first record on;
- workout_frequency: for each day, the completed workouts of the 7 days ending that day;
- volume: the cumulative volume at the end of each day (so the slope is the recent kg per day);
- custom: no history is stored, so the line runs from the start value at creation to the
  current value now (needs at least a day between them).

It needs two points at different x. `projected_date` is the first day the line reaches the target
(today if it already has), or None when the line is flat or moves away from the target.
`on_track` is true for an achieved goal; otherwise, with a deadline, `projected_date ≤ deadline`;
without one, the slope points towards the target. Abandoned and expired goals are never on track.

Status. A goal is `achieved` (with `achieved_at`) as soon as `current` reaches the target, and
`expired` once its deadline has passed in the member's timezone unachieved; milestones are achieved
when `current` passes their target. `goals_refresh` applies this after every change of the data
(workout aggregates, metrics) and the hourly `goals_expire_task` catches deadlines. Achievements
emit `goal.achieved` and `milestone.achieved` (ids only, after commit) exactly once.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from accounts.models import BodyMetric, User
from exercises.models import Exercise
from exercises.selectors import exercises_visible_to
from fitai import events
from fitai.errors import ConflictError, NotFoundError
from progress.aggregates import day_start, local_day, user_zone
from progress.analytics import least_squares
from progress.models import DailySummary, ExerciseDaySummary, Goal, Milestone
from workouts.models import PersonalRecord

GOAL_ACHIEVED = "goal.achieved"
MILESTONE_ACHIEVED = "milestone.achieved"
# Emitted after commit with ids only; the community app turns them into activities and notifications.
events.declare(GOAL_ACHIEVED, MILESTONE_ACHIEVED)

Type = Goal.Type
Status = Goal.Status
TREND_DAYS = 28
CENT = Decimal("0.01")
LB = Decimal("0.45359237")
MAX_WEIGHT_KG = Decimal(1000)


# Projections further out than this, and trends steeper than this, are not shown.
MAX_PROJECTION_DAYS = 365 * 20
MAX_TREND_PER_WEEK = 1_000_000.0


@dataclass(frozen=True)
class TypeSpec:
    """The unit a type's target is stored in, its bounds, and the units a client may send."""

    unit: str
    low: Decimal
    high: Decimal
    units: dict[str, Decimal]
    needs_exercise: bool = False
    only_up: bool = True


_WEIGHT_UNITS = {"kg": Decimal(1), "lb": LB}
TYPES: dict[str, TypeSpec] = {
    Type.BODY_WEIGHT: TypeSpec("kg", Decimal(20), Decimal(500), _WEIGHT_UNITS, only_up=False),
    Type.BODY_FAT: TypeSpec("%", Decimal(2), Decimal(75), {"%": Decimal(1)}, only_up=False),
    Type.LIFT_1RM: TypeSpec("kg", Decimal(1), MAX_WEIGHT_KG, _WEIGHT_UNITS, needs_exercise=True),
    # The target is reps; `unit` (kg or lb) is the unit of `weight_kg`.
    Type.LIFT_REPS: TypeSpec("reps", Decimal(1), Decimal(1000), _WEIGHT_UNITS, needs_exercise=True),
    Type.WORKOUT_FREQUENCY: TypeSpec("workouts/week", Decimal(1), Decimal(14), {"workouts/week": Decimal(1)}),
    Type.VOLUME: TypeSpec("kg", Decimal(1), Decimal(10_000_000), _WEIGHT_UNITS),
    Type.CUSTOM: TypeSpec("", Decimal(-10_000_000), Decimal(10_000_000), {}, only_up=False),
}
METRIC_KINDS = {Type.BODY_WEIGHT: BodyMetric.Kind.WEIGHT, Type.BODY_FAT: BodyMetric.Kind.BODY_FAT}


@dataclass(frozen=True)
class Progress:
    """How far a goal has come; see the module docstring for every formula."""

    current: Decimal | None
    percent: float
    on_track: bool
    projected_date: date | None
    trend_per_week: Decimal | None


# --- Selectors ------------------------------------------------------------------------------------


def goals_for_user(*, user: User, status: str | None = None) -> QuerySet[Goal]:
    """The user's goals, newest first, with their exercise and milestones loaded."""
    goals = Goal.objects.filter(user=user).select_related("exercise").prefetch_related("milestones")
    if status:
        goals = goals.filter(status=status)
    return goals.order_by("-created_at", "-pk")


def goal_get_for_user(*, user: User, goal_id: UUID | str) -> Goal:
    """The user's own goal; anyone else's is simply not found."""
    try:
        public_id = UUID(str(goal_id))
    except ValueError:
        raise NotFoundError("No such goal.") from None
    goal = goals_for_user(user=user).filter(public_id=public_id).first()
    if goal is None:
        raise NotFoundError("No such goal.")
    return goal


# --- Progress -------------------------------------------------------------------------------------


def _direction(goal: Goal, start: Decimal | None) -> int:
    """+1 when the goal is to go up, -1 to go down (a target below the start)."""
    if TYPES[goal.type].only_up or start is None:
        return 1
    return -1 if goal.target_value < start else 1


def _reached(value: Decimal | None, target: Decimal, direction: int) -> bool:
    if value is None:
        return False
    return value >= target if direction > 0 else value <= target


@dataclass
class _Data:
    """Everything the goals of one member need, loaded in a fixed number of queries."""

    today: date
    now: datetime
    zone: ZoneInfo
    latest_metric: dict[str, Decimal]
    metric_points: dict[str, list[tuple[float, float]]]
    best_e1rm: dict[int, Decimal]
    e1rm_days: dict[int, list[tuple[date, Decimal]]]
    reps_records: dict[int, list[tuple[Decimal, Decimal, datetime, bool]]]
    daily: dict[date, tuple[int, Decimal]]


def _load(user: User, goals: list[Goal]) -> _Data:
    zone = user_zone(user)
    now = timezone.now()
    today = local_day(now, zone)
    window_start = today - timedelta(days=TREND_DAYS - 1)
    types = {goal.type for goal in goals}
    data = _Data(today, now, zone, {}, defaultdict(list), {}, defaultdict(list), defaultdict(list), {})

    kinds = {METRIC_KINDS[t] for t in types if t in METRIC_KINDS}
    for kind in kinds:
        latest = (
            BodyMetric.objects.filter(user=user, kind=kind)
            .order_by("-measured_at", "-created_at")
            .values_list("value", flat=True)
            .first()
        )
        if latest is not None:
            data.latest_metric[kind] = latest
    if kinds:
        since = day_start(window_start, zone)
        # One point per local day, the day's last measurement: a trend in units per day that two
        # readings a moment apart cannot blow up.
        last_of_day: dict[str, dict[date, float]] = defaultdict(dict)
        for kind, value, moment in (
            BodyMetric.objects.filter(user=user, kind__in=kinds, measured_at__gte=since)
            .order_by("measured_at", "created_at")
            .values_list("kind", "value", "measured_at")
        ):
            last_of_day[kind][local_day(moment, zone)] = float(value)
        for kind, days in last_of_day.items():
            data.metric_points[kind] = [((day - today).days, value) for day, value in sorted(days.items())]

    lifts = {goal.exercise_id for goal in goals if goal.type == Type.LIFT_1RM}
    if lifts:
        best = ExerciseDaySummary.objects.filter(user=user, exercise_id__in=lifts).values("exercise_id")
        data.best_e1rm = {row["exercise_id"]: row["best"] for row in best.annotate(best=Max("best_e1rm"))}
        for exercise_id, day, e1rm in ExerciseDaySummary.objects.filter(
            user=user, exercise_id__in=lifts, day__gte=window_start, best_e1rm__gt=0
        ).values_list("exercise_id", "day", "best_e1rm"):
            data.e1rm_days[exercise_id].append((day, e1rm))

    reps = {goal.exercise_id for goal in goals if goal.type == Type.LIFT_REPS}
    if reps:
        for exercise_id, weight, value, achieved_at, is_current in (
            PersonalRecord.objects.filter(user=user, exercise_id__in=reps, type=PersonalRecord.Type.MAX_REPS)
            .order_by("achieved_at", "pk")
            .values_list("exercise_id", "weight_kg", "value", "achieved_at", "is_current")
        ):
            data.reps_records[exercise_id].append((weight or Decimal(0), value, achieved_at, is_current))

    counting = [g for g in goals if g.type in {Type.WORKOUT_FREQUENCY, Type.VOLUME}]
    if counting:
        # The frequency trend needs the 6 days before the window; volume counts from creation.
        first = min(
            [window_start - timedelta(days=6)]
            + [local_day(g.created_at, zone) for g in counting if g.type == Type.VOLUME]
        )
        data.daily = {
            day: (workouts, volume)
            for day, workouts, volume in DailySummary.objects.filter(user=user, day__gte=first).values_list(
                "day", "workouts", "volume_kg"
            )
        }
    return data


def _series(goal: Goal, current: Decimal | None, data: _Data) -> list[tuple[float, float]]:
    """The points of the goal's trend line: x in days before today (negative), y in its unit."""
    today = data.today
    window = [today - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    if goal.type in METRIC_KINDS:
        return data.metric_points.get(METRIC_KINDS[goal.type], [])
    if goal.type == Type.LIFT_1RM:
        return [((day - today).days, float(e1rm)) for day, e1rm in data.e1rm_days.get(goal.exercise_id, [])]
    if goal.type == Type.LIFT_REPS:
        records = [r for r in data.reps_records.get(goal.exercise_id, []) if r[0] >= (goal.weight_kg or 0)]
        points, best, index = [], None, 0
        for day in window:
            while index < len(records) and local_day(records[index][2], data.zone) <= day:
                best = records[index][1] if best is None else max(best, records[index][1])
                index += 1
            if best is not None:
                points.append(((day - today).days, float(best)))
        return points
    if goal.type == Type.WORKOUT_FREQUENCY:
        return [
            (
                (day - today).days,
                float(sum(data.daily.get(day - timedelta(days=n), (0, 0))[0] for n in range(7))),
            )
            for day in window
        ]
    if goal.type == Type.VOLUME:
        points, remaining = [], float(current or 0)
        for day in reversed(window):
            points.append(((day - today).days, remaining))
            remaining -= float(data.daily.get(day, (0, Decimal(0)))[1])
        return points[::-1]
    # custom: from the start value at creation to the current value now.
    if goal.start_value is None or current is None:
        return []
    age = (data.now - goal.created_at).total_seconds() / 86400
    return [(-age, float(goal.start_value)), (0.0, float(current))] if age >= 1 else []


def _current(goal: Goal, data: _Data) -> Decimal | None:
    if goal.type in METRIC_KINDS:
        return data.latest_metric.get(METRIC_KINDS[goal.type])
    if goal.type == Type.LIFT_1RM:
        return data.best_e1rm.get(goal.exercise_id, Decimal(0))
    if goal.type == Type.LIFT_REPS:
        floor = goal.weight_kg or Decimal(0)
        standing = [
            value
            for weight, value, _, is_current in data.reps_records.get(goal.exercise_id, [])
            if is_current and weight >= floor
        ]
        return max(standing, default=Decimal(0))
    if goal.type == Type.WORKOUT_FREQUENCY:
        monday = data.today - timedelta(days=data.today.weekday())
        return Decimal(sum(data.daily.get(monday + timedelta(days=n), (0, 0))[0] for n in range(7)))
    if goal.type == Type.VOLUME:
        created = local_day(goal.created_at, data.zone)
        return sum((volume for day, (_, volume) in data.daily.items() if day >= created), Decimal(0))
    return goal.current_value


def _start(goal: Goal, current: Decimal | None) -> Decimal | None:
    return goal.start_value if goal.start_value is not None else current


def _percent(start: Decimal | None, current: Decimal | None, target: Decimal, direction: int) -> float:
    if current is None or start is None:
        return 0.0
    if target == start:
        return 100.0 if _reached(current, target, direction) else 0.0
    share = (current - start) / (target - start) * 100
    return float(min(Decimal(100), max(Decimal(0), share)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _progress(goal: Goal, data: _Data) -> Progress:
    current = _current(goal, data)
    start = _start(goal, current)
    direction = _direction(goal, start)
    target = goal.target_value
    percent = 100.0 if goal.status == Status.ACHIEVED else _percent(start, current, target, direction)
    fit = least_squares(_series(goal, current, data))
    projected, trend = None, None
    if fit is not None:
        intercept, slope = fit
        weekly = max(-MAX_TREND_PER_WEEK, min(MAX_TREND_PER_WEEK, slope * 7))
        trend = Decimal(str(weekly)).quantize(CENT, rounding=ROUND_HALF_UP)
        if _reached(current, target, direction):
            projected = data.today
        elif slope * direction > 0:
            days = (float(target) - intercept) / slope
            # A nearly flat line reaches the target in centuries: that is no projection at all.
            if days <= MAX_PROJECTION_DAYS:
                projected = data.today + timedelta(days=max(0, math.ceil(days - 1e-9)))
    if goal.status == Status.ACHIEVED:
        on_track = True
        projected = local_day(goal.achieved_at, data.zone) if goal.achieved_at else projected
    elif goal.status != Status.ACTIVE:
        on_track = False
    elif _reached(current, target, direction):
        on_track = True
    elif goal.deadline is not None:
        on_track = projected is not None and projected <= goal.deadline
    else:
        on_track = trend is not None and trend * direction > 0
    return Progress(current, percent, on_track, projected, trend)


def goals_progress(*, user: User, goals: Iterable[Goal]) -> dict[int, Progress]:
    """{goal pk: Progress} for any number of one member's goals in a fixed number of queries."""
    goals = list(goals)
    if not goals:
        return {}
    data = _load(user, goals)
    return {goal.pk: _progress(goal, data) for goal in goals}


def goal_progress(*, goal: Goal) -> Progress:
    return goals_progress(user=goal.user, goals=[goal])[goal.pk]


# --- Validation -----------------------------------------------------------------------------------


def _to_metric(value: Decimal, factor: Decimal) -> Decimal:
    return (Decimal(value) * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def _unit_factor(goal_type: str, unit: str | None, errors: dict[str, list[str]]) -> Decimal:
    spec = TYPES[goal_type]
    if not unit or goal_type == Type.CUSTOM:
        return Decimal(1)
    if unit not in spec.units:
        errors["unit"] = [f"A {goal_type} goal takes the unit {' or '.join(spec.units)}."]
        return Decimal(1)
    return spec.units[unit]


def _check_target(goal_type: str, value: Decimal, errors: dict[str, list[str]], field: str) -> None:
    spec = TYPES[goal_type]
    if not spec.low <= value <= spec.high:
        unit = f" {spec.unit}" if spec.unit else ""
        errors[field] = [f"A {goal_type} target must be between {spec.low} and {spec.high}{unit}."]


def _exercise(user: User, exercise_id: str) -> Exercise | None:
    """An exercise the user may log (approved, or their own submission), by UUID or slug."""
    try:
        lookup = Q(public_id=UUID(str(exercise_id)))
    except ValueError:
        lookup = Q(slug=str(exercise_id))
    return exercises_visible_to(user_public_id=str(user.public_id)).filter(lookup).first()


def _today(user: User) -> date:
    return local_day(timezone.now(), user_zone(user))


def _validated(user: User, goal: Goal | None, fields: dict[str, Any]) -> dict[str, Any]:
    """Check and convert the fields of a new goal or of a change; raise one 400 naming every field."""
    errors: dict[str, list[str]] = {}
    goal_type = fields.get("type") or goal.type
    if goal is not None and goal_type != goal.type:
        raise ValidationError({"type": ["The type of a goal cannot change; create a new goal."]})
    spec = TYPES[goal_type]
    unit = fields.pop("unit", None)
    factor = _unit_factor(goal_type, unit, errors)
    clean: dict[str, Any] = {k: v for k, v in fields.items() if k in {"title", "description", "status"}}
    if goal_type == Type.CUSTOM and unit is not None:
        clean["unit"] = unit
    elif goal is None:
        clean["unit"] = spec.unit

    if "target_value" in fields:
        weight_target = goal_type != Type.LIFT_REPS and spec.units is _WEIGHT_UNITS
        target = _to_metric(fields["target_value"], factor if weight_target else Decimal(1))
        _check_target(goal_type, target, errors, "target_value")
        clean["target_value"] = target

    if "exercise_id" in fields:
        if not spec.needs_exercise:
            if fields["exercise_id"] is not None:
                errors["exercise_id"] = [f"A {goal_type} goal has no exercise."]
        else:
            exercise = _exercise(user, fields["exercise_id"]) if fields["exercise_id"] else None
            if exercise is None:
                errors["exercise_id"] = ["No usable exercise with this id or slug."]
            clean["exercise"] = exercise
    elif goal is None and spec.needs_exercise:
        errors["exercise_id"] = [f"A {goal_type} goal needs an exercise."]

    if "weight_kg" in fields:
        if goal_type != Type.LIFT_REPS:
            if fields["weight_kg"] is not None:
                errors["weight_kg"] = ["Only a lift_reps goal has a weight."]
        elif fields["weight_kg"] is None:
            errors["weight_kg"] = ["A lift_reps goal needs the weight the reps are done at."]
        else:
            weight = _to_metric(fields["weight_kg"], factor)
            if not Decimal(0) <= weight <= MAX_WEIGHT_KG:
                errors["weight_kg"] = [f"The weight must be between 0 and {MAX_WEIGHT_KG} kg."]
            clean["weight_kg"] = weight
    elif goal is None and goal_type == Type.LIFT_REPS:
        errors["weight_kg"] = ["A lift_reps goal needs the weight the reps are done at."]

    if "current_value" in fields:
        if goal_type != Type.CUSTOM:
            errors["current_value"] = ["Only a custom goal's current value is set by hand."]
        elif fields["current_value"] is not None:
            value = Decimal(fields["current_value"]).quantize(CENT, rounding=ROUND_HALF_UP)
            _check_target(goal_type, value, errors, "current_value")
            clean["current_value"] = value

    if "deadline" in fields:
        deadline = fields["deadline"]
        if deadline is not None and deadline < _today(user) and (goal is None or deadline != goal.deadline):
            errors["deadline"] = ["The deadline cannot be in the past."]
        clean["deadline"] = deadline
    if errors:
        raise ValidationError(errors)
    return clean


# --- Services -------------------------------------------------------------------------------------


@transaction.atomic
def goal_create(
    *,
    user: User,
    type: str,
    title: str,
    target_value: Decimal,
    unit: str | None = None,
    exercise_id: str | None = None,
    weight_kg: Decimal | None = None,
    deadline: date | None = None,
    description: str = "",
    current_value: Decimal | None = None,
) -> Goal:
    """Set a goal, note where the member stands now, and mark it achieved at once if it already is."""
    fields: dict[str, Any] = {"type": type, "title": title, "description": description}
    fields["target_value"], fields["deadline"], fields["unit"] = target_value, deadline, unit
    if exercise_id is not None or TYPES[type].needs_exercise:
        fields["exercise_id"] = exercise_id
    if weight_kg is not None or type == Type.LIFT_REPS:
        fields["weight_kg"] = weight_kg
    if current_value is not None:
        fields["current_value"] = current_value
    clean = _validated(user, None, fields)
    goal = Goal(user=user, type=type, **clean)
    goal.created_at = timezone.now()  # read by the volume rule before the row exists
    if type in {Type.WORKOUT_FREQUENCY, Type.VOLUME}:
        goal.start_value = Decimal(0)
    elif type == Type.CUSTOM:
        goal.start_value = goal.current_value if goal.current_value is not None else Decimal(0)
        goal.current_value = goal.start_value
    else:
        goal.start_value = goal_progress_current(user=user, goal=goal)
    goal.save()
    _refresh(user, [goal])
    return goal


def goal_progress_current(*, user: User, goal: Goal) -> Decimal | None:
    """The goal's `current` from the member's data now (also for an unsaved goal)."""
    return _current(goal, _load(user, [goal]))


@transaction.atomic
def goal_update(*, goal: Goal, **changes: Any) -> Goal:
    """Change the fields sent. Abandon, or reactivate while the deadline allows; a goal that was
    achieved or expired keeps its numbers (only its title, description and deadline change)."""
    goal = Goal.objects.select_for_update().select_related("user").get(pk=goal.pk)
    user = goal.user
    clean = _validated(user, goal, dict(changes))
    status = clean.pop("status", None)
    closed = goal.status in {Status.ACHIEVED, Status.EXPIRED}
    numbers = {"target_value", "exercise", "weight_kg", "current_value"} & set(clean)
    if closed and numbers:
        raise ConflictError(f"An {goal.status} goal cannot change its target.", code="goal_closed")
    if status is not None and status != goal.status:
        if closed:
            raise ConflictError(f"An {goal.status} goal cannot change its status.", code="goal_closed")
        deadline = clean.get("deadline", goal.deadline)
        if status == Status.ACTIVE and deadline is not None and deadline < _today(user):
            raise ConflictError(
                "The deadline has passed; set a new one to reactivate the goal.", code="expired"
            )
        goal.status = status
    restart = {"exercise", "weight_kg"} & set(clean) and goal.type in {Type.LIFT_1RM, Type.LIFT_REPS}
    for name, value in clean.items():
        setattr(goal, name, value)
    if restart:
        goal.start_value = goal_progress_current(user=user, goal=goal)
    goal.save()
    _refresh(user, [goal])
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal) -> None:
    goal.delete()


@transaction.atomic
def milestone_create(
    *, goal: Goal, title: str, target_value: Decimal, due_date: date | None = None
) -> Milestone:
    """Add a step between the goal's start and its target; it is achieved at once if already passed."""
    goal = Goal.objects.select_for_update().select_related("user").get(pk=goal.pk)
    if goal.status != Status.ACTIVE:
        raise ConflictError(f"An {goal.status} goal takes no new milestones.", code="goal_closed")
    errors: dict[str, list[str]] = {}
    value = Decimal(target_value).quantize(CENT, rounding=ROUND_HALF_UP)
    _check_target(goal.type, value, errors, "target_value")
    start = goal.start_value
    if not errors and start is not None:
        low, high = sorted([start, goal.target_value])
        if not low <= value <= high:
            errors["target_value"] = [f"A milestone lies between the start ({start}) and the target."]
    if due_date is not None and due_date < _today(goal.user):
        errors["due_date"] = ["The due date cannot be in the past."]
    if errors:
        raise ValidationError(errors)
    milestone = Milestone.objects.create(goal=goal, title=title, target_value=value, due_date=due_date)
    _refresh(goal.user, [goal])
    milestone.refresh_from_db()
    return milestone


def _refresh(user: User, goals: list[Goal]) -> None:
    """Apply the status rules to these locked goals: capture a missing start, record `current`,
    achieve goals and milestones, expire what is past its deadline. Call inside a transaction."""
    active = [goal for goal in goals if goal.status == Status.ACTIVE]
    if not active:
        return
    data = _load(user, active)
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in Milestone.objects.filter(goal__in=active, achieved_at__isnull=True):
        milestones[milestone.goal_id].append(milestone)
    now = timezone.now()
    for goal in active:
        current = _current(goal, data)
        fields = []
        if goal.start_value is None and current is not None:
            goal.start_value = current
            fields.append("start_value")
        if goal.type != Type.CUSTOM and current != goal.current_value:
            goal.current_value = current
            fields.append("current_value")
        direction = _direction(goal, goal.start_value)
        for milestone in milestones.get(goal.pk, []):
            if _reached(current, milestone.target_value, direction):
                milestone.achieved_at = now
                milestone.save(update_fields=["achieved_at"])
                events.emit(MILESTONE_ACHIEVED, milestone_id=milestone.pk, goal_id=goal.pk, user_id=user.pk)
        if _reached(current, goal.target_value, direction):
            goal.status, goal.achieved_at = Status.ACHIEVED, now
            fields += ["status", "achieved_at"]
            events.emit(GOAL_ACHIEVED, goal_id=goal.pk, user_id=user.pk)
        elif goal.deadline is not None and goal.deadline < data.today:
            goal.status = Status.EXPIRED
            fields.append("status")
        if fields:
            goal.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def goals_refresh(*, user_id: int) -> int:
    """Bring the member's active goals up to date with their data; return how many changed status.

    Holds the goals' row locks, so two refreshes never achieve (and announce) a goal twice.
    """
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return 0
    goals = list(Goal.objects.select_for_update().filter(user=user, status=Status.ACTIVE).order_by("pk"))
    _refresh(user, goals)
    return sum(goal.status != Status.ACTIVE for goal in goals)


def goals_expire() -> int:
    """Refresh every member with an active goal whose deadline may have passed; return goals closed.

    A deadline is a day in the member's timezone; any timezone's today is at most UTC's today + 1,
    so goals due on UTC's today or earlier are the only candidates.
    """
    utc_today = timezone.now().date()
    user_ids = (
        Goal.objects.filter(status=Status.ACTIVE, deadline__lte=utc_today)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return sum(goals_refresh(user_id=user_id) for user_id in list(user_ids))


def goals_with_progress(goals: Iterable[Goal], *, user: User) -> list[Goal]:
    """Attach `progress` to each goal for the serializers, in a fixed number of queries."""
    goals = list(goals)
    progress = goals_progress(user=user, goals=goals)
    for goal in goals:
        goal.progress = progress[goal.pk]
    return goals
