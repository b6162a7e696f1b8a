"""Notifications: `/api/v1/notifications` (list, read, read-all, preferences).

The list carries `unread_count` next to the page, so a client draws its badge from the same answer.
New notifications are pushed live on `/ws/notifications/` (`community.consumers`).
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from community import notifications
from community.notification_serializers import (
    NotificationPreferencesSerializer,
    NotificationPreferencesUpdateSerializer,
    NotificationSerializer,
)
from community.pagination import CursorPagination
from fitai.api.serializers import ErrorEnvelopeSerializer


class NotificationPagination(CursorPagination):
    """Newest first; the page also says how many notifications are unread in all."""

    ordering = ("-created_at", "-id")
    unread_count = 0

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["unread_count"] = self.unread_count
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["unread_count"] = {
            "type": "integer",
            "minimum": 0,
            "description": "Unread notifications in all, whatever the filter and page.",
        }
        paginated["required"] = [*paginated.get("required", []), "unread_count"]
        return paginated


class NotificationListApi(APIView):
    """Your notifications, newest first, with the number still unread."""

    pagination_class = NotificationPagination

    class FilterSerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, default=False, help_text="Only unread ones.")

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="`true`: only unread notifications.")],
        responses={200: NotificationSerializer(many=True), 400: ErrorEnvelopeSerializer},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = notifications.notifications_for_user(user=request.user, **filters.validated_data)
        paginator = NotificationPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        paginator.unread_count = notifications.notification_unread_count(user=request.user)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationReadApi(APIView):
    """Mark one of your notifications read; anyone else's is not found."""

    @extend_schema(request=None, responses={200: NotificationSerializer, 404: ErrorEnvelopeSerializer})
    def put(self, request: Request, notification_id: str) -> Response:
        notification = notifications.notification_get_for_user(
            user=request.user, notification_id=notification_id
        )
        notification = notifications.notification_mark_read(notification=notification)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllApi(APIView):
    """Mark every unread notification of yours read."""

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "NotificationsReadAll", {"updated": serializers.IntegerField(help_text="How many changed.")}
        ),
    )
    def put(self, request: Request) -> Response:
        return Response({"updated": notifications.notifications_mark_all_read(user=request.user)})


class NotificationPreferencesApi(APIView):
    """Which channels (`in_app`, `email`, `push`) each notification type reaches you on."""

    @extend_schema(responses=NotificationPreferencesSerializer)
    def get(self, request: Request) -> Response:
        return Response(notifications.notification_preferences(user=request.user))

    @extend_schema(
        request=NotificationPreferencesUpdateSerializer,
        responses={200: NotificationPreferencesSerializer, 400: ErrorEnvelopeSerializer},
        description="Merges the types and channels sent and answers the whole document. An unknown "
        "type or channel, or a value that is not true or false, is a 400 naming its dotted path "
        "(`activity_like.email`), and nothing changes.",
    )
    def post(self, request: Request) -> Response:
        document = notifications.notification_preferences_update(user=request.user, changes=request.data)
        return Response(document)
