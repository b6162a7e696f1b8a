from django.apps import AppConfig


class WorkoutsConfig(AppConfig):
    name = "workouts"
    verbose_name = "Workouts"

    def ready(self) -> None:
        from fitai import erasure, events
        from workouts.erasure import ERASED_MODELS, workouts_erase
        from workouts.exporting import register_exporter

        events.declare("workout.completed", "workout.changed", "workout.shared")
        erasure.register("workouts", workouts_erase, models=ERASED_MODELS)
        register_exporter()
