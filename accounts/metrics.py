"""Body metrics: a time series per person, stored in metric units whatever the client sent."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import BodyMetric, User
from fitai import events
from fitai.errors import NotFoundError

# Emitted after commit whenever a user's measurements change; goals recompute their progress.
METRIC_CHANGED = "metric.changed"
events.declare(METRIC_CHANGED)

Kind = BodyMetric.Kind
# Clocks on phones drift; a measurement a few minutes "in the future" is still now.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class KindSpec:
    unit: str
    low: Decimal
    high: Decimal
    conversions: dict[str, Decimal]


def _circumference(low: int, high: int) -> KindSpec:
    return KindSpec("cm", Decimal(low), Decimal(high), {"in": Decimal("2.54")})


KINDS: dict[str, KindSpec] = {
    Kind.WEIGHT: KindSpec("kg", Decimal(20), Decimal(500), {"lb": Decimal("0.45359237")}),
    Kind.BODY_FAT: KindSpec("%", Decimal(2), Decimal(75), {}),
    Kind.WAIST: _circumference(30, 250),
    Kind.CHEST: _circumference(40, 250),
    Kind.HIPS: _circumference(40, 250),
    Kind.ARM: _circumference(10, 100),
    Kind.THIGH: _circumference(20, 150),
    Kind.CALF: _circumference(15, 80),
    Kind.NECK: _circumference(20, 80),
    Kind.SHOULDERS: _circumference(60, 220),
    Kind.RESTING_HEART_RATE: KindSpec("bpm", Decimal(25), Decimal(220), {}),
}


def metric_value_to_metric(*, kind: str, value: Decimal, unit: str | None) -> Decimal:
    """Convert `value` given in `unit` to the kind's metric unit and check the kind's bounds."""
    spec = KINDS[kind]
    unit = unit or spec.unit
    if unit == spec.unit:
        metric = Decimal(value)
    elif unit in spec.conversions:
        metric = Decimal(value) * spec.conversions[unit]
    else:
        accepted = ", ".join([spec.unit, *spec.conversions])
        raise ValidationError({"unit": [f"A {kind} is measured in {accepted}."]})
    metric = metric.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if not spec.low <= metric <= spec.high:
        raise ValidationError(
            {"value": [f"A {kind} must be between {spec.low} and {spec.high} {spec.unit}."]}
        )
    return metric


def _check_moment(measured_at: datetime) -> datetime:
    if measured_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"measured_at": ["A measurement cannot be in the future."]})
    return measured_at


def metric_record(
    *,
    user: User,
    kind: str,
    value: Decimal,
    unit: str | None = None,
    measured_at: datetime | None = None,
    note: str = "",
) -> BodyMetric:
    """Store one measurement in metric units."""
    metric = BodyMetric.objects.create(
        user=user,
        kind=kind,
        value=metric_value_to_metric(kind=kind, value=value, unit=unit),
        unit=KINDS[kind].unit,
        measured_at=_check_moment(measured_at or timezone.now()),
        note=note,
    )
    events.emit(METRIC_CHANGED, user_id=user.pk, kind=kind)
    return metric


def metric_update(
    *,
    metric: BodyMetric,
    value: Decimal | None = None,
    unit: str | None = None,
    measured_at: datetime | None = None,
    note: str | None = None,
) -> BodyMetric:
    """Change the fields given; the kind of a measurement never changes."""
    fields = []
    if value is not None:
        metric.value = metric_value_to_metric(kind=metric.kind, value=value, unit=unit)
        fields.append("value")
    elif unit is not None and unit != metric.unit:
        raise ValidationError({"value": ["Send the value together with its unit."]})
    if measured_at is not None:
        metric.measured_at = _check_moment(measured_at)
        fields.append("measured_at")
    if note is not None:
        metric.note = note
        fields.append("note")
    if fields:
        metric.save(update_fields=fields)
        events.emit(METRIC_CHANGED, user_id=metric.user_id, kind=metric.kind)
    return metric


def metric_delete(*, metric: BodyMetric) -> None:
    user_id, kind = metric.user_id, metric.kind
    metric.delete()
    events.emit(METRIC_CHANGED, user_id=user_id, kind=kind)


def metrics_for_user(
    *, user: User, kind: str | None = None, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[BodyMetric]:
    """The user's measurements, newest first (served by the (user, kind, measured_at) index)."""
    metrics = BodyMetric.objects.filter(user=user)
    if kind:
        metrics = metrics.filter(kind=kind)
    if start:
        metrics = metrics.filter(measured_at__gte=start)
    if end:
        metrics = metrics.filter(measured_at__lte=end)
    return metrics


def metric_get_for_user(*, user: User, metric_id) -> BodyMetric:
    """The user's own measurement; anyone else's is simply not found."""
    metric = BodyMetric.objects.filter(user=user, pk=metric_id).first()
    if metric is None:
        raise NotFoundError("No such measurement.")
    return metric


def latest_weight_kg(*, user: User) -> Decimal | None:
    return (
        BodyMetric.objects.filter(user=user, kind=Kind.WEIGHT)
        .order_by("-measured_at", "-created_at")
        .values_list("value", flat=True)
        .first()
    )
