from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "exercises"
    verbose_name = "Exercises"

    def ready(self) -> None:
        from exercises.erasure import ERASED_MODELS, exercises_erase
        from exercises.exporting import register_exporter
        from fitai import erasure, events

        events.declare("exercise.moderated")
        erasure.register("exercises", exercises_erase, models=ERASED_MODELS)
        register_exporter()
