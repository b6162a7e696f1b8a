"""Routes of the challenge and leaderboard API, mounted at `/api/v1/community/`."""

from django.urls import path

from community import challenge_views as views

urlpatterns = [
    path("challenges", views.ChallengeListApi.as_view(), name="challenges"),
    path("challenges/<str:challenge_id>", views.ChallengeDetailApi.as_view(), name="challenge"),
    path("challenges/<str:challenge_id>/join", views.ChallengeJoinApi.as_view(), name="challenge-join"),
    path("leaderboard", views.LeaderboardApi.as_view(), name="leaderboard"),
]
