"""WebSocket routes of every app, under `/ws/`. Part of the composition root, like `fitai.urls`."""

from django.urls import URLPattern

# Apps add their routes here as they gain live features, e.g.
# `path("ws/workouts/<uuid:workout_id>/", WorkoutConsumer.as_asgi())`.
websocket_urlpatterns: list[URLPattern] = []
