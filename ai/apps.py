from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "ai"
    verbose_name = "AI coach"

    def ready(self) -> None:
        from ai.erasure import ERASED_MODELS, ai_erase
        from ai.exporting import register_exporter
        from fitai import erasure

        erasure.register("ai", ai_erase, models=ERASED_MODELS)
        register_exporter()
