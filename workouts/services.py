"""Workout use cases: the session state machine, set logging, rest timers, sharing, deletion, and
the numbered live events every device replays.

Every change of a workout runs under a row lock on it, raises its `version`, appends to the owner's
change feed (offline sync) and stores numbered events that are broadcast after commit.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from exercises.models import Exercise
from exercises.selectors import exercises_visible_to
from exercises.services import exercise_usage_record
from fitai import events, realtime
from fitai.errors import ConflictError, DomainError, NotFoundError
from templates_app.models import WorkoutTemplate
from templates_app.services import (
    template_workout_completed,
    template_workout_deleted,
    template_workout_started,
)
from workouts import sync
from workouts.models import PersonalRecord, Workout, WorkoutChange, WorkoutEvent, WorkoutExercise, WorkoutSet
from workouts.records import counts, records_after_edit, records_for_set, records_rebuild

Status = Workout.Status
RUNNING = {Status.IN_PROGRESS, Status.PAUSED}
SET_FIELDS = ("set_type", "reps", "weight_kg", "rpe", "rir", "duration_s", "distance_m")
# The same caps as the workout document (`LoggedExerciseInputSerializer`), so whatever is logged one
# set at a time can still be sent back whole by an offline device.
MAX_EXERCISES = 50
MAX_SETS = 50
# A past workout lasts at most this long (as `active_seconds` in sync) and cannot end in the future
# beyond this much clock skew between the device and the server.
MAX_PAST_DURATION = timezone.timedelta(days=7)
CLOCK_SKEW = timezone.timedelta(minutes=5)


class WorkoutStateError(ConflictError):
    default_code = "illegal_transition"


class WorkoutRunningError(ConflictError):
    default_code = "workout_running"
    default_message = "Another workout is running: finish or pause it first."


class WorkoutInputError(DomainError):
    """Bad input only a service can see (an unknown exercise, times that do not add up): a 400 in the
    same shape as a serializer's, `fields` nested as the request is, raised before anything is kept."""

    status_code = 400
    default_code = "validation_error"
    default_message = "Some fields are invalid."


def _invalid(path: tuple[str | int, ...], message: str) -> WorkoutInputError:
    """The error for one field; `("exercises", 0, "exercise_id")` → `{"exercises": {"0": {...}}}`."""
    fields: Any = [message]
    for key in reversed(path):
        fields = {str(key): fields}
    return WorkoutInputError(message, fields=fields)


def group(workout: Workout) -> str:
    return realtime.group_name("workout", workout.public_id)


# --- Events, versions, change feed -------------------------------------------------------------------


def _emit(workout: Workout, kind: str, data: dict[str, Any]) -> WorkoutEvent:
    """Store the next numbered event of a locked workout and broadcast it after commit."""
    workout.last_seq += 1
    Workout.objects.filter(pk=workout.pk).update(last_seq=workout.last_seq)
    event = WorkoutEvent.objects.create(workout=workout, seq=workout.last_seq, type=kind, data=data)
    frame = {"seq": event.seq, "type": kind, "data": data}
    name = group(workout)
    transaction.on_commit(lambda: realtime.broadcast(name, "workout.event", frame))
    return event


def _changed(workout: Workout, *, deleted: bool = False) -> None:
    """Raise the version and record the change for sync clients."""
    workout.version += 1
    Workout.objects.filter(pk=workout.pk).update(version=F("version") + 1, updated_at=timezone.now())
    sync.revision_record(workout)
    WorkoutChange.objects.create(owner_id=workout.owner_id, workout=workout, deleted=deleted)
    if deleted or workout.status == Status.COMPLETED:
        _history_changed(workout)


def _history_changed(workout: Workout) -> None:
    """Tell the apps that keep aggregates of finished workouts (analytics, goals) to recount it."""
    events.emit("workout.changed", workout_id=workout.pk, user_id=workout.owner_id)


