"""The training aggregates: per user and per day, what analytics read instead of raw sets.

A workout belongs to the day it started on, in the user's timezone preference. Only completed,
not deleted workouts count, and of those only completed sets that are not warm-ups, exactly as
the workout's own totals. Volume is weight x reps.

Muscle groups. A set's volume and the set itself are credited in full to every muscle group of the
exercise's primary muscles, and by half to every group that only its secondary muscles reach. A
bench press (chest primary; shoulders and arms secondary) of 100 kg x 5 adds 500 kg and one set to
chest, 250 kg and half a set to shoulders and to arms. The groups therefore do not add up to the
total: they answer "how much did my chest get", not "where did my volume go".

Maintenance is by day: when a workout is completed, edited or deleted, every day it counts on now or
counted on before (`SummarisedWorkout`) is recomputed from that day's raw sets, which is small and
always right. `analytics_rebuild` recomputes all of a user's days; a nightly task and
`manage.py rebuild_analytics` run it.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.profiles import user_preferences
from exercises.models import Exercise
from progress.models import DailySummary, ExerciseDaySummary, MuscleDaySummary, SummarisedWorkout
from workouts.models import Workout, WorkoutSet
from workouts.records import epley

logger = logging.getLogger("progress.aggregates")

SECONDARY_SHARE = Decimal("0.5")
CENT = Decimal("0.01")


def user_zone(user: User) -> ZoneInfo:
    """The user's timezone preference, which decides what "a day" is."""
    return ZoneInfo(user_preferences(user=user)["timezone"])


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of `day` in `zone`, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=zone)


def workout_moment(workout: Workout) -> datetime | None:
    return workout.started_at or workout.completed_at


@dataclass
class _Day:
    workouts: int = 0
    volume: Decimal = Decimal(0)
    sets: int = 0
    reps: int = 0
    active_seconds: int = 0
    exercises: dict[int, dict[str, Decimal | int]] = field(default_factory=dict)
    muscles: dict[str, list[Decimal]] = field(default_factory=lambda: defaultdict(lambda: [Decimal(0)] * 2))


