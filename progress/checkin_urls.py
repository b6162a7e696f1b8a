"""Routes of the check-in API, mounted at `/api/v1/progress/body` (patterns are relative to it)."""

from django.urls import path

from progress import checkin_views as views

urlpatterns = [
    path("", views.CheckInListApi.as_view(), name="checkins"),
    path("/<str:checkin_id>", views.CheckInDetailApi.as_view(), name="checkin"),
    path("/<str:checkin_id>/photos", views.CheckInPhotoListApi.as_view(), name="checkin-photos"),
    path("/<str:checkin_id>/photos/<str:pose>", views.CheckInPhotoApi.as_view(), name="checkin-photo"),
]