def _lock(workout: Workout) -> Workout:
    locked = Workout.objects.select_for_update().filter(pk=workout.pk, deleted_at__isnull=True).first()
    if locked is None:
        raise NotFoundError("No such workout.")
    return locked


def _running_elsewhere(owner: User, exclude_pk: int | None = None) -> None:
    running = Workout.objects.filter(owner=owner, status__in=RUNNING, deleted_at__isnull=True)
    if exclude_pk:
        running = running.exclude(pk=exclude_pk)
    other = running.values_list("public_id", flat=True).first()
    if other:
        raise WorkoutRunningError(active_workout_id=str(other))


# --- Creation -------------------------------------------------------------------------------------------


def _progressed_weight(item, last_sets: list[WorkoutSet] | None) -> Decimal | None:
    """Apply the exercise's progression rule to last time's working sets."""
    if not last_sets:
        return None
    working = [s for s in last_sets if s.set_type != WorkoutSet.SetType.WARMUP and s.completed_at]
    if not working:
        return None
    top = max(Decimal(s.weight_kg) for s in working)
    rule = item.progression or {}
    increment = Decimal(str(rule.get("increment_kg") or 0))
    targets = list(item.sets.all())
    hit_all = all(
        s.reps >= (targets[min(i, len(targets) - 1)].reps_max if targets else 0)
        for i, s in enumerate(working)
    )
    if rule.get("type") in {"linear", "double"} and hit_all:
        return top + increment
    return top


def _last_performance(owner: User, exercise_ids: set[int]) -> dict[int, list[WorkoutSet]]:
    """The sets of each exercise in the owner's most recent completed workout that had it."""
    sets = (
        WorkoutSet.objects.filter(
            workout__owner=owner,
            workout__status=Status.COMPLETED,
            workout__deleted_at__isnull=True,
            workout_exercise__exercise_id__in=exercise_ids,
        )
        .select_related("workout_exercise")
        .order_by("-workout__completed_at", "index")[:500]
    )
    latest: dict[int, tuple[int, list[WorkoutSet]]] = {}
    for item in sets:
        exercise_id = item.workout_exercise.exercise_id
        if exercise_id not in latest:
            latest[exercise_id] = (item.workout_id, [])
        if latest[exercise_id][0] == item.workout_id:
            latest[exercise_id][1].append(item)
    return {exercise_id: sorted(rows, key=lambda s: s.index) for exercise_id, (_, rows) in latest.items()}


def _prefill_from_template(workout: Workout, template: WorkoutTemplate, day_index: int) -> None:
    day = (
        template.days.filter(index=day_index)
        .prefetch_related("exercises__sets", "exercises__exercise")
        .first()
    )
    if day is None:
        raise _invalid(("template_day",), "The program has no such day.")
    items = list(day.exercises.all())
    history = _last_performance(workout.owner, {item.exercise_id for item in items})
    for index, item in enumerate(items):
        exercise = WorkoutExercise.objects.create(
            workout=workout, index=index, exercise_id=item.exercise_id, notes=item.notes
        )
        weight = _progressed_weight(item, history.get(item.exercise_id))
        WorkoutSet.objects.bulk_create(
            WorkoutSet(
                workout=workout,
                workout_exercise=exercise,
                index=i,
                set_type=target.set_type,
                reps=target.reps_max,
                weight_kg=weight
                if weight is not None and target.set_type != "warmup"
                else (target.weight_kg or 0),
                rpe=target.rpe,
            )
            for i, target in enumerate(item.sets.all())
        )


