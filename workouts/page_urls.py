"""Routes of the workout pages, mounted at `/workouts/` (the API lives under `/api/v1/workouts`).

Each path also answers with a trailing slash (`APPEND_SLASH` is off); `reverse()` gives the
slash-less form. A workout is addressed by its public UUID; anything else is not a route (404).
"""

from django.urls import re_path

from workouts import pages

WORKOUT = r"(?P<workout_id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
STATE_ACTION = r"(?P<action>start|pause|resume|complete)"

app_name = "workouts"

urlpatterns = [
    re_path(r"^$", pages.workout_history, name="history"),
    re_path(rf"^{WORKOUT}/?$", pages.workout_detail, name="detail"),
    re_path(rf"^{WORKOUT}/set/?$", pages.workout_set, name="set"),
    re_path(rf"^{WORKOUT}/rest/?$", pages.workout_rest, name="rest"),
    re_path(rf"^{WORKOUT}/{STATE_ACTION}/?$", pages.workout_state, name="state"),
]
