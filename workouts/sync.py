"""Offline sync of workouts: stored revisions, the three-way merge behind `PUT /workouts/:id`, and the
change feed behind `GET /workouts/events`.

A device that edited a workout offline sends the whole document and the version it started from
(`base_version`). The server merges three documents — that base (a stored revision), its current
copy and the client's — in a canonical form (`canonical`):

- Identity. An exercise is its `client_id`, else its position; a set is its `client_id`, else its
  position inside its exercise. Positions in the request are list positions (`index` is ignored).
- A key the client leaves out means "as in the base": a missing workout field, exercise `notes`,
  set field, or a missing `sets` / `exercises` list. A set or exercise new to the base starts from
  the defaults (`SET_DEFAULTS`).
- Each field of the workout, of an exercise and of a set merges on its own: a change on one side
  wins; the same change on both sides is no conflict; different changes are a conflict named by
  its path (`name`, `exercises[0].notes`, `exercises[0].sets[2].reps`; positions are the
  client's, or the server's for what the client no longer has).
- Something one side deleted goes unless the other side changed it (a conflict at its path);
  something both sides added under the same key merges field by field as if the base were empty.
- Sets the server added come after the client's, in the server's order.

Conflicts → 409 `sync_conflict` with `conflicts` and the `server` document; a base that is no
longer stored → 409 `base_too_old` (the last `REVISIONS_KEPT` versions are kept); a version the
workout never had → 409 `unknown_version`; a deleted workout → 409 `deleted` with `deleted_at`, so
an offline device learns why its edits went nowhere. A merge that changes nothing (a replayed
batch) returns the workout untouched and the version stays.

`workouts.services` imports this module (`_changed` records every revision), and this module uses
helpers of `services`: refer to them as `services.<name>` at call time, never import names from it.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from exercises.models import Exercise
from exercises.selectors import exercises_visible_to
from fitai import events
from fitai.errors import ConflictError, NotFoundError
from templates_app.services import template_workout_started
from workouts import services
from workouts.models import Workout, WorkoutChange, WorkoutExercise, WorkoutSet
from workouts.records import records_rebuild
from workouts.selectors import with_document
from workouts.serializers import WorkoutSerializer
from workouts.sync_models import WorkoutRevision

Status = Workout.Status
Key = tuple[str, Any]

REVISIONS_KEPT = 50
WORKOUT_FIELDS = ("name", "notes", "visibility", "status", "started_at", "completed_at", "active_seconds")
EXERCISE_FIELDS = ("client_id", "exercise_id", "notes")
SET_FIELDS = ("set_type", "reps", "weight_kg", "rpe", "rir", "duration_s", "distance_m", "completed_at")
SET_DEFAULTS: dict[str, Any] = {
    "client_id": None,
    "set_type": WorkoutSet.SetType.WORKING.value,
    "reps": 0,
    "weight_kg": "0.00",
    "rpe": None,
    "rir": None,
    "duration_s": None,
    "distance_m": None,
    "completed_at": None,
}
DECIMAL_PLACES = {"weight_kg": Decimal("0.01"), "rpe": Decimal("0.1"), "distance_m": Decimal("0.1")}
TIMES = {"started_at", "completed_at"}
TRANSITIONS = {
    (Status.PLANNED, Status.IN_PROGRESS),
    (Status.PLANNED, Status.COMPLETED),
    (Status.IN_PROGRESS, Status.PAUSED),
    (Status.PAUSED, Status.IN_PROGRESS),
    (Status.IN_PROGRESS, Status.COMPLETED),
    (Status.PAUSED, Status.COMPLETED),
}
# Indexes are unique per workout (exercises) and per exercise (sets): rows being renumbered park
# above every real index first, so no intermediate state collides.
PARKING = 10_000
CURSOR_SALT = "workouts.events.cursor"
ABSENT = object()


# --- Canonical documents ---------------------------------------------------------------------------------


def _plain(field: str, value: Any) -> Any:
    """The JSON form of one value, the same whether it came from the database or from a request."""
    if value is None:
        return None
    if field in DECIMAL_PLACES:
        return str(Decimal(value).quantize(DECIMAL_PLACES[field]))
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, str):
        return str(value)  # TextChoices members become plain strings.
    return value


def _python(field: str, value: Any) -> Any:
    """The model value of a canonical one."""
    if value is None:
        return None
    if field in DECIMAL_PLACES:
        return Decimal(value)
    if field in TIMES:
        return datetime.fromisoformat(value)
    return value


def _set_document(item: WorkoutSet) -> dict[str, Any]:
    return {
        "client_id": _plain("client_id", item.client_id),
        **{field: _plain(field, getattr(item, field)) for field in SET_FIELDS},
    }


def _exercise_document(row: WorkoutExercise, sets: Sequence[WorkoutSet]) -> dict[str, Any]:
    return {
        "client_id": _plain("client_id", row.client_id),
        "exercise_id": str(row.exercise.public_id),
        "notes": row.notes,
        "sets": [_set_document(item) for item in sets],
    }


def _rows(workout: Workout) -> tuple[list[WorkoutExercise], dict[int, list[WorkoutSet]]]:
    """The workout's exercises in order and their sets in order, in two queries."""
    rows = list(WorkoutExercise.objects.filter(workout=workout).select_related("exercise").order_by("index"))
    sets: dict[int, list[WorkoutSet]] = defaultdict(list)
    for item in WorkoutSet.objects.filter(workout=workout).order_by("workout_exercise_id", "index"):
        sets[item.workout_exercise_id].append(item)
    return rows, sets