def _muscle_shares(exercise_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """{exercise id: {muscle group: share}} by the rule in the module docstring."""
    shares: dict[int, dict[str, Decimal]] = {}
    exercises = Exercise.objects.filter(pk__in=set(exercise_ids)).prefetch_related(
        "primary_muscles", "secondary_muscles"
    )
    for exercise in exercises:
        groups = dict.fromkeys({m.group for m in exercise.secondary_muscles.all()}, SECONDARY_SHARE)
        groups.update(dict.fromkeys({m.group for m in exercise.primary_muscles.all()}, Decimal(1)))
        shares[exercise.pk] = groups
    return shares


def _compute(workouts: list[Workout], zone: ZoneInfo) -> dict[date, _Day]:
    """The aggregates of these workouts' days, from their raw sets."""
    days: dict[date, _Day] = defaultdict(_Day)
    by_workout = {workout.pk: local_day(workout_moment(workout), zone) for workout in workouts}
    for workout in workouts:
        day = days[by_workout[workout.pk]]
        day.workouts += 1
        day.active_seconds += workout.active_seconds
    sets = (
        WorkoutSet.objects.filter(workout_id__in=by_workout, completed_at__isnull=False)
        .exclude(set_type=WorkoutSet.SetType.WARMUP)
        .values_list("workout_id", "workout_exercise__exercise_id", "weight_kg", "reps")
    )
    rows = list(sets)
    shares = _muscle_shares(exercise_id for _, exercise_id, _, _ in rows)
    for workout_id, exercise_id, weight, reps in rows:
        day = days[by_workout[workout_id]]
        weight = Decimal(weight)
        volume = weight * reps
        day.volume += volume
        day.sets += 1
        day.reps += reps
        stats = day.exercises.setdefault(
            exercise_id,
            {"e1rm": Decimal(0), "max_weight": Decimal(0), "volume": Decimal(0), "sets": 0, "reps": 0},
        )
        stats["e1rm"] = max(stats["e1rm"], epley(weight, reps))
        stats["max_weight"] = max(stats["max_weight"], weight if reps > 0 else Decimal(0))
        stats["volume"] += volume
        stats["sets"] += 1
        stats["reps"] += reps
        for group, share in shares.get(exercise_id, {}).items():
            credit = day.muscles[group]
            credit[0] += volume * share
            credit[1] += share
    return days


def _counted_workouts(user: User, zone: ZoneInfo, days: set[date] | None) -> list[Workout]:
    """The user's completed, live workouts on `days` (all of them when `days` is None)."""
    workouts = Workout.objects.filter(
        owner=user, status=Workout.Status.COMPLETED, deleted_at__isnull=True
    ).only("pk", "started_at", "completed_at", "active_seconds")
    if days is None:
        return [w for w in workouts if workout_moment(w) is not None]
    if not days:
        return []
    # Each day's local bounds, widened by a day on each side to catch any offset; the exact local
    # day is checked below. A workout counts by its start, or its end when it has no start.
    ranges = Q()
    for day in days:
        ranges |= Q(
            moment__gte=day_start(day, zone) - timedelta(days=1),
            moment__lt=day_start(day, zone) + timedelta(days=2),
        )
    workouts = workouts.annotate(moment=Coalesce("started_at", "completed_at")).filter(ranges)
    return [w for w in workouts if workout_moment(w) and local_day(workout_moment(w), zone) in days]


@transaction.atomic
def summaries_refresh(*, user: User, days: set[date] | None = None) -> int:
    """Recompute the aggregates of `days` (every day when None) from raw sets; return days written.

    Holds a lock on the user row so two refreshes of one person never interleave.
    """
    User.objects.select_for_update().filter(pk=user.pk).exists()
    zone = user_zone(user)
    workouts = _counted_workouts(user, zone, days)
    computed = _compute(workouts, zone)
    targets = {"user": user} if days is None else {"user": user, "day__in": days}
    for model in (DailySummary, ExerciseDaySummary, MuscleDaySummary):
        model.objects.filter(**targets).delete()
    SummarisedWorkout.objects.filter(**targets).delete()
    SummarisedWorkout.objects.filter(workout_id__in=[w.pk for w in workouts]).delete()
    _write(user, computed)
    SummarisedWorkout.objects.bulk_create(
        SummarisedWorkout(workout_id=w.pk, user=user, day=local_day(workout_moment(w), zone))
        for w in workouts
    )
    user_pk = user.pk
    transaction.on_commit(lambda: _summaries_changed(user_pk))
    return len(computed)


# Every write to a person's aggregates goes through `summaries_refresh`, which moves this version on
# commit; cached analytics answers carry it in their key, so a change is seen at once.
SUMMARIES_VERSION_KEY = "analytics:version:{user_pk}"


def summaries_version(*, user_pk: int) -> int:
    return cache.get(SUMMARIES_VERSION_KEY.format(user_pk=user_pk), 0)


def _summaries_changed(user_pk: int) -> None:
    key = SUMMARIES_VERSION_KEY.format(user_pk=user_pk)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=None)


def _write(user: User, computed: dict[date, _Day]) -> None:
    DailySummary.objects.bulk_create(
        DailySummary(
            user=user,
            day=day,
            workouts=stats.workouts,
            volume_kg=stats.volume.quantize(CENT),
            sets=stats.sets,
            reps=stats.reps,
            active_seconds=stats.active_seconds,
        )
        for day, stats in computed.items()
    )
    ExerciseDaySummary.objects.bulk_create(
        ExerciseDaySummary(
            user=user,
            day=day,
            exercise_id=exercise_id,
            best_e1rm=stats["e1rm"],
            max_weight_kg=stats["max_weight"],
            volume_kg=Decimal(stats["volume"]).quantize(CENT),
            sets=stats["sets"],
            reps=stats["reps"],
        )
        for day, day_stats in computed.items()
        for exercise_id, stats in day_stats.exercises.items()
    )
    MuscleDaySummary.objects.bulk_create(
        MuscleDaySummary(
            user=user,
            day=day,
            muscle_group=group,
            volume_kg=volume.quantize(CENT),
            sets=sets.quantize(Decimal("0.1")),
        )
        for day, day_stats in computed.items()
        for group, (volume, sets) in day_stats.muscles.items()
    )


def workout_summarise(*, workout_id: int, user_id: int) -> None:
    """Bring the aggregates up to date after a workout was completed, edited or deleted."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    days = set(SummarisedWorkout.objects.filter(workout_id=workout_id).values_list("day", flat=True))
    workout = Workout.objects.filter(
        pk=workout_id, owner_id=user_id, status=Workout.Status.COMPLETED, deleted_at__isnull=True
    ).first()
    if workout is not None and workout_moment(workout) is not None:
        days.add(local_day(workout_moment(workout), user_zone(user)))
    if days:
        summaries_refresh(user=user, days=days)


def analytics_rebuild(*, user: User) -> int:
    """Recompute every day of the user's aggregates; return how many days hold training."""
    return summaries_refresh(user=user, days=None)
