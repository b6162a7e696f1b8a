"""Body check-ins: `/api/v1/progress/body...` (API.md, Progress, goals and analytics).

A check-in may be sent as JSON, or as a multipart form carrying its photos (`front`, `side`,
`back`) with `measurements` as a JSON string. Photo URLs in the answers expire.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fitai.api.exceptions import PayloadTooLarge, flatten_error_paths
from fitai.api.pagination import CursorPagination
from fitai.api.parsers import JSONParser
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.errors import NotFoundError
from progress import checkins
from progress.checkin_serializers import (
    CheckInSerializer,
    MeasurementsField,
    ProgressPhotoSerializer,
)
from progress.checkins import POSES, UNITS, WEIGHT_UNITS
from progress.photos import MAX_UPLOAD_BYTES

# Room for the multipart boundaries, part headers and the other fields around the files.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
MB = MAX_UPLOAD_BYTES // 2**20
PHOTO_HELP = f"A JPEG, PNG or WebP picture (judged by content) of at most {MB} MB and 40 megapixels."

PHOTO_ERRORS = {
    400: OpenApiResponse(
        ErrorEnvelopeSerializer, description="Invalid fields (with paths), or a damaged picture."
    ),
    404: OpenApiResponse(ErrorEnvelopeSerializer, description="No such check-in of yours."),
    413: OpenApiResponse(
        ErrorEnvelopeSerializer,
        description=f"A photo over {MB} MB (`payload_too_large`) or too many pixels (`image_too_large`).",
    ),
    415: OpenApiResponse(
        ErrorEnvelopeSerializer, description="Not a JPEG, PNG or WebP picture (`unsupported_media_type`)."
    ),
}


class CheckInPagination(CursorPagination):
    ordering = ("-measured_at", "-id")


def _validated(serializer: serializers.Serializer) -> dict[str, Any]:
    """Validated data, or a 400 whose fields are paths (`measurements.waist`)."""
    if not serializer.is_valid():
        raise ValidationError(flatten_error_paths(serializer.errors))
    return dict(serializer.validated_data)


def _refuse_oversized_body(request: Request, files: int) -> None:
    """Refuse a body too large for `files` photos before it is read and spooled to disk."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > files * MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES:
        raise PayloadTooLarge(f"A photo may be at most {MB} MB.")


def _document(request: Request, checkin) -> dict[str, Any]:
    fresh = checkins.checkin_get_for_user(user=request.user, checkin_id=checkin.public_id)
    return CheckInSerializer(fresh, context={"request": request}).data


# Documented as patterns, not enums: the schema's enum components are named by field, and
# `/users/metrics` already owns a different `unit` set (and the preferences the `kg|lb` one).
@extend_schema_field({"type": "string", "pattern": f"^({'|'.join(UNITS)})$"})
class _UnitChoiceField(serializers.ChoiceField):
    pass


@extend_schema_field({"type": "string", "pattern": f"^({'|'.join(WEIGHT_UNITS)})$"})
class _WeightUnitChoiceField(serializers.ChoiceField):
    pass


class _UnitFields(serializers.Serializer):
    unit = _UnitChoiceField(
        UNITS,
        required=False,
        help_text="Units of the values sent: `imperial` (lb, in), `metric`, or one unit (lb/kg, in/cm).",
    )
    weight_unit = _WeightUnitChoiceField(WEIGHT_UNITS, required=False, help_text="Unit of `weight_kg`.")


class CheckInListApi(APIView):
    """Your body check-ins, newest first; record one (JSON, or multipart with photos)."""

    pagination_class = CheckInPagination
    parser_classes = [JSONParser, MultiPartParser]

    class FilterSerializer(serializers.Serializer):
        to = serializers.DateTimeField(required=False)

        def get_fields(self):
            fields = super().get_fields()
            fields["from"] = serializers.DateTimeField(required=False)  # `from` is a keyword
            return fields

    class InputSerializer(_UnitFields):
        measured_at = serializers.DateTimeField()
        weight_kg = serializers.DecimalField(
            max_digits=8, decimal_places=3, min_value=0, max_value=10000, required=False, allow_null=True
        )
        body_fat_pct = serializers.DecimalField(
            max_digits=8, decimal_places=3, min_value=0, max_value=10000, required=False, allow_null=True
        )
        measurements = MeasurementsField(required=False)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    class MultipartInputSerializer(InputSerializer):
        measurements = serializers.CharField(
            required=False, allow_blank=True, help_text='The measurements object as JSON: `{"waist": 82}`.'
        )
        front = serializers.FileField(required=False, help_text=PHOTO_HELP)
        side = serializers.FileField(required=False, help_text=PHOTO_HELP)
        back = serializers.FileField(required=False, help_text=PHOTO_HELP)

    class _MultipartParsing(InputSerializer):
        """What multipart forms are parsed with: the files beside the JSON fields."""

        front = serializers.FileField(required=False)
        side = serializers.FileField(required=False)
        back = serializers.FileField(required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="ISO 8601 date-time: measured at or after."),
            OpenApiParameter("to", str, description="ISO 8601 date-time: measured at or before."),
        ],
        responses=CheckInSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = checkins.checkins_for_user(
            user=request.user, start=filters.validated_data.get("from"), end=filters.validated_data.get("to")
        )
        paginator = CheckInPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = CheckInSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request={"application/json": InputSerializer, "multipart/form-data": MultipartInputSerializer},
        responses={201: CheckInSerializer, **PHOTO_ERRORS},
    )
    def post(self, request: Request) -> Response:
        _refuse_oversized_body(request, files=len(POSES))
        is_multipart = request.content_type.startswith("multipart/")
        serializer = self._MultipartParsing if is_multipart else self.InputSerializer
        fields = _validated(serializer(data=request.data))
        photos = {pose: fields.pop(pose) for pose in POSES if fields.get(pose) is not None}
        for pose in POSES:
            fields.pop(pose, None)
        checkin = checkins.checkin_create(user=request.user, photos=photos, **fields)
        return Response(_document(request, checkin), status=status.HTTP_201_CREATED)


