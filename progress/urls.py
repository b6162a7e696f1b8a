"""Routes of the Progress, goals and analytics section, mounted at `/api/v1/`."""

from django.urls import include, path

from progress import analytics_views as views

urlpatterns = [
    path("progress", views.ProgressOverviewApi.as_view(), name="progress"),
    path("progress/strength", views.ProgressStrengthApi.as_view(), name="progress-strength"),
    path("progress/body", include("progress.checkin_urls")),
    path("goals", include("progress.goal_urls")),
    path("analytics/export", include("progress.export_urls")),
    path("analytics/overview", views.AnalyticsOverviewApi.as_view(), name="analytics-overview"),
    path("analytics/strength", views.AnalyticsStrengthApi.as_view(), name="analytics-strength"),
    path("analytics/volume", views.AnalyticsVolumeApi.as_view(), name="analytics-volume"),
    path("analytics/frequency", views.AnalyticsFrequencyApi.as_view(), name="analytics-frequency"),
]
