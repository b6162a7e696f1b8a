"""Routes of the program pages, mounted at `/programs/` (the API lives under `/api/v1/templates`).

Each path also answers with a trailing slash (`APPEND_SLASH` is off); `reverse()` gives the
slash-less form. A program is addressed by its public UUID; anything else is not a route (404).
"""

from django.urls import re_path

from templates_app import pages

PROGRAM = r"(?P<template_id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"

app_name = "programs"

urlpatterns = [
    re_path(r"^$", pages.program_browse, name="browse"),
    re_path(r"^new/?$", pages.program_new, name="new"),
    re_path(rf"^{PROGRAM}/?$", pages.program_detail, name="detail"),
    re_path(rf"^{PROGRAM}/edit/?$", pages.program_edit, name="edit"),
    re_path(rf"^{PROGRAM}/delete/?$", pages.program_delete, name="delete"),
    re_path(rf"^{PROGRAM}/favorite/?$", pages.program_favorite, name="favorite"),
    re_path(rf"^{PROGRAM}/unfavorite/?$", pages.program_unfavorite, name="unfavorite"),
    re_path(rf"^{PROGRAM}/duplicate/?$", pages.program_duplicate, name="duplicate"),
    re_path(rf"^{PROGRAM}/rate/?$", pages.program_rate, name="rate"),
]