def _check_exercises(owner: User, exercises: list[dict[str, Any]], *, after: int) -> dict[Any, Exercise]:
    """Refuse, before writing, what the database would: an exercise the owner may not use, a set
    client id given twice, or more exercises than a workout holds; return the exercises by id."""
    if after + len(exercises) > MAX_EXERCISES:
        raise _invalid(("exercises",), f"A workout holds at most {MAX_EXERCISES} exercises.")
    usable = exercises_visible_to(user_public_id=str(owner.public_id))
    wanted = {item["exercise_id"] for item in exercises}
    by_id = {exercise.public_id: exercise for exercise in usable.filter(public_id__in=wanted)}
    seen: set = set()
    for index, item in enumerate(exercises):
        if item["exercise_id"] not in by_id:
            raise _invalid(("exercises", index, "exercise_id"), "No such exercise.")
        for position, row in enumerate(item.get("sets", [])):
            client_id = row.get("client_id")
            if client_id and client_id in seen:
                raise _invalid(
                    ("exercises", index, "sets", position, "client_id"), "Each set needs its own client_id."
                )
            seen.add(client_id)
    return by_id


def _write_exercises(
    workout: Workout, exercises: list[dict[str, Any]], *, completed_at: datetime | None
) -> None:
    """Append the exercises after whatever the workout already has (a program day's prefill)."""
    after = WorkoutExercise.objects.filter(workout=workout).count()
    by_id = _check_exercises(workout.owner, exercises, after=after)
    for index, item in enumerate(exercises, start=after):
        row = WorkoutExercise.objects.create(
            workout=workout,
            index=index,
            exercise=by_id[item["exercise_id"]],
            notes=item.get("notes", ""),
            client_id=item.get("client_id"),
        )
        WorkoutSet.objects.bulk_create(
            WorkoutSet(
                workout=workout,
                workout_exercise=row,
                index=i,
                client_id=s.get("client_id"),
                completed_at=s.get("completed_at") or completed_at,
                **{field: s[field] for field in SET_FIELDS if s.get(field) is not None},
            )
            for i, s in enumerate(item.get("sets", []))
        )


def _known(workout: Workout) -> tuple[Workout, bool]:
    """A `client_id` seen before: its workout again, unless it was deleted since (409 `deleted`: the
    offline device learns why, and a new workout needs a new client id)."""
    if workout.deleted_at is not None:
        raise ConflictError(
            "The workout with this client_id was deleted.",
            code="deleted",
            id=str(workout.public_id),
            deleted_at=workout.deleted_at.isoformat(),
        )
    return workout, False


def _check_past_times(started_at: datetime | None, completed_at: datetime | None) -> None:
    if started_at is None:
        raise _invalid(("started_at",), "A past workout needs started_at.")
    if completed_at is None:
        raise _invalid(("completed_at",), "A past workout needs completed_at.")
    if completed_at <= started_at:
        raise _invalid(("completed_at",), "A workout cannot finish before it starts.")
    if completed_at - started_at > MAX_PAST_DURATION:
        raise _invalid(("completed_at",), f"A workout lasts at most {MAX_PAST_DURATION.days} days.")
    if completed_at > timezone.now() + CLOCK_SKEW:
        raise _invalid(("completed_at",), "A past workout cannot finish in the future.")


@transaction.atomic
def workout_create(
    *,
    owner: User,
    name: str = "",
    template: WorkoutTemplate | None = None,
    template_day: int | None = None,
    client_id=None,
    exercises: list[dict[str, Any]] | None = None,
    status: str = Status.PLANNED,
    started_at: datetime | None = None,
    completed_at: datetime | None = None,
    notes: str = "",
) -> tuple[Workout, bool]:
    """A planned workout (prefilled from a program day, `exercises` appended after the day's) or a
    completed past one; a known `client_id` returns the existing workout instead of a second one."""
    if client_id:
        existing = Workout.objects.filter(owner=owner, client_id=client_id).first()
        if existing is not None:
            return _known(existing)
    if status == Status.COMPLETED:
        _check_past_times(started_at, completed_at)
    name = name or (template.name if template else "") or "Workout"
    try:
        with transaction.atomic():
            workout = Workout.objects.create(
                owner=owner,
                client_id=client_id,
                name=name,
                template=template,
                template_day=template_day,
                notes=notes,
                status=Status.PLANNED,
            )
    except IntegrityError:  # The same client_id raced in from another request.
        return _known(Workout.objects.get(owner=owner, client_id=client_id))
    if template is not None:
        _prefill_from_template(workout, template, template_day or 0)
    if exercises:
        _write_exercises(
            workout, exercises, completed_at=completed_at if status == Status.COMPLETED else None
        )
    WorkoutChange.objects.create(owner=owner, workout=workout)
    if status == Status.COMPLETED:
        # Still planned until `_complete`: never "running" beside the owner's running workout.
        workout.started_at = started_at
        workout.active_seconds = int((completed_at - started_at).total_seconds())
        workout.save()
        _complete(workout, at=completed_at, count_time=False)
        _history_changed(workout)
    sync.revision_record(workout)
    return workout, True


