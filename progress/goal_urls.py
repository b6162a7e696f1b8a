"""Routes of the goal API, mounted at `/api/v1/goals`."""

from django.urls import path

from progress import goal_views as views

urlpatterns = [
    path("", views.GoalListApi.as_view(), name="goals"),
    path("/<str:goal_id>", views.GoalDetailApi.as_view(), name="goal"),
    path("/<str:goal_id>/milestone", views.GoalMilestoneApi.as_view(), name="goal-milestone"),
]
