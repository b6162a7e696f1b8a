"""Body check-ins: services and selectors.

A check-in owns no numbers of its own. Its weight, body fat and measurements are written as
`accounts.BodyMetric` rows through `accounts.metrics` (so they appear in `/users/metrics`, the
one source of truth, and emit `metric.changed` for goals) and linked in `CheckIn.metrics`, one
row per kind. Its photos are re-encoded private files (`progress.photos`).

Values arrive in the client's units (`unit` / `weight_unit`) and are stored metric. Every value
is checked before anything is written; errors name their path (`measurements.waist`).

Files and transactions: photo files are stored before the rows that name them and removed again
if the rows cannot be written; files that rows stop naming are deleted after commit. The
services that take uploads must therefore be called outside a transaction, as views do.
"""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.metrics import (
    CLOCK_SKEW,
    metric_delete,
    metric_record,
    metric_update,
    metric_value_to_metric,
)
from accounts.models import BodyMetric, User
from fitai.erasure import storage_delete
from fitai.errors import DomainError, NotFoundError
from progress.models import CheckIn, ProgressPhoto
from progress.photos import EncodedPhoto, photo_encode, photo_store, photos_store

Kind = BodyMetric.Kind
Pose = ProgressPhoto.Pose

MEASUREMENT_KINDS: tuple[str, ...] = (
    Kind.WAIST,
    Kind.CHEST,
    Kind.HIPS,
    Kind.ARM,
    Kind.THIGH,
    Kind.CALF,
    Kind.NECK,
    Kind.SHOULDERS,
)
# The check-in's own fields and the body-metric kind each one is stored as.
FIELD_KINDS = {"weight_kg": Kind.WEIGHT, "body_fat_pct": Kind.BODY_FAT}
CHECKIN_KINDS = frozenset({*FIELD_KINDS.values(), *MEASUREMENT_KINDS})
POSES: tuple[str, ...] = tuple(Pose.values)
POSE_ORDER = {pose: index for index, pose in enumerate((Pose.FRONT, Pose.SIDE, Pose.BACK))}

# `unit` names a system or one unit; `weight_unit` overrides the weight's unit.
UNITS = ("metric", "imperial", "kg", "lb", "cm", "in")
WEIGHT_UNITS = ("kg", "lb")
EMPTY_MESSAGE = "A check-in needs a weight, a body fat, a measurement, a photo or a note."


class _Unset(Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET  # "not sent" in partial updates, where None means "remove"


# --- Validation -----------------------------------------------------------------------------------


def _units(unit: str | None, weight_unit: str | None) -> tuple[str | None, str | None]:
    """(weight unit, length unit) from the request's `unit` and `weight_unit`; None is metric."""
    weight, length = None, None
    if unit == "imperial":
        weight, length = "lb", "in"
    elif unit in WEIGHT_UNITS:
        weight = unit
    elif unit in ("cm", "in"):
        length = unit
    return weight_unit or weight, length


def _metric_values(
    *,
    values: Mapping[str, Decimal | None],
    unit: str | None,
    weight_unit: str | None,
) -> dict[str, Decimal | None]:
    """Convert `{path: value}` to `{kind: metric value}` (None stays None: "remove"), or raise
    one ValidationError naming every bad path."""
    weight, length = _units(unit, weight_unit)
    converted: dict[str, Decimal | None] = {}
    errors: dict[str, list[str]] = {}
    for path, value in values.items():
        kind = FIELD_KINDS.get(path) or path.removeprefix("measurements.")
        if value is None:
            converted[kind] = None
            continue
        given_in = weight if kind == Kind.WEIGHT else None if kind == Kind.BODY_FAT else length
        try:
            converted[kind] = metric_value_to_metric(kind=kind, value=value, unit=given_in)
        except ValidationError as error:
            errors[path] = [message for messages in error.message_dict.values() for message in messages]
    if errors:
        raise ValidationError(errors)
    return converted


def _paths(
    *,
    weight_kg: Decimal | _Unset | None,
    body_fat_pct: Decimal | _Unset | None,
    measurements: Mapping[str, Decimal | None] | _Unset | None,
) -> dict[str, Decimal | None]:
    """The values that were sent, keyed by their path in the request."""
    sent: dict[str, Decimal | None] = {}
    if weight_kg is not UNSET:
        sent["weight_kg"] = weight_kg
    if body_fat_pct is not UNSET:
        sent["body_fat_pct"] = body_fat_pct
    if measurements is not UNSET and measurements is not None:
        unknown = sorted(set(measurements) - set(MEASUREMENT_KINDS))
        if unknown:
            accepted = ", ".join(MEASUREMENT_KINDS)
            raise ValidationError(
                {f"measurements.{key}": [f"Measurements are {accepted}."] for key in unknown}
            )
        sent.update({f"measurements.{kind}": value for kind, value in measurements.items()})
    return sent


def _check_moment(measured_at: datetime) -> datetime:
    if measured_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"measured_at": ["A check-in cannot be in the future."]})
    return measured_at


