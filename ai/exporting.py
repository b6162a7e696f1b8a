"""What a person's export holds from the AI coach: conversations with their messages, the
recommendations shown to them and their feedback, and the log of their AI calls (registered in
`AiConfig.ready()`)."""

from typing import Any

from accounts.models import User
from ai.models import AICall, Conversation, Message, Recommendation, RecommendationFeedback
from fitai import exporting

EXPORTED_MODELS = [Conversation, Message, Recommendation, RecommendationFeedback, AICall]

Rows = list[dict[str, Any]]


def ai_export(user: User) -> dict[str, Rows]:
    conversations = Conversation.objects.filter(user=user).order_by("created_at", "pk")
    messages = Message.objects.filter(conversation__user=user).order_by(
        "conversation__created_at", "created_at", "pk"
    )
    recommendations = Recommendation.objects.filter(user=user).order_by("created_at", "pk")
    feedback = RecommendationFeedback.objects.filter(user=user).order_by("created_at", "pk")
    calls = AICall.objects.filter(user=user).order_by("created_at", "pk")
    return {
        "ai_conversations": [
            {
                "id": row["public_id"],
                "title": row["title"],
                "summary": row["summary"],
                "created_at": row["created_at"],
            }
            for row in conversations.values("public_id", "title", "summary", "created_at")
        ],
        "ai_messages": [
            {
                "conversation_id": row["conversation__public_id"],
                "role": row["role"],
                "content": row["content"],
                "provider": row["provider"],
                "created_at": row["created_at"],
            }
            for row in messages.values("conversation__public_id", "role", "content", "provider", "created_at")
        ],
        "ai_recommendations": [
            {"id": row.pop("public_id"), **row}
            for row in recommendations.values(
                "public_id", "kind", "item_id", "score", "reason", "source", "created_at"
            )
        ],
        "ai_feedback": [
            {"recommendation_id": row.pop("recommendation__public_id"), **row}
            for row in feedback.values(
                "recommendation__public_id", "rating", "accepted", "comment", "created_at"
            )
        ],
        "ai_calls": list(
            calls.values(
                "endpoint",
                "provider",
                "model",
                "tokens_in",
                "tokens_out",
                "latency_ms",
                "cost_usd",
                "outcome",
                "fallback_reason",
                "created_at",
            )
        ),
    }


def ai_export_count(user: User) -> int:
    return (
        Conversation.objects.filter(user=user).count()
        + Message.objects.filter(conversation__user=user).count()
        + Recommendation.objects.filter(user=user).count()
        + RecommendationFeedback.objects.filter(user=user).count()
        + AICall.objects.filter(user=user).count()
    )


def register_exporter() -> None:
    """Register the AI exporter; called from `AiConfig.ready()`."""
    exporting.register("ai", ai_export, count=ai_export_count, models=EXPORTED_MODELS)