def _document(
    workout: Workout, rows: list[WorkoutExercise], sets: dict[int, list[WorkoutSet]]
) -> dict[str, Any]:
    return {
        "fields": {field: _plain(field, getattr(workout, field)) for field in WORKOUT_FIELDS},
        "exercises": [_exercise_document(row, sets.get(row.pk, [])) for row in rows],
    }


def canonical(workout: Workout) -> dict[str, Any]:
    """The workout as sync compares it: its editable fields, then its exercises and their sets in order.

    The same document as `_document(workout, *_rows(workout))`, built from plain rows instead of
    model instances: it is recorded on every logged set, where instantiating a long workout's
    sets was most of the request's cost (bench/results.md).
    """
    exercises = (
        WorkoutExercise.objects.filter(workout=workout)
        .order_by("index")
        .values_list("pk", "client_id", "exercise__public_id", "notes")
    )
    sets: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = WorkoutSet.objects.filter(workout=workout).order_by("workout_exercise_id", "index")
    for exercise_pk, client_id, *values in rows.values_list("workout_exercise_id", "client_id", *SET_FIELDS):
        document = {"client_id": _plain("client_id", client_id)}
        document.update((name, _plain(name, value)) for name, value in zip(SET_FIELDS, values, strict=True))
        sets[exercise_pk].append(document)
    return {
        "fields": {field: _plain(field, getattr(workout, field)) for field in WORKOUT_FIELDS},
        "exercises": [
            {
                "client_id": _plain("client_id", client_id),
                "exercise_id": str(exercise_public_id),
                "notes": notes,
                "sets": sets.get(pk, []),
            }
            for pk, client_id, exercise_public_id, notes in exercises
        ],
    }


def revision_record(workout: Workout) -> None:
    """Store the document at the workout's new version and forget the oldest beyond `REVISIONS_KEPT`.

    Call from `services._changed`, under the row lock, after the version was raised.
    """
    if workout.deleted_at is not None:  # A tombstone is never merged into again.
        WorkoutRevision.objects.filter(workout=workout).delete()
        return
    WorkoutRevision.objects.create(workout=workout, version=workout.version, document=canonical(workout))
    WorkoutRevision.objects.filter(workout=workout, version__lte=workout.version - REVISIONS_KEPT).delete()


# --- The client's document ---------------------------------------------------------------------------------


