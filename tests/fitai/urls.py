"""The real URLconf plus probe views that exercise the shared API plumbing."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from fitai.api.pagination import CursorPagination
from fitai.api.permissions import IsModerator
from fitai.api.throttling import ScopedRateThrottle
from fitai.errors import ConflictError
from fitai.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


class EchoApi(APIView):
    class InputSerializer(serializers.Serializer):
        weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=20, max_value=500)
        note = serializers.JSONField(required=False)

    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"echo": request.data})


class FailingApi(APIView):
    def get(self, request):
        raise RuntimeError("secret internal detail")


class ServiceRuleApi(APIView):
    def get(self, request):
        raise DjangoValidationError({"birth_date": ["Birth date cannot be in the future."]})

    def post(self, request):
        raise ConflictError("Another workout is running.", code="workout_running", active_workout_id="abc")


class ModeratorOnlyApi(APIView):
    permission_classes = [IsModerator]

    def get(self, request):
        return Response({"ok": True})


class ThrottledApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "search"

    def get(self, request):
        return Response({"ok": True})


def broken_page(request):
    raise RuntimeError("page internals")


class UserCardSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["public_id", "username"]


class UsersPageApi(generics.ListAPIView):
    serializer_class = UserCardSerializer
    queryset = User.objects.order_by("id")


class UsersCursorPagination(CursorPagination):
    ordering = "-date_joined"


class UsersCursorApi(UsersPageApi):
    pagination_class = UsersCursorPagination


urlpatterns = [
    *urlpatterns,
    path("api/v1/_probe/echo", EchoApi.as_view()),
    path("api/v1/_probe/fail", FailingApi.as_view()),
    path("api/v1/_probe/rule", ServiceRuleApi.as_view()),
    path("api/v1/_probe/moderators", ModeratorOnlyApi.as_view()),
    path("api/v1/_probe/throttled", ThrottledApi.as_view()),
    path("api/v1/_probe/users", UsersPageApi.as_view()),
    path("api/v1/_probe/users-cursor", UsersCursorApi.as_view()),
    path("api/v1/_probe/plain-django", broken_page),
    path("_probe/broken-page", broken_page),
]
