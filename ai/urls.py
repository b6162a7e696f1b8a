"""Routes of the AI section, mounted at `/api/v1/`: `/ai/...` and the two program routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("ai.coach_urls")),
    path("ai/", include("ai.recommendation_urls")),
    path("ai/", include("ai.chat_urls")),
]