def _keys(items: Sequence[dict[str, Any]]) -> list[Key]:
    """Each item's identity: its client id, else its position (a repeated client id counts as absent)."""
    keys: list[Key] = []
    seen: set[str] = set()
    for position, item in enumerate(items):
        client_id = _plain("client_id", item.get("client_id"))
        if client_id and client_id not in seen:
            seen.add(client_id)
            keys.append(("client_id", client_id))
        else:
            keys.append(("position", position))
    return keys


def _keyed(items: Sequence[dict[str, Any]]) -> dict[Key, tuple[int, dict[str, Any]]]:
    return {
        key: (position, item) for position, (key, item) in enumerate(zip(_keys(items), items, strict=True))
    }


def _client_document(document: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The request in canonical form, with whatever it leaves out taken from the base."""
    fields = {
        field: _plain(field, document[field]) if field in document else base["fields"][field]
        for field in WORKOUT_FIELDS
    }
    if "exercises" not in document:
        return {"fields": fields, "exercises": base["exercises"]}
    base_exercises = _keyed(base["exercises"])
    exercises = []
    for key, item in zip(_keys(document["exercises"]), document["exercises"], strict=True):
        base_item = base_exercises.get(key, (None, None))[1]
        exercise = {
            "client_id": _plain("client_id", item.get("client_id")),
            "exercise_id": str(item["exercise_id"]),
            "notes": item.get("notes", base_item["notes"] if base_item else ""),
        }
        if "sets" not in item:
            exercise["sets"] = base_item["sets"] if base_item else []
        else:
            base_sets = _keyed(base_item["sets"]) if base_item else {}
            exercise["sets"] = []
            for set_key, row in zip(_keys(item["sets"]), item["sets"], strict=True):
                start = base_sets.get(set_key, (None, SET_DEFAULTS))[1]
                exercise["sets"].append(
                    {
                        "client_id": _plain("client_id", row.get("client_id")),
                        **{
                            field: _plain(field, row[field]) if field in row else start[field]
                            for field in SET_FIELDS
                        },
                    }
                )
        exercises.append(exercise)
    return {"fields": fields, "exercises": exercises}


def _check_document(document: dict[str, Any]) -> None:
    """Refuse what no merge can repair: a set client id used twice, a start after the finish, or a
    time in the future."""
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, exercise in enumerate(document.get("exercises", [])):
        for j, row in enumerate(exercise.get("sets", [])):
            client_id = _plain("client_id", row.get("client_id"))
            if client_id and client_id in seen:
                errors[f"exercises[{i}].sets[{j}].client_id"] = ["Each set needs its own client_id."]
            seen.add(client_id)
    started_at, completed_at = document.get("started_at"), document.get("completed_at")
    if started_at and completed_at and started_at > completed_at:
        errors["completed_at"] = ["A workout cannot finish before it starts."]
    latest = timezone.now() + services.CLOCK_SKEW  # Active time is counted up to the finish.
    for field in ("started_at", "completed_at"):
        if document.get(field) and document[field] > latest:
            errors.setdefault(field, []).append("This time is in the future.")
    if errors:
        raise ValidationError(errors)


def _exercises_named(owner: User, current: dict[str, Any], document: dict[str, Any]) -> dict[str, Exercise]:
    """The exercises the documents name, by public id: those already in the workout, and new ones
    the owner may see (approved, or their own submissions) that are not deleted."""
    already = {item["exercise_id"] for item in current["exercises"]}
    new = {str(item["exercise_id"]) for item in document.get("exercises", [])} - already
    found = {str(e.public_id): e for e in Exercise.objects.filter(public_id__in=already)}
    if new:
        visible = exercises_visible_to(user_public_id=str(owner.public_id)).filter(public_id__in=new)
        found.update((str(e.public_id), e) for e in visible)
    errors = {
        f"exercises[{i}].exercise_id": ["No such exercise."]
        for i, item in enumerate(document.get("exercises", []))
        if str(item["exercise_id"]) not in found
    }
    if errors:
        raise ValidationError(errors)
    return found


# --- The three-way merge ------------------------------------------------------------------------------------


@dataclass
class Merged:
    """One merged exercise or set, with the identity it had in the merge."""

    key: Key
    values: dict[str, Any]
    sets: list["Merged"] | None = None

    def plain(self) -> dict[str, Any]:
        if self.sets is None:
            return self.values
        return {**self.values, "sets": [item.plain() for item in self.sets]}


class _Merge:
    """Three-way merge of canonical documents; conflicting paths are collected, not raised."""

    def __init__(self) -> None:
        self.conflicts: list[str] = []

    def value(self, path: str, base: Any, server: Any, client: Any) -> Any:
        if server == client:
            return server
        if base == server:
            return client
        if base == client:
            return server
        self.conflicts.append(path)
        return server

    def document(self, base: dict, server: dict, client: dict) -> tuple[dict[str, Any], list[Merged]]:
        fields = {
            field: self.value(field, base["fields"][field], server["fields"][field], client["fields"][field])
            for field in WORKOUT_FIELDS
        }
        exercises = self.items(
            "exercises", base["exercises"], server["exercises"], client["exercises"], self.exercise
        )
        return fields, exercises

    def items(self, path: str, base: list, server: list, client: list, merge_one) -> list[Merged]:
        """Merge two versions of a list: the client's items in its order, then the server's others."""
        b, s, c = _keyed(base), _keyed(server), _keyed(client)
        merged = []
        for key in [*c, *(key for key in s if key not in c)]:
            position = c[key][0] if key in c else s[key][0]
            item = merge_one(
                f"{path}[{position}]",
                b.get(key, (None, None))[1],
                s.get(key, (None, None))[1],
                c.get(key, (None, None))[1],
            )
            if item is not None:
                merged.append(Merged(key=key, values=item[0], sets=item[1]))
        return merged

    def presence(self, path: str, base: dict | None, server: dict | None, client: dict | None):
        """Settle an item missing on a side: the merged item, or ABSENT when both sides still have it."""
        if server == client:
            return server
        if base is None and (server is None or client is None):
            return server if client is None else client  # Added on one side only.
        if server is None or client is None:
            survivor = client if server is None else server
            if survivor != base:
                self.conflicts.append(path)  # Deleted on one side, changed on the other.
                return server
            return None
        return ABSENT

    def exercise(self, path: str, base: dict | None, server: dict | None, client: dict | None):
        settled = self.presence(path, base, server, client)
        if settled is None:
            return None
        if settled is not ABSENT:
            return {f: settled[f] for f in EXERCISE_FIELDS}, [
                Merged(key=key, values=item)
                for key, item in zip(_keys(settled["sets"]), settled["sets"], strict=True)
            ]
        base = base or {}
        values = {
            f: self.value(f"{path}.{f}", base.get(f, ABSENT), server[f], client[f]) for f in EXERCISE_FIELDS
        }
        sets = self.items(f"{path}.sets", base.get("sets", []), server["sets"], client["sets"], self.set)
        return values, sets

    def set(self, path: str, base: dict | None, server: dict | None, client: dict | None):
        settled = self.presence(path, base, server, client)
        if settled is None:
            return None
        if settled is not ABSENT:
            return settled, None
        base = base or {}
        fields = ("client_id", *SET_FIELDS)
        return {f: self.value(f"{path}.{f}", base.get(f, ABSENT), server[f], client[f]) for f in fields}, None


def _duplicate_set_ids(exercises: list[Merged]) -> list[str]:
    """Paths of sets whose client id another merged set already has (a set moved on both sides)."""
    seen: set[str] = set()
    paths = []
    for i, exercise in enumerate(exercises):
        for j, item in enumerate(exercise.sets or []):
            client_id = item.values["client_id"]
            if client_id and client_id in seen:
                paths.append(f"exercises[{i}].sets[{j}]")
            seen.add(client_id)
    return paths


# --- Writing the merge -----------------------------------------------------------------------------------


def _server_copy(workout: Workout) -> dict[str, Any]:
    return WorkoutSerializer(with_document(Workout.objects.filter(pk=workout.pk)).get()).data


def _renumber(rows: list, model, final: dict[int, int]) -> None:
    """Give kept rows their new indexes without ever holding two rows at one index."""
    moving = [row for row in rows if row.index != final[row.pk]]
    for row in moving:
        row.index = PARKING + final[row.pk]
    model.objects.bulk_update(moving, ["index"])
    for row in moving:
        row.index = final[row.pk]
    model.objects.bulk_update(moving, ["index"])


def _write_rows(
    workout: Workout,
    rows: list[WorkoutExercise],
    sets: dict[int, list[WorkoutSet]],
    merged: list[Merged],
    exercises: dict[str, Exercise],
) -> set[int]:
    """Make the exercises and sets equal to the merge, keeping the rows whose identity survived.

    Return the ids of the exercises whose sets changed (their personal records need a rebuild).
    """
    now = timezone.now()
    by_key = dict(zip(_keys([_exercise_document(row, []) for row in rows]), rows, strict=True))
    wanted = {item.key: item for item in merged}
    touched: set[int] = set()
    old_sets: dict[Key, dict[Key, WorkoutSet]] = {}
    for key, row in by_key.items():
        documents = [_set_document(item) for item in sets.get(row.pk, [])]
        old_sets[key] = dict(zip(_keys(documents), sets.get(row.pk, []), strict=True))
        item = wanted.get(key)
        if item is None:
            touched.add(row.exercise_id)
        elif (
            item.values["exercise_id"] != str(row.exercise.public_id)
            or [s.plain() for s in item.sets or []] != documents
        ):
            touched |= {row.exercise_id, exercises[item.values["exercise_id"]].pk}

    kept_keys = {key: {s.key for s in item.sets or []} for key, item in wanted.items()}
    gone_sets = [
        item.pk
        for key, rows_of in old_sets.items()
        for set_key, item in rows_of.items()
        if set_key not in kept_keys.get(key, ())
    ]
    WorkoutSet.objects.filter(pk__in=gone_sets).delete()
    WorkoutExercise.objects.filter(
        pk__in=[row.pk for key, row in by_key.items() if key not in wanted]
    ).delete()

    kept = [by_key[item.key] for item in merged if item.key in by_key]
    _renumber(
        kept, WorkoutExercise, {by_key[item.key].pk: i for i, item in enumerate(merged) if item.key in by_key}
    )
    changed = []
    for item in merged:
        row = by_key.get(item.key)
        if row is None:
            continue
        exercise = exercises[item.values["exercise_id"]]
        if (row.exercise_id, row.notes, _plain("client_id", row.client_id)) != (
            exercise.pk,
            item.values["notes"],
            item.values["client_id"],
        ):
            row.exercise, row.notes, row.client_id = exercise, item.values["notes"], item.values["client_id"]
            changed.append(row)
    WorkoutExercise.objects.bulk_update(changed, ["exercise", "notes", "client_id"])

    kept_sets: list[WorkoutSet] = []
    final: dict[int, int] = {}
    updated: list[WorkoutSet] = []
    created: list[WorkoutSet] = []
    for index, item in enumerate(merged):
        row = by_key.get(item.key)
        if row is None:
            exercise = exercises[item.values["exercise_id"]]
            row = WorkoutExercise.objects.create(
                workout=workout,
                index=index,
                exercise=exercise,
                notes=item.values["notes"],
                client_id=item.values["client_id"],
            )
            touched.add(exercise.pk)
        for set_index, set_item in enumerate(item.sets or []):
            existing = old_sets.get(item.key, {}).get(set_item.key)
            values = {field: _python(field, set_item.values[field]) for field in ("client_id", *SET_FIELDS)}
            if existing is None:
                created.append(WorkoutSet(workout=workout, workout_exercise=row, index=set_index, **values))
                continue
            kept_sets.append(existing)
            final[existing.pk] = set_index
            if _set_document(existing) != set_item.values:
                for field, value in values.items():
                    setattr(existing, field, value)
                existing.updated_at = now
                updated.append(existing)
    _renumber(kept_sets, WorkoutSet, final)
    WorkoutSet.objects.bulk_update(updated, ["client_id", *SET_FIELDS, "updated_at"])
    WorkoutSet.objects.bulk_create(created)
    return touched


def _recount(workout: Workout) -> None:
    """Totals of a finished workout whose sets changed, counted as `services._complete` counts them."""
    sets = WorkoutSet.objects.filter(workout=workout, completed_at__isnull=False).exclude(
        set_type=WorkoutSet.SetType.WARMUP
    )
    rows = list(sets.values_list("weight_kg", "reps"))
    workout.volume_kg = sum((Decimal(weight) * reps for weight, reps in rows), Decimal(0))
    workout.total_sets, workout.total_reps = len(rows), sum(reps for _, reps in rows)


def _write_fields(workout: Workout, fields: dict[str, Any], current: dict[str, Any]) -> datetime | None:
    """Copy the merged fields onto the locked workout and move its state; return the finish time when
    the merge completes it (the caller completes it once the sets are written)."""
    now = timezone.now()
    old_status, new_status = workout.status, fields["status"]
    if new_status != old_status and (old_status, new_status) not in TRANSITIONS:
        raise services.WorkoutStateError(
            f"A {old_status.replace('_', ' ')} workout cannot become {new_status.replace('_', ' ')}.",
            status=old_status,
        )
    for field in ("name", "notes", "visibility", "started_at", "completed_at", "active_seconds"):
        setattr(workout, field, _python(field, fields[field]))
    if fields["visibility"] != current["visibility"] and fields["visibility"] != Workout.Visibility.PRIVATE:
        workout.shared_at = workout.shared_at or now
        events.emit(
            "workout.shared", workout_id=workout.pk, user_id=workout.owner_id, visibility=fields["visibility"]
        )
    if new_status == old_status:
        return None
    if new_status == Status.COMPLETED:
        return workout.completed_at or now
    if new_status == Status.IN_PROGRESS:
        services._running_elsewhere(workout.owner, exclude_pk=workout.pk)
        if old_status == Status.PLANNED:
            workout.started_at = workout.started_at or now
            if workout.template_id:
                template_id = workout.template_id
                transaction.on_commit(lambda: template_workout_started(template_id=template_id))
        workout.resumed_at, workout.paused_at = now, None
    elif new_status == Status.PAUSED:
        if fields["active_seconds"] == current["active_seconds"] and workout.resumed_at:
            workout.active_seconds += max(0, int((now - workout.resumed_at).total_seconds()))
        workout.paused_at = now
    workout.status = new_status
    return None


def _locked(workout: Workout) -> Workout:
    locked = Workout.objects.select_for_update().filter(pk=workout.pk).first()
    if locked is None:
        raise NotFoundError("No such workout.")
    if locked.deleted_at is not None:
        raise ConflictError(
            "The workout was deleted.", code="deleted", deleted_at=locked.deleted_at.isoformat()
        )
    return locked


def workout_get_for_sync(*, user: User, workout_id: UUID | str) -> Workout:
    """The user's workout, deleted or not: an offline device must learn that its workout was deleted."""
    try:
        public_id = UUID(str(workout_id))
    except ValueError:
        raise NotFoundError("No such workout.") from None
    workout = Workout.objects.filter(owner=user, public_id=public_id).first()
    if workout is None:
        raise NotFoundError("No such workout.")
    return workout


@transaction.atomic
def workout_sync(*, workout: Workout, document: dict[str, Any], base_version: int) -> Workout:
    """Merge an offline copy of the workout (started from `base_version`) into the current one.

    `document` holds validated fields of the workout document (`WorkoutDetailApi.InputSerializer`).
    Runs under the workout's row lock; raises before writing anything when the merge conflicts.
    """
    workout = _locked(workout)
    _check_document(document)
    rows, sets = _rows(workout)
    current = _document(workout, rows, sets)
    if base_version == workout.version:
        base = current
    elif base_version > workout.version:
        raise ConflictError(
            f"The workout never had version {base_version}.",
            code="unknown_version",
            server=_server_copy(workout),
        )
    else:
        revision = WorkoutRevision.objects.filter(workout=workout, version=base_version).first()
        if revision is None:
            raise ConflictError(
                f"Version {base_version} is too old to merge: start again from the server copy.",
                code="base_too_old",
                server=_server_copy(workout),
            )
        base = revision.document
    client = _client_document(document, base)
    exercises = _exercises_named(workout.owner, current, document)

    merge = _Merge()
    fields, merged = merge.document(base, current, client)
    conflicts = merge.conflicts + _duplicate_set_ids(merged)
    started_at, completed_at = fields["started_at"], fields["completed_at"]
    if (
        started_at
        and completed_at
        and _python("started_at", started_at) > _python("completed_at", completed_at)
    ):
        conflicts += ["started_at", "completed_at"]
    if conflicts:
        raise ConflictError(
            "Your changes and the server's clash: resolve them on the server copy and send it again.",
            code="sync_conflict",
            conflicts=conflicts,
            server=_server_copy(workout),
        )
    if fields["status"] == Status.COMPLETED == workout.status and completed_at is None:
        raise ValidationError({"completed_at": ["A finished workout keeps its finish time."]})
    if {"fields": fields, "exercises": [item.plain() for item in merged]} == current:
        return workout  # Nothing new, e.g. the same batch sent again: the version stays.

    completes_at = _write_fields(workout, fields, current["fields"])
    touched = _write_rows(workout, rows, sets, merged, exercises)
    if completes_at is not None:
        set_active_time = fields["active_seconds"] != current["fields"]["active_seconds"]
        count_time = not set_active_time and bool(workout.resumed_at) and completes_at >= workout.resumed_at
        workout.started_at = workout.started_at or completes_at
        services._complete(workout, at=completes_at, count_time=count_time)
    else:
        if workout.status == Status.COMPLETED:
            _recount(workout)
        try:
            with transaction.atomic():
                workout.save()
        except IntegrityError:  # Another device started a different workout at the same moment.
            services._running_elsewhere(workout.owner, exclude_pk=workout.pk)
            raise
    records_rebuild(user_id=workout.owner_id, exercise_ids=touched)
    services._emit(workout, "workout_updated", {"version": workout.version + 1})
    services._changed(workout)
    return workout


# --- The change feed -------------------------------------------------------------------------------------


@dataclass
class EventsPage:
    """Workouts that changed after a cursor, each in its latest state, oldest change first."""

    workouts: list[Workout]
    cursor: str
    has_more: bool


def _cursor(user: User, change_id: int) -> str:
    return signing.Signer(salt=CURSOR_SALT).sign_object({"u": user.pk, "c": change_id})


def _cursor_position(user: User, cursor: str) -> int:
    try:
        value = signing.Signer(salt=CURSOR_SALT).unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError):
        value = None
    if not isinstance(value, dict) or value.get("u") != user.pk or not isinstance(value.get("c"), int):
        raise ValidationError({"since": ["Send a cursor this feed returned."]})
    return value["c"]


def workout_events(*, user: User, since: str | None = None, limit: int = 100) -> EventsPage:
    """The next `limit` changes of the user's workouts after `since` (from the start without it).

    Several changes of one workout in the page collapse into one entry at its last change, showing
    the workout as it is now (a deleted one carries its `deleted_at`). Costs the same number of
    queries however many workouts the page holds.
    """
    after = _cursor_position(user, since) if since else 0
    changes = list(
        WorkoutChange.objects.filter(owner=user, pk__gt=after)
        .order_by("pk")
        .values_list("pk", "workout_id")[: limit + 1]
    )
    has_more = len(changes) > limit
    changes = changes[:limit]
    last_change = {workout_id: change_id for change_id, workout_id in changes}
    workouts = {}
    if last_change:
        everything = Workout.objects.filter(owner=user, pk__in=last_change)
        workouts = {workout.pk: workout for workout in with_document(everything)}
    ordered = sorted(last_change, key=last_change.__getitem__)
    return EventsPage(
        workouts=[workouts[pk] for pk in ordered if pk in workouts],
        cursor=_cursor(user, changes[-1][0] if changes else after),
        has_more=has_more,
    )
