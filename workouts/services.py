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
from fitai.errors import ConflictError, NotFoundError
from templates_app.models import WorkoutTemplate
from templates_app.services import template_workout_completed, template_workout_started
from workouts import sync
from workouts.models import PersonalRecord, Workout, WorkoutChange, WorkoutEvent, WorkoutExercise, WorkoutSet
from workouts.records import counts, records_for_set, records_rebuild

Status = Workout.Status
RUNNING = {Status.IN_PROGRESS, Status.PAUSED}
SET_FIELDS = ("set_type", "reps", "weight_kg", "rpe", "rir", "duration_s", "distance_m")


class WorkoutStateError(ConflictError):
    default_code = "illegal_transition"


class WorkoutRunningError(ConflictError):
    default_code = "workout_running"
    default_message = "Another workout is running: finish or pause it first."


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
        raise ConflictError("The program has no such day.", code="no_such_day")
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


def _write_exercises(
    workout: Workout, exercises: list[dict[str, Any]], *, completed_at: datetime | None
) -> None:
    usable = exercises_visible_to(user_public_id=str(workout.owner.public_id))
    wanted = {item["exercise_id"] for item in exercises}
    by_id = {exercise.public_id: exercise for exercise in usable.filter(public_id__in=wanted)}
    for index, item in enumerate(exercises):
        exercise = by_id.get(item["exercise_id"])
        if exercise is None:
            raise ConflictError(
                "No such exercise.", code="unknown_exercise", path=f"exercises[{index}].exercise_id"
            )
        row = WorkoutExercise.objects.create(
            workout=workout,
            index=index,
            exercise=exercise,
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
    """A planned workout (prefilled from a program day) or a completed past one; a known
    `client_id` returns the existing workout instead of creating a second one."""
    if client_id:
        existing = Workout.objects.filter(owner=owner, client_id=client_id).first()
        if existing is not None:
            return existing, False
    if status == Status.COMPLETED and not (started_at and completed_at and started_at < completed_at):
        raise ConflictError("A past workout needs started_at before completed_at.", code="invalid_times")
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
        return Workout.objects.get(owner=owner, client_id=client_id), False
    if template is not None:
        _prefill_from_template(workout, template, template_day or 0)
    if exercises:
        _write_exercises(
            workout, exercises, completed_at=completed_at if status == Status.COMPLETED else None
        )
    WorkoutChange.objects.create(owner=owner, workout=workout)
    if status == Status.COMPLETED:
        workout.started_at, workout.status = started_at, Status.IN_PROGRESS
        workout.active_seconds = int((completed_at - started_at).total_seconds())
        workout.save()
        _complete(workout, at=completed_at, count_time=False)
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
    request with the same `client_id` changes nothing twice.
    """
    workout = _lock(workout)
    if workout.status == Status.COMPLETED:
        raise WorkoutStateError("A completed workout cannot change here; sync it with PUT instead.")
    if workout.status == Status.PLANNED:
        _begin(workout)
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
    if existing is None and set_index != count:
        raise ConflictError(f"Log set {count} next: sets are appended in order.", code="set_index_gap")
    item = existing or WorkoutSet(
        workout=workout, workout_exercise=exercise, index=set_index, client_id=client_id
    )
    was_counted = existing is not None and counts(existing)
    for field in SET_FIELDS:
        if field in data:
            setattr(item, field, data[field])
    item.completed_at = data.get("completed_at") or item.completed_at or timezone.now()
    item.save()
    if was_counted:
        records_rebuild(user_id=workout.owner_id, exercise_ids=[exercise.exercise_id])
        records = list(PersonalRecord.objects.filter(set=item, is_current=True, previous_value__isnull=False))
    else:
        records = records_for_set(item=item, workout=workout, exercise_id=exercise.exercise_id)
    _emit(workout, "set_logged" if existing is None else "set_updated", _set_payload(item, exercise_index))
    for record in records:
        _emit(workout, "personal_record", record_payload(record, exercise.exercise.public_id))
    _changed(workout)
    return item, records


@transaction.atomic
def exercise_put(
    *,
    workout: Workout,
    exercise_index: int,
    exercise: Exercise | None,
    notes: str | None,
    sets: list[dict[str, Any]] | None,
) -> WorkoutExercise:
    """Swap the exercise, change notes or replace the sets at `exercise_index` (= length appends)."""
    workout = _lock(workout)
    if workout.status == Status.COMPLETED:
        raise WorkoutStateError("A completed workout cannot change here; sync it with PUT instead.")
    row = WorkoutExercise.objects.filter(workout=workout, index=exercise_index).first()
    length = WorkoutExercise.objects.filter(workout=workout).count()
    if row is None and exercise_index != length:
        raise ConflictError(f"Add exercise {length} next.", code="exercise_index_gap")
    if row is None and exercise is None:
        raise ConflictError("Name the exercise to add.", code="exercise_required")
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
    _changed(workout)
    events.emit("workout.shared", workout_id=workout.pk, user_id=workout.owner_id, visibility=visibility)
    return workout


@transaction.atomic
def workout_delete(*, workout: Workout) -> None:
    """A tombstone: sync clients see the delete in the change feed."""
    workout = _lock(workout)
    exercise_ids = set(WorkoutExercise.objects.filter(workout=workout).values_list("exercise_id", flat=True))
    workout.deleted_at = timezone.now()
    workout.save(update_fields=["deleted_at"])
    _emit(workout, "workout_deleted", {"deleted_at": workout.deleted_at.isoformat()})
    _changed(workout, deleted=True)
    PersonalRecord.objects.filter(workout=workout).delete()
    records_rebuild(user_id=workout.owner_id, exercise_ids=exercise_ids)
