"""Stored revisions of workouts: the base documents that offline sync merges three ways against.

Imported at the end of `workouts.models` so Django registers the model with the workouts app.
"""

from django.db import models

from workouts.models import Workout


class WorkoutRevision(models.Model):
    """The workout's canonical document (see `workouts.sync.canonical`) as it stood at `version`."""

    workout = models.ForeignKey(Workout, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    document = models.JSONField(help_text="Fields, exercises and sets in sync's canonical form.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workout", "version"], name="workouts_revision_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.workout_id} v{self.version}"