# --- State machine ---------------------------------------------------------------------------------------


def _transition(workout: Workout, allowed: set[str], action: str) -> Workout:
    workout = _lock(workout)
    if workout.status not in allowed:
        raise WorkoutStateError(
            f"A {workout.status.replace('_', ' ')} workout cannot {action}.", status=workout.status
        )
    return workout


@transaction.atomic
def workout_start(*, workout: Workout) -> Workout:
    workout = _transition(workout, {Status.PLANNED}, "start")
    _begin(workout)
    _changed(workout)
    return workout


def _begin(workout: Workout) -> None:
    """Move a locked planned workout to in progress (by `start` or by its first logged set)."""
    _running_elsewhere(workout.owner, exclude_pk=workout.pk)
    workout.status, workout.started_at = Status.IN_PROGRESS, timezone.now()
    workout.resumed_at = workout.started_at
    try:
        with transaction.atomic():
            workout.save(update_fields=["status", "started_at", "resumed_at"])
    except IntegrityError:  # Another device started a different workout at the same moment.
        _running_elsewhere(workout.owner, exclude_pk=workout.pk)
        raise
    if workout.template_id:
        template_id = workout.template_id
        transaction.on_commit(lambda: template_workout_started(template_id=template_id))
    _emit(workout, "status_changed", {"status": workout.status, "at": workout.started_at.isoformat()})


@transaction.atomic
def workout_pause(*, workout: Workout) -> Workout:
    workout = _transition(workout, {Status.IN_PROGRESS}, "pause")
    now = timezone.now()
    workout.active_seconds += int((now - (workout.resumed_at or now)).total_seconds())
    workout.status, workout.paused_at = Status.PAUSED, now
    workout.save(update_fields=["status", "paused_at", "active_seconds"])
    _emit(workout, "status_changed", {"status": workout.status, "at": now.isoformat()})
    _changed(workout)
    return workout


@transaction.atomic
def workout_resume(*, workout: Workout) -> Workout:
    workout = _transition(workout, {Status.PAUSED}, "resume")
    _running_elsewhere(workout.owner, exclude_pk=workout.pk)
    now = timezone.now()
    workout.status, workout.paused_at, workout.resumed_at = Status.IN_PROGRESS, None, now
    workout.save(update_fields=["status", "paused_at", "resumed_at"])
    _emit(workout, "status_changed", {"status": workout.status, "at": now.isoformat()})
    _changed(workout)
    return workout


