"""Routes of the AI recommendation API, mounted at `/api/v1/ai/`."""

from django.urls import path

from ai.recommendation_views import RecommendationFeedbackApi, RecommendationListApi

urlpatterns = [
    path("recommendations", RecommendationListApi.as_view(), name="ai-recommendations"),
    path(
        "recommendations/<str:recommendation_id>/feedback",
        RecommendationFeedbackApi.as_view(),
        name="ai-recommendation-feedback",
    ),
]
