"""Routes of the exercise library API, mounted at `/api/v1/exercises`."""

from django.urls import path

from exercises import views

urlpatterns = [
    path("", views.ExerciseListApi.as_view(), name="exercises"),
    path("/search", views.ExerciseSearchApi.as_view(), name="exercises-search"),
    path("/popular", views.ExercisePopularApi.as_view(), name="exercises-popular"),
    path("/muscles", views.MuscleCatalogApi.as_view(), name="exercises-muscles"),
    path("/equipment", views.EquipmentCatalogApi.as_view(), name="exercises-equipment"),
    path("/muscle/<slug:slug>", views.ExercisesByMuscleApi.as_view(), name="exercises-by-muscle"),
    path("/equipment/<slug:slug>", views.ExercisesByEquipmentApi.as_view(), name="exercises-by-equipment"),
    path("/<str:id_or_slug>", views.ExerciseDetailApi.as_view(), name="exercise"),
    path("/<str:id_or_slug>/rate", views.ExerciseRateApi.as_view(), name="exercise-rate"),
]
