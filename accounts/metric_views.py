"""Body metrics: `/api/v1/users/metrics`."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import metrics
from accounts.models import BodyMetric
from accounts.profile_serializers import BodyMetricSerializer
from fitai.api.pagination import CursorPagination
from fitai.api.serializers import ErrorEnvelopeSerializer

UNITS = ["kg", "lb", "%", "cm", "in", "bpm"]


class MetricPagination(CursorPagination):
    ordering = ("-measured_at", "-created_at")


class MetricListApi(APIView):
    """The signed-in user's body measurements, newest first."""

    pagination_class = MetricPagination

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(BodyMetric.Kind.choices, required=False)
        to = serializers.DateTimeField(required=False)

        def get_fields(self):
            fields = super().get_fields()
            fields["from"] = serializers.DateTimeField(required=False)  # `from` is a keyword
            return fields

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(BodyMetric.Kind.choices)
        value = serializers.DecimalField(max_digits=8, decimal_places=3, min_value=0, max_value=10000)
        unit = serializers.ChoiceField(UNITS, required=False, help_text="Defaults to the kind's metric unit.")
        measured_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")
        note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=BodyMetric.Kind.values),
            OpenApiParameter("from", str, description="ISO 8601 date-time: measured at or after."),
            OpenApiParameter("to", str, description="ISO 8601 date-time: measured at or before."),
        ],
        responses=BodyMetricSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = metrics.metrics_for_user(
            user=request.user,
            kind=filters.validated_data.get("kind"),
            start=filters.validated_data.get("from"),
            end=filters.validated_data.get("to"),
        )
        paginator = MetricPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(BodyMetricSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: BodyMetricSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        metric = metrics.metric_record(user=request.user, **data.validated_data)
        return Response(BodyMetricSerializer(metric).data, status=status.HTTP_201_CREATED)


class MetricDetailApi(APIView):
    """Change or delete one of your own measurements; others' are not found."""

    class UpdateSerializer(serializers.Serializer):
        value = serializers.DecimalField(
            max_digits=8, decimal_places=3, min_value=0, max_value=10000, required=False
        )
        unit = serializers.ChoiceField(UNITS, required=False)
        measured_at = serializers.DateTimeField(required=False)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(
        request=UpdateSerializer, responses={200: BodyMetricSerializer, 404: ErrorEnvelopeSerializer}
    )
    def put(self, request: Request, metric_id) -> Response:
        metric = metrics.metric_get_for_user(user=request.user, metric_id=metric_id)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        metric = metrics.metric_update(metric=metric, **data.validated_data)
        return Response(BodyMetricSerializer(metric).data)

    @extend_schema(responses={204: None, 404: ErrorEnvelopeSerializer})
    def delete(self, request: Request, metric_id) -> Response:
        metrics.metric_delete(metric=metrics.metric_get_for_user(user=request.user, metric_id=metric_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
