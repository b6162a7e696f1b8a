"""Data export: `/api/v1/analytics/export` and `/api/v1/analytics/export/:id`."""

from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.private_files import private_url
from progress import exports
from progress.models import DataExport

STATES = [*DataExport.Status.values, exports.EXPIRED]
SMALL_EXPORT = (
    "A small export, at once, as an attachment: the JSON document (`format=json`), or a zip of "
    "`<table>.csv` files (nested values as JSON text) and `manifest.json` (`format=csv`)."
)


class FormatIsNotARendererNegotiation(DefaultContentNegotiation):
    """Here `?format=` names the export's file format, not one of DRF's renderers: answer JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    email = serializers.EmailField()


class ExportDocumentSerializer(serializers.Serializer):
    format = serializers.ChoiceField([exports.FORMAT_NAME])
    version = serializers.IntegerField(help_text="Raised when the document changes incompatibly.")
    exported_at = serializers.DateTimeField()
    user = ExportUserSerializer()
    tables = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField(child=serializers.JSONField())),
        help_text="Table name → rows. Ids are public UUIDs; child tables carry their parent's id.",
    )


class ExportStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(STATES)
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text="Percent done.")
    format = serializers.ChoiceField(DataExport.Format.values)
    url = serializers.URLField(
        allow_null=True, help_text="Download link while ready; it expires, ask again for a fresh one."
    )
    expires_at = serializers.DateTimeField(allow_null=True, help_text="When the file is deleted.")


def export_payload(export: DataExport, request: Request) -> dict[str, Any]:
    state = exports.export_state(export)
    url = None
    if state == DataExport.Status.READY:
        name = exports.download_name(format=export.format, on=export.created_at)
        url = private_url(export.file, request=request, download_name=name)
    return ExportStatusSerializer(
        {
            "id": export.public_id,
            "status": state,
            "progress": export.progress,
            "format": export.format,
            "url": url,
            "expires_at": export.expires_at,
        }
    ).data


class ExportApi(APIView):
    """Everything you own across FitAI: at once when small, in the background when large."""

    content_negotiation_class = FormatIsNotARendererNegotiation

    class FilterSerializer(serializers.Serializer):
        format = serializers.ChoiceField(DataExport.Format.values, default=DataExport.Format.JSON)

    @extend_schema(
        operation_id="analytics_export",
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=DataExport.Format.values,
                description="`json` (default): one versioned document; `csv`: a zip of one CSV per table.",
            )
        ],
        responses={
            (200, "application/json"): OpenApiResponse(ExportDocumentSerializer, description=SMALL_EXPORT),
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description=SMALL_EXPORT),
            (202, "application/json"): OpenApiResponse(
                ExportStatusSerializer,
                description="A large export was started (or one is already running): poll its id.",
            ),
            (409, "application/json"): OpenApiResponse(
                ErrorEnvelopeSerializer, description="A concurrent export finished meanwhile: ask again."
            ),
        },
    )
    def get(self, request: Request) -> Response | HttpResponse:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        format = filters.validated_data["format"]
        if exports.export_is_small(user=request.user):
            file = exports.export_now(user=request.user, format=format)
            response = HttpResponse(file.content, content_type=file.content_type)
            response["Content-Disposition"] = content_disposition_header(True, file.filename)
            response["Cache-Control"] = "private, no-store"
            return response
        export, _ = exports.export_start(user=request.user, format=format)
        return Response(export_payload(export, request), status=status.HTTP_202_ACCEPTED)


class ExportDetailApi(APIView):
    """One of your exports: its progress, then an expiring download link until it expires."""

    @extend_schema(
        operation_id="analytics_export_status",
        responses={200: ExportStatusSerializer, 404: ErrorEnvelopeSerializer},
    )
    def get(self, request: Request, export_id: str) -> Response:
        export = exports.export_get_for_user(user=request.user, export_id=export_id)
        return Response(export_payload(export, request))
