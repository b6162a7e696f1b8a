"""Routes of the activity API, mounted at `/api/v1/community/`."""

from django.urls import path

from community import views

urlpatterns = [
    path("feed", views.FeedApi.as_view(), name="community-feed"),
    path("activities", views.ActivityListApi.as_view(), name="community-activities"),
    path("activities/<str:activity_id>", views.ActivityDetailApi.as_view(), name="community-activity"),
    path(
        "activities/<str:activity_id>/like", views.ActivityLikeApi.as_view(), name="community-activity-like"
    ),
    path(
        "activities/<str:activity_id>/comment",
        views.ActivityCommentApi.as_view(),
        name="community-activity-comment",
    ),
    path(
        "activities/<str:activity_id>/comments",
        views.ActivityCommentsApi.as_view(),
        name="community-activity-comments",
    ),
    path("comments/<str:comment_id>", views.CommentDetailApi.as_view(), name="community-comment"),
    path("reports", views.ReportCreateApi.as_view(), name="community-reports"),
]
