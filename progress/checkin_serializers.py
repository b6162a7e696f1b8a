"""Serializers of body check-ins: the documents the API returns and the measurements it accepts."""

import json
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fitai.private_files import private_url
from progress.checkins import MEASUREMENT_KINDS, checkin_photos, checkin_values
from progress.models import CheckIn, ProgressPhoto

# Wide enough for any unit a client sends; the real bounds (per kind, in metric) are the services'.
VALUE = {"max_digits": 8, "decimal_places": 3, "min_value": Decimal(0), "max_value": Decimal(10000)}
MAX_MEASUREMENTS_JSON = 2000


def _value_field(**options: Any) -> serializers.DecimalField:
    return serializers.DecimalField(**VALUE, required=False, coerce_to_string=False, **options)


class MeasurementsInputSerializer(serializers.Serializer):
    """Circumferences in cm (or in with `unit`); null removes one on update."""

    waist = _value_field(allow_null=True)
    chest = _value_field(allow_null=True)
    hips = _value_field(allow_null=True)
    arm = _value_field(allow_null=True)
    thigh = _value_field(allow_null=True)
    calf = _value_field(allow_null=True)
    neck = _value_field(allow_null=True)
    shoulders = _value_field(allow_null=True)


class MeasurementsSerializer(serializers.Serializer):
    """The check-in's circumferences in cm; kinds not measured are absent."""

    waist = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, required=False)
    chest = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, required=False)
    hips = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, required=False)
    arm = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, required=False)
    thigh = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, required=False)
    calf = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, required=False)
    neck = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, required=False)
    shoulders = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, required=False
    )


@extend_schema_field(MeasurementsInputSerializer)
class MeasurementsField(serializers.Field):
    """A measurements object, or (in multipart forms) the same object as a JSON string.

    Errors keep their place (`{"waist": [...]}`), so the view reports them as `measurements.waist`.
    """

    default_error_messages = {
        "invalid": 'Send the measurements as an object of circumferences, e.g. {{"waist": 82}}.',
        "too_long": "The measurements are too long.",
    }

    def to_internal_value(self, data: Any) -> dict[str, Decimal | None]:
        if isinstance(data, str):
            if len(data) > MAX_MEASUREMENTS_JSON:
                self.fail("too_long")
            if not data.strip():
                return {}
            try:
                data = json.loads(data)
            except (ValueError, RecursionError):
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        accepted = ", ".join(MEASUREMENT_KINDS)
        errors: dict[str, Any] = {
            str(key): [f"Measurements are {accepted}."] for key in data if key not in MEASUREMENT_KINDS
        }
        inner = MeasurementsInputSerializer(data=data)
        if not inner.is_valid():
            errors.update(inner.errors)
        if errors:
            raise serializers.ValidationError(errors)
        return dict(inner.validated_data)

    def to_representation(self, value: Any) -> Any:
        return value


class ProgressPhotoSerializer(serializers.ModelSerializer):
    """A photo with an expiring URL: hand the URL to nobody but its owner."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    url = serializers.SerializerMethodField(
        help_text="Expires (15 minutes by default); fetch a new one then."
    )

    class Meta:
        model = ProgressPhoto
        fields = ["id", "pose", "url", "width", "height"]
        read_only_fields = fields

    def get_url(self, photo: ProgressPhoto) -> str:
        return private_url(photo.file, request=self.context.get("request"))


class CheckInSerializer(serializers.ModelSerializer):
    """A check-in read from its prefetched metrics and photos (no query per row)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    weight_kg = serializers.SerializerMethodField()
    body_fat_pct = serializers.SerializerMethodField()
    measurements = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "measured_at",
            "weight_kg",
            "body_fat_pct",
            "measurements",
            "note",
            "photos",
            "created_at",
        ]
        read_only_fields = fields

    def _values(self, checkin: CheckIn) -> dict[str, Decimal]:
        cache = self.context.setdefault("_values", {})
        if checkin.pk not in cache:
            cache[checkin.pk] = checkin_values(checkin)
        return cache[checkin.pk]

    @extend_schema_field(
        serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True)
    )
    def get_weight_kg(self, checkin: CheckIn) -> Decimal | None:
        return self._values(checkin).get("weight")

    @extend_schema_field(
        serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True)
    )
    def get_body_fat_pct(self, checkin: CheckIn) -> Decimal | None:
        return self._values(checkin).get("body_fat")

    @extend_schema_field(MeasurementsSerializer)
    def get_measurements(self, checkin: CheckIn) -> dict[str, Decimal]:
        values = self._values(checkin)
        return {kind: values[kind] for kind in MEASUREMENT_KINDS if kind in values}

    @extend_schema_field(ProgressPhotoSerializer(many=True))
    def get_photos(self, checkin: CheckIn) -> list[dict[str, Any]]:
        return ProgressPhotoSerializer(checkin_photos(checkin), many=True, context=self.context).data
