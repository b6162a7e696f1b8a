"""The coach chat: `POST /api/v1/ai/chat`, `GET /api/v1/ai/chat` (your conversations) and
`GET /api/v1/ai/chat/history?conversation_id=` (one conversation's messages, oldest first)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ai import chat
from ai.chat_serializers import ChatMessageSerializer, ChatReplySerializer, ConversationSerializer
from fitai.api.pagination import CursorPagination
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import ScopedRateThrottle

ERRORS = {
    400: ErrorEnvelopeSerializer,
    401: ErrorEnvelopeSerializer,
    404: ErrorEnvelopeSerializer,
    429: ErrorEnvelopeSerializer,
}


class ConversationPagination(CursorPagination):
    ordering = ("-updated_at", "-pk")


class HistoryPagination(CursorPagination):
    """Oldest first, in reading order; `next` leads to newer messages."""

    ordering = ("created_at", "pk")


class ChatApi(APIView):
    """Talk to the coach; a message without `conversation_id` starts a new conversation."""

    pagination_class = ConversationPagination
    throttle_scope = "ai"

    class InputSerializer(serializers.Serializer):
        message = serializers.CharField(max_length=chat.MAX_MESSAGE_CHARS, help_text="1 to 2000 characters.")
        conversation_id = serializers.UUIDField(required=False, allow_null=True)

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(ScopedRateThrottle())
        return throttles

    @extend_schema(
        summary="Your conversations with the coach, most recently active first",
        responses={
            200: ConversationSerializer(many=True),
            400: ErrorEnvelopeSerializer,
            401: ErrorEnvelopeSerializer,
        },
    )
    def get(self, request: Request) -> Response:
        paginator = ConversationPagination()
        page = paginator.paginate_queryset(chat.conversations_for_user(user=request.user), request, view=self)
        return paginator.get_paginated_response(ConversationSerializer(page, many=True).data)

    @extend_schema(
        summary="Ask the coach",
        description=(
            "Answers with the rules engine (deterministic) or, when configured, the LLM; `provider` says "
            "which, `fallback_reason` why the rules engine answered instead. Medical questions are "
            "referred to a professional (`refused: true`). Throttled by the `ai` scope and the daily "
            "AI quota (429). Another user's `conversation_id` is not found (404)."
        ),
        request=InputSerializer,
        responses={200: ChatReplySerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = chat.chat_reply(
            user=request.user,
            message=data.validated_data["message"],
            conversation_id=data.validated_data.get("conversation_id"),
        )
        return Response(ChatReplySerializer(result).data)


class ChatHistoryApi(APIView):
    """One of your conversations, message by message, oldest first (cursor pagination)."""

    pagination_class = HistoryPagination

    class FilterSerializer(serializers.Serializer):
        conversation_id = serializers.UUIDField(required=False)

    @extend_schema(
        summary="The messages of one of your conversations, oldest first",
        description="`conversation_id` is required (list your conversations with `GET /ai/chat`).",
        parameters=[
            OpenApiParameter("conversation_id", str, required=True, description="A conversation's id (UUID).")
        ],
        responses={
            200: ChatMessageSerializer(many=True),
            400: ErrorEnvelopeSerializer,
            401: ErrorEnvelopeSerializer,
            404: ErrorEnvelopeSerializer,
        },
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        conversation_id = filters.validated_data.get("conversation_id")
        if conversation_id is None:
            raise ValidationError(
                {"conversation_id": ["Name a conversation; GET /api/v1/ai/chat lists yours."]}
            )
        conversation = chat.conversation_get_for_user(user=request.user, conversation_id=conversation_id)
        paginator = HistoryPagination()
        page = paginator.paginate_queryset(
            chat.conversation_messages(conversation=conversation), request, view=self
        )
        return paginator.get_paginated_response(ChatMessageSerializer(page, many=True).data)
