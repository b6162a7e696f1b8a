"""Routes of the export API, mounted at `/api/v1/analytics/export`."""

from django.urls import path

from progress import export_views as views

urlpatterns = [
    path("", views.ExportApi.as_view(), name="analytics-export"),
    path("/<str:export_id>", views.ExportDetailApi.as_view(), name="analytics-export-detail"),
]
