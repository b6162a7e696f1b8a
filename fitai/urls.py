"""The composition root: every app's routes, the API schema and docs, health, metrics and admin.

API routes have no trailing slash; `fitai.middleware` lets clients add one.
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.avatars import avatar_file
from fitai import health, pages
from fitai.api.views import ApiRootApi, PingApi
from fitai.private_files import private_file

admin.site.site_header = "FitAI administration"
admin.site.site_title = "FitAI admin"
admin.site.index_title = "Trainers and moderators"

api_v1 = [
    path("ping", PingApi.as_view(), name="ping"),
]

urlpatterns = [
    path("", pages.home, name="home"),
    path("accounts/", include("accounts.page_urls")),
    path("exercises/", include("exercises.page_urls")),
    path("programs/", include("templates_app.page_urls")),
    path("workouts/", include("workouts.page_urls")),
    path("progress/", include("progress.page_urls")),
    path("community/", include("community.page_urls")),
    path("coach/", include("ai.page_urls")),
    path("api/v1", ApiRootApi.as_view(), name="api-root"),
    path("api/v1/", include(api_v1)),
    path("api/v1/auth/", include("accounts.urls")),
    path("api/v1/users/", include("accounts.user_urls")),
    path("api/v1/exercises", include("exercises.urls")),
    path("api/v1/", include("ai.urls")),  # Before the programs: it owns /templates/ai-generate.
    path("api/v1/templates", include("templates_app.urls")),
    path("api/v1/workouts", include("workouts.urls")),
    path("api/v1/", include("progress.urls")),
    path("api/v1/", include("community.urls")),
    path("media/avatars/<path:name>", avatar_file, name="avatar-file"),
    path("media/private/<str:token>", private_file, name="private-file"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("", include("django_prometheus.urls")),
    path("admin/", admin.site.urls),
]

handler400 = pages.bad_request
handler403 = pages.permission_denied
handler404 = pages.page_not_found
handler500 = pages.server_error
