from django.apps import AppConfig


class TemplatesAppConfig(AppConfig):
    name = "templates_app"
    verbose_name = "Workout programs"

    def ready(self) -> None:
        from fitai import erasure
        from templates_app.erasure import ERASED_MODELS, templates_erase
        from templates_app.exporting import register_exporter

        erasure.register("templates", templates_erase, models=ERASED_MODELS)
        register_exporter()
