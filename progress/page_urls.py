"""Routes of the progress pages, mounted at `/progress/`."""

from django.urls import path, re_path

from progress import checkin_pages, goal_pages, pages

app_name = "progress"

GOAL = r"(?P<goal_id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
CHECKIN = r"(?P<checkin_id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"

urlpatterns: list = [
    path("", pages.dashboard, name="dashboard"),
    re_path(r"^goals/?$", goal_pages.goal_list, name="goals"),
    re_path(rf"^goals/{GOAL}/milestone/?$", goal_pages.goal_milestone, name="goal-milestone"),
    re_path(rf"^goals/{GOAL}/(?P<action>abandon|reactivate)/?$", goal_pages.goal_status, name="goal-status"),
    re_path(rf"^goals/{GOAL}/delete/?$", goal_pages.goal_remove, name="goal-delete"),
    re_path(r"^check-ins/?$", checkin_pages.checkin_list, name="check-ins"),
    re_path(rf"^check-ins/{CHECKIN}/delete/?$", checkin_pages.checkin_remove, name="check-in-delete"),
]
