"""Routes of the community pages, mounted at `/community/`."""

from django.urls import re_path

from community import challenge_pages, notification_pages
from community import pages as activity_pages

app_name = "community"

NOTIFICATION = (
    r"(?P<notification_id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
)

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
ACTIVITY = rf"activities/(?P<activity_id>{UUID})"

urlpatterns: list = [
    re_path(r"^$", activity_pages.feed_view, name="feed"),
    re_path(r"^post/?$", activity_pages.post_create, name="post"),
    re_path(r"^report/?$", activity_pages.report, name="report"),
    re_path(rf"^{ACTIVITY}/?$", activity_pages.activity_detail, name="activity"),
    re_path(rf"^{ACTIVITY}/like/?$", activity_pages.activity_like, name="like"),
    re_path(rf"^{ACTIVITY}/unlike/?$", activity_pages.activity_unlike, name="unlike"),
    re_path(rf"^{ACTIVITY}/comment/?$", activity_pages.activity_comment, name="comment"),
    re_path(rf"^{ACTIVITY}/delete/?$", activity_pages.activity_delete, name="delete"),
    re_path(
        rf"^comments/(?P<comment_id>{UUID})/delete/?$", activity_pages.comment_delete, name="comment-delete"
    ),
    re_path(r"^challenges/?$", challenge_pages.challenge_list, name="challenges"),
    re_path(rf"^challenges/(?P<challenge_id>{UUID})/?$", challenge_pages.challenge_detail, name="challenge"),
    re_path(
        rf"^challenges/(?P<challenge_id>{UUID})/join/?$",
        challenge_pages.challenge_join,
        name="challenge-join",
    ),
    re_path(r"^notifications/?$", notification_pages.notification_list, name="notifications"),
    re_path(
        r"^notifications/read-all/?$", notification_pages.notification_read_all, name="notifications-read-all"
    ),
    re_path(
        rf"^notifications/{NOTIFICATION}/read/?$",
        notification_pages.notification_read,
        name="notification-read",
    ),
]
