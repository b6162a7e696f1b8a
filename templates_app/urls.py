"""Routes of the programs API, mounted at `/api/v1/templates`."""

from django.urls import path

from templates_app import views

urlpatterns = [
    path("", views.TemplateListApi.as_view(), name="templates"),
    path("/my", views.MyTemplatesApi.as_view(), name="templates-my"),
    path("/public", views.PublicTemplatesApi.as_view(), name="templates-public"),
    path("/featured", views.FeaturedTemplatesApi.as_view(), name="templates-featured"),
    path("/<str:template_id>", views.TemplateDetailApi.as_view(), name="template"),
    path("/<str:template_id>/duplicate", views.TemplateDuplicateApi.as_view(), name="template-duplicate"),
    path("/<str:template_id>/favorite", views.TemplateFavoriteApi.as_view(), name="template-favorite"),
    path("/<str:template_id>/rate", views.TemplateRateApi.as_view(), name="template-rate"),
    path("/<str:template_id>/stats", views.TemplateStatsApi.as_view(), name="template-stats"),
]