def _encode_photos(photos: Mapping[str, UploadedFile] | None) -> list[tuple[str, EncodedPhoto]]:
    """Decode every upload before anything is stored; an unacceptable one names its pose."""
    encoded = []
    for pose, upload in (photos or {}).items():
        if pose not in POSES:
            raise ValidationError({f"photos.{pose}": [f"A pose is one of {', '.join(POSES)}."]})
        try:
            encoded.append((pose, photo_encode(upload=upload)))
        except DomainError as error:
            raise type(error)(error.message, code=error.code, fields={pose: [error.message]}) from None
    return encoded


# --- Services -------------------------------------------------------------------------------------


def checkin_create(
    *,
    user: User,
    measured_at: datetime,
    weight_kg: Decimal | None = None,
    body_fat_pct: Decimal | None = None,
    measurements: Mapping[str, Decimal | None] | None = None,
    note: str = "",
    unit: str | None = None,
    weight_unit: str | None = None,
    photos: Mapping[str, UploadedFile] | None = None,
) -> CheckIn:
    """Record a check-in: its values into the body-metric series, its photos (by pose) privately.

    Everything is checked first (400 with paths, 413/415 for photos); call outside a transaction.
    """
    values = _metric_values(
        values=_paths(weight_kg=weight_kg, body_fat_pct=body_fat_pct, measurements=measurements),
        unit=unit,
        weight_unit=weight_unit,
    )
    metric_values = {kind: value for kind, value in values.items() if value is not None}
    _check_moment(measured_at)
    if not (metric_values or photos or note.strip()):
        raise ValidationError({"non_field_errors": [EMPTY_MESSAGE]})
    encoded = _encode_photos(photos)
    names = photos_store(user=user, photos=encoded)
    try:
        return _checkin_create_rows(
            user=user,
            measured_at=measured_at,
            note=note,
            metric_values=metric_values,
            photos=[(pose, names[pose], photo) for pose, photo in encoded],
        )
    except Exception:
        storage_delete(names.values())
        raise


@transaction.atomic
def _checkin_create_rows(
    *,
    user: User,
    measured_at: datetime,
    note: str,
    metric_values: Mapping[str, Decimal],
    photos: Iterable[tuple[str, str, EncodedPhoto]],
) -> CheckIn:
    checkin = CheckIn.objects.create(user=user, measured_at=measured_at, note=note)
    written = [
        metric_record(user=user, kind=kind, value=value, measured_at=measured_at)
        for kind, value in metric_values.items()
    ]
    checkin.metrics.add(*written)
    ProgressPhoto.objects.bulk_create(
        ProgressPhoto(
            check_in=checkin, user=user, pose=pose, file=name, width=photo.width, height=photo.height
        )
        for pose, name, photo in photos
    )
    return checkin


@transaction.atomic
def checkin_update(
    *,
    checkin: CheckIn,
    measured_at: datetime | _Unset = UNSET,
    weight_kg: Decimal | _Unset | None = UNSET,
    body_fat_pct: Decimal | _Unset | None = UNSET,
    measurements: Mapping[str, Decimal | None] | _Unset = UNSET,
    note: str | _Unset = UNSET,
    unit: str | None = None,
    weight_unit: str | None = None,
) -> CheckIn:
    """Change only what was sent: a value updates (or creates) its metric, None removes it.

    `measurements` merges by kind: kinds not sent keep their value. Moving `measured_at` moves
    every linked metric with it. A check-in left with nothing in it is refused (400).
    """
    values = _metric_values(
        values=_paths(weight_kg=weight_kg, body_fat_pct=body_fat_pct, measurements=measurements),
        unit=unit,
        weight_unit=weight_unit,
    )
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if measured_at is not UNSET:
        checkin.measured_at = _check_moment(measured_at)
    if note is not UNSET:
        checkin.note = note
    current = {metric.kind: metric for metric in checkin.metrics.all()}
    for kind, value in values.items():
        metric = current.pop(kind, None)
        if value is None:
            if metric is not None:
                metric_delete(metric=metric)
        elif metric is None:
            created = metric_record(
                user=checkin.user, kind=kind, value=value, measured_at=checkin.measured_at
            )
            checkin.metrics.add(created)
        else:
            new_moment = checkin.measured_at if metric.measured_at != checkin.measured_at else None
            metric_update(metric=metric, value=value, measured_at=new_moment)
    if measured_at is not UNSET:
        for metric in current.values():  # the kinds that were not sent
            if metric.measured_at != checkin.measured_at:
                metric_update(metric=metric, measured_at=checkin.measured_at)
    checkin.save()
    _ensure_not_empty(checkin)
    return checkin


