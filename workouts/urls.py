"""Routes of the workouts API, mounted at `/api/v1/workouts`."""

from django.urls import path

from workouts import views

urlpatterns = [
    path("", views.WorkoutListApi.as_view(), name="workouts"),
    path("/shared", views.SharedWorkoutsApi.as_view(), name="workouts-shared"),
    path("/events", views.WorkoutEventsApi.as_view(), name="workout-events"),
    path("/<str:workout_id>", views.WorkoutDetailApi.as_view(), name="workout"),
    *(
        path(
            f"/<str:workout_id>/{action}",
            views.WorkoutTransitionApi.as_view(action=action),
            name=f"workout-{action}",
        )
        for action in ("start", "pause", "resume", "complete")
    ),
    path("/<str:workout_id>/set/<int:set_index>", views.WorkoutSetApi.as_view(), name="workout-set"),
    path(
        "/<str:workout_id>/exercise/<int:exercise_index>",
        views.WorkoutExerciseApi.as_view(),
        name="workout-exercise",
    ),
    path("/<str:workout_id>/rest", views.WorkoutRestApi.as_view(), name="workout-rest"),
    path("/<str:workout_id>/share", views.WorkoutShareApi.as_view(), name="workout-share"),
]
