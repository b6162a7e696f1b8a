"""Output of the coach chat API: a reply, a conversation and a message of the history."""

from rest_framework import serializers

from ai.models import Conversation, Message


class ChatReplySerializer(serializers.Serializer):
    """The coach's answer to one message (built from `ai.chat.ChatResult`)."""

    conversation_id = serializers.UUIDField(source="conversation.public_id")
    reply = serializers.CharField(source="answer.text")
    provider = serializers.CharField(source="answer.provider", help_text="`rules` or `openai`.")
    fallback_reason = serializers.SerializerMethodField(
        help_text="Why the rules engine answered instead of the LLM (null when it did not fall back)."
    )
    refused = serializers.BooleanField(
        source="answer.refused",
        help_text="True when the message asked for medical advice and was referred to a professional.",
    )
    created_at = serializers.DateTimeField(source="message.created_at")

    def get_fallback_reason(self, result) -> str | None:
        return result.answer.fallback_reason or None


class ChatMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["role", "content", "provider", "created_at"]


class ConversationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Conversation
        fields = ["id", "title", "summary", "created_at", "updated_at"]