@transaction.atomic
def checkin_delete(*, checkin: CheckIn) -> None:
    """Delete the check-in, the body metrics it wrote, and (after commit) its photo files."""
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    files = list(checkin.photos.values_list("file", flat=True))
    for metric in checkin.metrics.all():
        metric_delete(metric=metric)
    checkin.delete()
    transaction.on_commit(partial(storage_delete, files))


def checkin_photo_set(*, checkin: CheckIn, pose: str, upload: UploadedFile) -> ProgressPhoto:
    """Store the upload as the check-in's photo of `pose`, replacing any; the old file goes after
    commit. Call outside a transaction."""
    if pose not in POSES:
        raise ValidationError({"pose": [f"A pose is one of {', '.join(POSES)}."]})
    encoded = photo_encode(upload=upload)
    name = photo_store(user=checkin.user, photo=encoded)
    try:
        with transaction.atomic():
            locked = CheckIn.objects.select_for_update().filter(pk=checkin.pk).first()
            if locked is None:
                raise NotFoundError("No such check-in.")
            previous = ProgressPhoto.objects.filter(check_in=locked, pose=pose).first()
            if previous is not None:
                previous.delete()
                transaction.on_commit(partial(storage_delete, [previous.file]))
            return ProgressPhoto.objects.create(
                check_in=locked,
                user=locked.user,
                pose=pose,
                file=name,
                width=encoded.width,
                height=encoded.height,
            )
    except Exception:
        storage_delete([name])
        raise


@transaction.atomic
def checkin_photo_delete(*, checkin: CheckIn, pose: str) -> None:
    """Remove the check-in's photo of `pose` (its file after commit); 404 if there is none."""
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    photo = ProgressPhoto.objects.filter(check_in=checkin, pose=pose).first()
    if photo is None:
        raise NotFoundError("This check-in has no photo of that pose.")
    photo.delete()
    _ensure_not_empty(checkin)
    transaction.on_commit(partial(storage_delete, [photo.file]))


def _ensure_not_empty(checkin: CheckIn) -> None:
    """Refuse (and so roll back) a change that leaves the check-in with nothing in it."""
    if checkin.note.strip() or checkin.metrics.exists() or checkin.photos.exists():
        return
    raise ValidationError({"non_field_errors": [f"{EMPTY_MESSAGE} Delete the check-in instead."]})


# --- Selectors ------------------------------------------------------------------------------------


def checkins_for_user(
    *, user: User, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[CheckIn]:
    """The user's check-ins, newest first, with metrics and photos prefetched (three queries a page)."""
    checkins = CheckIn.objects.filter(user=user).prefetch_related(
        Prefetch("metrics", queryset=BodyMetric.objects.only("id", "kind", "value", "measured_at")),
        Prefetch("photos", queryset=ProgressPhoto.objects.order_by("pose", "created_at")),
    )
    if start is not None:
        checkins = checkins.filter(measured_at__gte=start)
    if end is not None:
        checkins = checkins.filter(measured_at__lte=end)
    return checkins.order_by("-measured_at", "-id")


def checkin_get_for_user(*, user: User, checkin_id: str | uuid.UUID) -> CheckIn:
    """The user's own check-in, prefetched; anyone else's (or a malformed id) is simply not found."""
    try:
        public_id = checkin_id if isinstance(checkin_id, uuid.UUID) else uuid.UUID(str(checkin_id))
    except ValueError:
        raise NotFoundError("No such check-in.") from None
    checkin = checkins_for_user(user=user).filter(public_id=public_id).first()
    if checkin is None:
        raise NotFoundError("No such check-in.")
    return checkin


def checkin_values(checkin: CheckIn) -> dict[str, Decimal]:
    """`{kind: value}` of the check-in's linked metrics, from the prefetched rows."""
    return {metric.kind: metric.value for metric in checkin.metrics.all()}


def checkin_photos(checkin: CheckIn) -> list[ProgressPhoto]:
    """The check-in's photos front, side, back, from the prefetched rows."""
    return sorted(checkin.photos.all(), key=lambda photo: POSE_ORDER.get(photo.pose, len(POSE_ORDER)))


def checkins_with_photo(*, user: User, pose: str) -> QuerySet[CheckIn]:
    """The user's check-ins that have a photo of `pose`, newest first (no prefetch: for choosing)."""
    return CheckIn.objects.filter(user=user, photos__pose=pose).order_by("-measured_at", "-id")


def photos_of_pose(
    *, user: User, checkin_ids: Iterable[uuid.UUID], pose: str
) -> dict[uuid.UUID, ProgressPhoto]:
    """The user's photos of `pose` in the given check-ins, by check-in id (one query)."""
    photos = ProgressPhoto.objects.filter(
        user=user, check_in__user=user, check_in__public_id__in=list(checkin_ids), pose=pose
    ).select_related("check_in")
    return {photo.check_in.public_id: photo for photo in photos}
