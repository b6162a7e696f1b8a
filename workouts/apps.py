from django.apps import AppConfig


class WorkoutsConfig(AppConfig):
    name = "workouts"
    verbose_name = "Workouts"

    def ready(self) -> None:
        from fitai import erasure, events
        from workouts.erasure import ERASED_MODELS, workouts_erase

        events.declare("workout.completed", "workout.shared")
        erasure.register("workouts", workouts_erase, models=ERASED_MODELS)
