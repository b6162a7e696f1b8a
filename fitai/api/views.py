"""The API's own endpoints: the version root and a framework-ceiling ping."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class ApiRootApi(APIView):
    """Say what this API is and where its documentation lives."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="api_root",
        responses=inline_serializer(
            "ApiRoot",
            {
                "name": serializers.CharField(),
                "version": serializers.CharField(),
                "docs": serializers.CharField(),
                "schema": serializers.CharField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(
            {"name": "FitAI API", "version": "v1", "docs": "/api/docs/", "schema": "/api/schema/"}
        )


class PingApi(APIView):
    """The cheapest possible API answer: no authentication, throttling or database.

    Benchmarks use it as the ceiling of what the framework itself can serve.
    """

    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = ()

    @extend_schema(
        operation_id="ping",
        responses=inline_serializer("Ping", {"ping": serializers.CharField()}),
    )
    def get(self, request: Request) -> Response:
        return Response({"ping": "pong"})
