"""Routes of the Community section, mounted at `/api/v1/`."""

from django.urls import include, path

urlpatterns = [
    path("community/", include("community.activity_urls")),
    path("community/", include("community.challenge_urls")),
    path("notifications", include("community.notification_urls")),
]
