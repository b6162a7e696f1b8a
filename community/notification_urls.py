"""Routes of the notification API, mounted at `/api/v1/notifications`."""

from django.urls import path

from community import notification_views as views

urlpatterns = [
    path("", views.NotificationListApi.as_view(), name="notifications"),
    path("/read-all", views.NotificationReadAllApi.as_view(), name="notifications-read-all"),
    path("/preferences", views.NotificationPreferencesApi.as_view(), name="notification-preferences"),
    path("/<str:notification_id>/read", views.NotificationReadApi.as_view(), name="notification-read"),
]
