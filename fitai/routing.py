"""WebSocket routes of every app, under `/ws/`. Part of the composition root, like `fitai.urls`."""

from django.urls import URLPattern, path

from community.consumers import NotificationConsumer
from workouts.consumers import WorkoutConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/workouts/<uuid:workout_id>/", WorkoutConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
