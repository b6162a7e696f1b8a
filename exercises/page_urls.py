"""Routes of the exercise library pages, mounted at `/exercises/` (the API lives under `/api/v1/exercises`).

Each path also answers with a trailing slash (`APPEND_SLASH` is off); `reverse()` gives the
slash-less form. `submit` is matched before the slugs, so it is not a slug an exercise can be read at.
"""

from django.urls import re_path

from exercises import pages

SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"

app_name = "exercises"

urlpatterns = [
    re_path(r"^$", pages.exercise_browse, name="browse"),
    re_path(r"^submit/?$", pages.exercise_submit, name="submit"),
    re_path(rf"^{SLUG}/?$", pages.exercise_detail, name="detail"),
    re_path(rf"^{SLUG}/rate/?$", pages.exercise_rating, name="rate"),
]
