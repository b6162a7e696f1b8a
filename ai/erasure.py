"""Erasing a person removes their conversations, recommendations and feedback; their AI call log
rows stay for cost accounting without the person (the user key is cleared)."""

from accounts.models import User
from ai.models import AICall, Conversation, Recommendation, RecommendationFeedback
from fitai.erasure import ErasureResult

ERASED_MODELS = [Conversation, Recommendation, RecommendationFeedback, AICall]


def ai_erase(user: User) -> ErasureResult:
    result = ErasureResult()
    result.add_deleted(RecommendationFeedback.objects.filter(user=user).delete())
    result.add_deleted(Recommendation.objects.filter(user=user).delete())
    result.add_deleted(Conversation.objects.filter(user=user).delete())
    result.add(AICall, AICall.objects.filter(user=user).update(user=None))
    return result