def _complete(workout: Workout, *, at: datetime, count_time: bool = True) -> None:
    """Close the locked workout. One still planned (a past workout recorded in one call, or a
    planned one an offline device synced as done) counts as a use of its program too."""
    starts = workout.status == Status.PLANNED
    if count_time and workout.status == Status.IN_PROGRESS and workout.resumed_at:
        workout.active_seconds += int((at - workout.resumed_at).total_seconds())
    sets = list(WorkoutSet.objects.filter(workout=workout, completed_at__isnull=False))
    working = [s for s in sets if s.set_type != WorkoutSet.SetType.WARMUP]
    workout.volume_kg = sum((Decimal(s.weight_kg) * s.reps for s in working), Decimal(0))
    workout.total_sets, workout.total_reps = len(working), sum(s.reps for s in working)
    workout.status, workout.completed_at, workout.paused_at = Status.COMPLETED, at, None
    workout.save()
    if not count_time:  # A past workout recorded in one call: its sets were never logged one by one.
        exercise_ids = set(
            WorkoutExercise.objects.filter(workout=workout).values_list("exercise_id", flat=True)
        )
        records_rebuild(user_id=workout.owner_id, exercise_ids=exercise_ids)
    workout_id, owner_id, template_id, seconds = (
        workout.pk,
        workout.owner_id,
        workout.template_id,
        workout.active_seconds,
    )
    exercise_ids = list(WorkoutExercise.objects.filter(workout=workout).values_list("exercise_id", flat=True))

    def after_commit() -> None:
        if template_id and starts:
            template_workout_started(template_id=template_id)
        if template_id:
            template_workout_completed(template_id=template_id, active_seconds=seconds)
        exercise_usage_record(exercise_ids=exercise_ids, kind="workouts", day=at.date())

    transaction.on_commit(after_commit)
    # Analytics, goals, challenges, feed and notifications subscribe to this event (higher apps).
    events.emit("workout.completed", workout_id=workout_id, user_id=owner_id)


@transaction.atomic
def workout_complete(*, workout: Workout, notes: str | None = None) -> Workout:
    """Close the workout and record its totals; the other apps hear about it after commit."""
    workout = _transition(workout, RUNNING, "be completed")
    if notes is not None:
        workout.notes = notes
    _complete(workout, at=timezone.now())
    _emit(
        workout,
        "status_changed",
        {
            "status": workout.status,
            "at": workout.completed_at.isoformat(),
            "volume_kg": str(workout.volume_kg),
        },
    )
    _changed(workout)
    return workout


# --- Logging -------------------------------------------------------------------------------------------


def _set_payload(item: WorkoutSet, exercise_index: int) -> dict[str, Any]:
    return {
        "exercise_index": exercise_index,
        "index": item.index,
        "client_id": str(item.client_id) if item.client_id else None,
        "set_type": item.set_type,
        "reps": item.reps,
        "weight_kg": str(item.weight_kg),
        "rpe": str(item.rpe) if item.rpe is not None else None,
        "rir": item.rir,
        "duration_s": item.duration_s,
        "distance_m": str(item.distance_m) if item.distance_m is not None else None,
        "completed_at": item.completed_at.isoformat() if item.completed_at else None,
    }


def record_payload(record: PersonalRecord, exercise_public_id) -> dict[str, Any]:
    return {
        "type": record.type,
        "exercise_id": str(exercise_public_id),
        "value": str(record.value),
        "previous_value": str(record.previous_value) if record.previous_value is not None else None,
        "set_id": record.set_id,
    }