class CheckInDetailApi(APIView):
    """One of your check-ins: PUT and PATCH change only the fields sent; DELETE removes its files too."""

    class InputSerializer(_UnitFields):
        measured_at = serializers.DateTimeField(required=False)
        weight_kg = serializers.DecimalField(
            max_digits=8,
            decimal_places=3,
            min_value=0,
            max_value=10000,
            required=False,
            allow_null=True,
            help_text="null removes the weight.",
        )
        body_fat_pct = serializers.DecimalField(
            max_digits=8,
            decimal_places=3,
            min_value=0,
            max_value=10000,
            required=False,
            allow_null=True,
            help_text="null removes the body fat.",
        )
        measurements = MeasurementsField(
            required=False, help_text="Merged by kind: kinds not sent are kept, null removes one."
        )
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(responses={200: CheckInSerializer, 404: ErrorEnvelopeSerializer})
    def get(self, request: Request, checkin_id: str) -> Response:
        checkin = checkins.checkin_get_for_user(user=request.user, checkin_id=checkin_id)
        return Response(CheckInSerializer(checkin, context={"request": request}).data)

    @extend_schema(request=InputSerializer, responses={200: CheckInSerializer, 404: ErrorEnvelopeSerializer})
    def put(self, request: Request, checkin_id: str) -> Response:
        checkin = checkins.checkin_get_for_user(user=request.user, checkin_id=checkin_id)
        fields = _validated(self.InputSerializer(data=request.data))
        checkin = checkins.checkin_update(checkin=checkin, **fields)
        return Response(_document(request, checkin))

    @extend_schema(request=InputSerializer, responses={200: CheckInSerializer, 404: ErrorEnvelopeSerializer})
    def patch(self, request: Request, checkin_id: str) -> Response:
        return self.put(request, checkin_id)

    @extend_schema(responses={204: None, 404: ErrorEnvelopeSerializer})
    def delete(self, request: Request, checkin_id: str) -> Response:
        checkin = checkins.checkin_get_for_user(user=request.user, checkin_id=checkin_id)
        checkins.checkin_delete(checkin=checkin)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CheckInPhotoListApi(APIView):
    """Add a photo of a pose to your check-in, replacing the one it had (its file is deleted)."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        pose = serializers.ChoiceField(POSES)
        photo = serializers.FileField(help_text=PHOTO_HELP)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: ProgressPhotoSerializer, **PHOTO_ERRORS},
    )
    def post(self, request: Request, checkin_id: str) -> Response:
        checkin = checkins.checkin_get_for_user(user=request.user, checkin_id=checkin_id)
        _refuse_oversized_body(request, files=1)
        fields = _validated(self.InputSerializer(data=request.data))
        photo = checkins.checkin_photo_set(checkin=checkin, pose=fields["pose"], upload=fields["photo"])
        return Response(
            ProgressPhotoSerializer(photo, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class CheckInPhotoApi(APIView):
    """Remove the photo of one pose from your check-in, and its file."""

    @extend_schema(
        parameters=[OpenApiParameter("pose", str, OpenApiParameter.PATH, enum=list(POSES))],
        responses={
            204: None,
            400: OpenApiResponse(
                ErrorEnvelopeSerializer, description="It is the check-in's only content: delete the check-in."
            ),
            404: ErrorEnvelopeSerializer,
        },
    )
    def delete(self, request: Request, checkin_id: str, pose: str) -> Response:
        checkin = checkins.checkin_get_for_user(user=request.user, checkin_id=checkin_id)
        if pose not in POSES:
            raise NotFoundError("A pose is front, side or back.")
        checkins.checkin_photo_delete(checkin=checkin, pose=pose)
        return Response(status=status.HTTP_204_NO_CONTENT)
