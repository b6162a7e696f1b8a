from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Progress"

    def ready(self) -> None:
        from fitai import erasure
        from progress import subscribers
        from progress.erasure import ERASED_MODELS, progress_erase
        from progress.exporting import register_exporter

        subscribers.connect()
        erasure.register("progress", progress_erase, models=ERASED_MODELS)
        register_exporter()