@transaction.atomic
def set_log(
    *, workout: Workout, exercise_index: int, set_index: int, data: dict[str, Any], client_id=None
) -> tuple[WorkoutSet, list[PersonalRecord]]:
    """Log (or update) the set at `set_index` of the exercise; a planned workout starts.

    Runs under the workout's row lock, so two devices logging at once are serialised; a retried
    request with the same `client_id` changes nothing twice. `set_index` = the number of sets
    appends. Beyond that only with a `client_id`: the positions in between become planned sets
    (not logged yet) that their own requests then fill, so a device that fires several sets at
    once, whose requests arrive in any order, gets them all in its order. Without a client id a
    gap is a 409 (`set_index_gap`): most likely the client's copy is out of date.

    Returns the set and the personal records this call made (none for an edit that beats nothing new).
    """
    if set_index >= MAX_SETS:
        raise _invalid(("set_index",), f"An exercise holds at most {MAX_SETS} sets.")
    workout = _lock(workout)
    if workout.status == Status.COMPLETED:
        raise WorkoutStateError("A completed workout cannot change here; sync it with PUT instead.")
    exercise = (
        WorkoutExercise.objects.filter(workout=workout, index=exercise_index)
        .select_related("exercise")
        .first()
    )
    if exercise is None:
        raise NotFoundError("No exercise at this index.", code="no_such_exercise")
    if client_id:
        retried = WorkoutSet.objects.filter(workout=workout, client_id=client_id).first()
        if retried is not None:
            return retried, []
    existing = WorkoutSet.objects.filter(workout_exercise=exercise, index=set_index).first()
    count = WorkoutSet.objects.filter(workout_exercise=exercise).count()
    if existing is None and set_index > count and not client_id:
        raise ConflictError(f"Log set {count} next: sets are appended in order.", code="set_index_gap")
    if workout.status == Status.PLANNED:
        _begin(workout)
    if existing is None and set_index > count:
        WorkoutSet.objects.bulk_create(
            WorkoutSet(workout=workout, workout_exercise=exercise, index=index)
            for index in range(count, set_index)
        )
    item = existing or WorkoutSet(workout=workout, workout_exercise=exercise, index=set_index)
    if client_id and item.client_id is None:
        item.client_id = client_id
    was_logged = item.completed_at is not None
    was_counted = existing is not None and counts(existing)
    for field in SET_FIELDS:
        if field in data:
            setattr(item, field, data[field])
    item.completed_at = data.get("completed_at") or item.completed_at or timezone.now()
    item.save()
    if was_counted:
        records = records_after_edit(item=item, workout=workout, exercise_id=exercise.exercise_id)
    else:
        records = records_for_set(item=item, workout=workout, exercise_id=exercise.exercise_id)
    _emit(workout, "set_updated" if was_logged else "set_logged", _set_payload(item, exercise_index))
    for record in records:
        _emit(workout, "personal_record", record_payload(record, exercise.exercise.public_id))
    _changed(workout)
    return item, records


def _check_set_client_ids(workout: Workout, row: WorkoutExercise | None, sets: list[dict[str, Any]]) -> None:
    """The new sets of `row` may reuse its own sets' client ids, not another exercise's or each other's."""
    elsewhere = WorkoutSet.objects.filter(workout=workout, client_id__isnull=False)
    if row is not None:
        elsewhere = elsewhere.exclude(workout_exercise=row)
    taken = {
        str(client_id)
        for client_id in elsewhere.filter(
            client_id__in=[s["client_id"] for s in sets if s.get("client_id")]
        ).values_list("client_id", flat=True)
    }
    seen: set[str] = set()
    for position, item in enumerate(sets):
        client_id = str(item["client_id"]) if item.get("client_id") else None
        if client_id in taken:
            raise _invalid(("sets", position, "client_id"), "Another set of this workout has this client_id.")
        if client_id in seen:
            raise _invalid(("sets", position, "client_id"), "Each set needs its own client_id.")
        if client_id:
            seen.add(client_id)


