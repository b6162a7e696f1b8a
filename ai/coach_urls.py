"""Routes of the AI coach API, mounted at `/api/v1/` (so the program routes sit under /templates)."""

from django.urls import path

from ai import coach_views

urlpatterns: list = [
    path("ai/workout-generate", coach_views.WorkoutGenerateApi.as_view(), name="ai-workout-generate"),
    path("ai/exercise-suggest", coach_views.ExerciseSuggestApi.as_view(), name="ai-exercise-suggest"),
    path("ai/goal-optimize", coach_views.GoalOptimizeApi.as_view(), name="ai-goal-optimize"),
    path("templates/ai-generate", coach_views.ProgramGenerateApi.as_view(), name="ai-program-generate"),
    path(
        "templates/<str:template_id>/ai-optimize",
        coach_views.ProgramOptimizeApi.as_view(),
        name="ai-program-optimize",
    ),
]
