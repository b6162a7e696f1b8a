"""The project package as an app, so its templates, commands and checks are found."""

from django.apps import AppConfig


class FitaiConfig(AppConfig):
    name = "fitai"
    verbose_name = "FitAI platform"
