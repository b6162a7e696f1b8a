"""Personal records: detected incrementally when a set is logged, rebuilt for one exercise when a set
is edited or deleted.

Estimated one-rep max uses Epley's formula: e1RM = weight * (1 + reps / 30) (the weight itself for a
single). The first time someone logs an exercise sets a silent baseline; later sets that beat it are
reported. Warm-up sets never count.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from workouts.models import PersonalRecord, Workout, WorkoutSet

Type = PersonalRecord.Type
CENT = Decimal("0.01")


def epley(weight: Decimal, reps: int) -> Decimal:
    if reps <= 0 or weight <= 0:
        return Decimal(0)
    if reps == 1:
        return Decimal(weight).quantize(CENT)
    return (Decimal(weight) * (1 + Decimal(reps) / 30)).quantize(CENT, rounding=ROUND_HALF_UP)


def counts(item: WorkoutSet) -> bool:
    return item.completed_at is not None and item.set_type != WorkoutSet.SetType.WARMUP and item.reps > 0


def _candidates(item: WorkoutSet, session_volume: Decimal) -> list[tuple[str, Decimal, Decimal | None]]:
    """(type, value, weight) pairs the set could hold a record for."""
    weight = Decimal(item.weight_kg)
    pairs = [
        (Type.MAX_REPS, Decimal(item.reps).quantize(CENT), weight),
        (Type.SESSION_VOLUME, session_volume, None),
    ]
    if weight > 0:
        pairs += [
            (Type.MAX_WEIGHT, weight, None),
            (Type.E1RM, epley(weight, item.reps), None),
            (Type.SET_VOLUME, (weight * item.reps).quantize(CENT), None),
        ]
    return pairs


def session_volume(*, workout_exercise_id: int) -> Decimal:
    rows = WorkoutSet.objects.filter(
        workout_exercise_id=workout_exercise_id, completed_at__isnull=False
    ).exclude(set_type=WorkoutSet.SetType.WARMUP)
    total = Decimal(0)
    for weight, reps in rows.values_list("weight_kg", "reps"):
        total += Decimal(weight) * reps
    return total.quantize(CENT)


def records_for_set(*, item: WorkoutSet, workout: Workout, exercise_id: int) -> list[PersonalRecord]:
    """Compare one counted set with the standing records and return the new ones (not the baseline)."""
    if not counts(item):
        return []
    current = {
        (record.type, record.weight_kg if record.type == Type.MAX_REPS else None): record
        for record in PersonalRecord.objects.filter(
            user_id=workout.owner_id, exercise_id=exercise_id, is_current=True
        )
    }
    first_time = not current
    new: list[PersonalRecord] = []
    for kind, value, weight in _candidates(
        item, session_volume(workout_exercise_id=item.workout_exercise_id)
    ):
        if value <= 0:
            continue
        standing = current.get((kind, weight))
        if standing is not None and value <= standing.value:
            continue
        if standing is not None and kind == Type.SESSION_VOLUME and standing.workout_id == workout.pk:
            # Still this session's record: it grows with the session, it is not a new record.
            standing.value, standing.set = value, item
            standing.save(update_fields=["value", "set"])
            continue
        if standing is not None:
            standing.is_current = False
            standing.save(update_fields=["is_current"])
        record = PersonalRecord.objects.create(
            user_id=workout.owner_id,
            exercise_id=exercise_id,
            type=kind,
            value=value,
            previous_value=standing.value if standing else None,
            weight_kg=weight,
            workout=workout,
            set=item,
            achieved_at=item.completed_at,
        )
        # A first-ever log of the exercise, or a first set at a new weight, is a baseline: kept, not reported.
        if standing is not None and not first_time:
            new.append(record)
    return new


def records_rebuild(*, user_id: int, exercise_ids: Iterable[int]) -> None:
    """Replay the person's counted sets of these exercises in order and rebuild their records."""
    for exercise_id in set(exercise_ids):
        PersonalRecord.objects.filter(user_id=user_id, exercise_id=exercise_id).delete()
        sets = (
            WorkoutSet.objects.filter(
                workout__owner_id=user_id,
                workout__deleted_at__isnull=True,
                workout_exercise__exercise_id=exercise_id,
                completed_at__isnull=False,
            )
            .exclude(set_type=WorkoutSet.SetType.WARMUP)
            .select_related("workout")
            .order_by("completed_at", "pk")
        )
        for item in sets:
            records_for_set(item=item, workout=item.workout, exercise_id=exercise_id)


def _key(record: PersonalRecord) -> tuple[str, Decimal | None]:
    return record.type, record.weight_kg if record.type == Type.MAX_REPS else None


def records_after_edit(*, item: WorkoutSet, workout: Workout, exercise_id: int) -> list[PersonalRecord]:
    """Rebuild the exercise's records after a counted set was edited; return the set's records that
    this edit made new.

    A rebuild recreates every record, so "the set holds a record" says nothing about this call: a
    record is new only if its value differs from the one standing before (an RPE-only edit reports
    nothing; an edit down restores the previous record and reports nothing). The session volume
    record is new only if the session did not hold it already, as when sets are logged one by one.
    """
    standing = {
        _key(record): record
        for record in PersonalRecord.objects.filter(
            user_id=workout.owner_id, exercise_id=exercise_id, is_current=True
        )
    }
    records_rebuild(user_id=workout.owner_id, exercise_ids=[exercise_id])
    new = []
    made = PersonalRecord.objects.filter(set=item, is_current=True, previous_value__isnull=False)
    for record in made.order_by("pk"):
        before = standing.get(_key(record))
        if before is not None and record.type == Type.SESSION_VOLUME and before.workout_id == workout.pk:
            continue
        if before is not None and before.value == record.value:
            continue
        new.append(record)
    return new