@transaction.atomic
def exercise_put(
    *,
    workout: Workout,
    exercise_index: int,
    exercise: Exercise | None,
    notes: str | None,
    sets: list[dict[str, Any]] | None,
) -> WorkoutExercise:
    """Swap the exercise, change notes or replace the sets at `exercise_index` (= length appends).

    A set client id must be new to the rest of the workout (it names one set): reusing one is a 400
    on that set, before anything changes.
    """
    if exercise_index >= MAX_EXERCISES:
        raise _invalid(("exercise_index",), f"A workout holds at most {MAX_EXERCISES} exercises.")
    if sets is not None and len(sets) > MAX_SETS:
        raise _invalid(("sets",), f"An exercise holds at most {MAX_SETS} sets.")
    workout = _lock(workout)
    if workout.status == Status.COMPLETED:
        raise WorkoutStateError("A completed workout cannot change here; sync it with PUT instead.")
    row = WorkoutExercise.objects.filter(workout=workout, index=exercise_index).first()
    length = WorkoutExercise.objects.filter(workout=workout).count()
    if row is None and exercise_index != length:
        raise ConflictError(f"Add exercise {length} next.", code="exercise_index_gap")
    if row is None and exercise is None:
        raise _invalid(("exercise_id",), "Name the exercise to add.")
    if sets is not None:
        _check_set_client_ids(workout, row, sets)
    touched = {row.exercise_id} if row else set()
    row = row or WorkoutExercise(workout=workout, index=exercise_index)
    if exercise is not None:
        row.exercise = exercise
    if notes is not None:
        row.notes = notes
    row.save()
    if sets is not None:
        row.sets.all().delete()
        WorkoutSet.objects.bulk_create(
            WorkoutSet(
                workout=workout,
                workout_exercise=row,
                index=i,
                client_id=s.get("client_id"),
                completed_at=s.get("completed_at"),
                **{f: s[f] for f in SET_FIELDS if s.get(f) is not None},
            )
            for i, s in enumerate(sets)
        )
    records_rebuild(user_id=workout.owner_id, exercise_ids=touched | {row.exercise_id})
    _emit(workout, "exercise_updated", {"index": exercise_index, "exercise_id": str(row.exercise.public_id)})
    _changed(workout)
    return row


@transaction.atomic
def rest_start(*, workout: Workout, seconds: int, exercise_index: int | None = None) -> Workout:
    """Stamp a rest timer on the server and push it to every open device."""
    workout = _lock(workout)
    if workout.status not in RUNNING:
        raise WorkoutStateError("Rest timers run during a workout.")
    if (
        exercise_index is not None
        and not WorkoutExercise.objects.filter(workout=workout, index=exercise_index).exists()
    ):
        raise NotFoundError("No exercise at this index.", code="no_such_exercise")
    now = timezone.now()
    workout.rest_started_at, workout.rest_ends_at = now, now + timezone.timedelta(seconds=seconds)
    workout.save(update_fields=["rest_started_at", "rest_ends_at"])
    _emit(
        workout,
        "rest_started",
        {
            "started_at": now.isoformat(),
            "ends_at": workout.rest_ends_at.isoformat(),
            "exercise_index": exercise_index,
        },
    )
    return workout


@transaction.atomic
def workout_share(*, workout: Workout, visibility: str, message: str = "") -> Workout:
    """Make the workout visible to friends or everyone; the community app posts it to the feed."""
    workout = _lock(workout)
    workout.visibility, workout.share_message, workout.shared_at = visibility, message, timezone.now()
    workout.save(update_fields=["visibility", "share_message", "shared_at"])
    _emit(
        workout,
        "workout_shared",
        {"visibility": visibility, "message": message, "shared_at": workout.shared_at.isoformat()},
    )
    _changed(workout)
    events.emit("workout.shared", workout_id=workout.pk, user_id=workout.owner_id, visibility=visibility)
    return workout


@transaction.atomic
def workout_delete(*, workout: Workout) -> None:
    """A tombstone: sync clients see the delete in the change feed. The program it came from stops
    counting it (its use, and its completion if it was finished) once the delete commits."""
    workout = _lock(workout)
    exercise_ids = set(WorkoutExercise.objects.filter(workout=workout).values_list("exercise_id", flat=True))
    if workout.template_id and workout.status != Status.PLANNED:
        template_id, completed = workout.template_id, workout.status == Status.COMPLETED
        seconds = workout.active_seconds if completed else 0
        transaction.on_commit(
            lambda: template_workout_deleted(
                template_id=template_id, completed=completed, active_seconds=seconds
            )
        )
    workout.deleted_at = timezone.now()
    workout.save(update_fields=["deleted_at"])
    _emit(workout, "workout_deleted", {"deleted_at": workout.deleted_at.isoformat()})
    _changed(workout, deleted=True)
    PersonalRecord.objects.filter(workout=workout).delete()
    records_rebuild(user_id=workout.owner_id, exercise_ids=exercise_ids)
