"""Workout sessions: exercises and sets as logged, the session's numbered event log (what devices
replay), personal records and each person's current bests, and the change feed for offline sync."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from exercises.models import Exercise
from templates_app.models import TemplateSet, Visibility, WorkoutTemplate


class Workout(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"

    Visibility = Visibility

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client_id = models.UUIDField(null=True, blank=True, help_text="Chosen by the client; retries reuse it.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workouts")
    template = models.ForeignKey(
        WorkoutTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="workouts"
    )
    template_day = models.PositiveSmallIntegerField(null=True, blank=True)
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    started_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True, help_text="Start of the current pause.")
    resumed_at = models.DateTimeField(null=True, blank=True, help_text="Start of the current active stretch.")
    completed_at = models.DateTimeField(null=True, blank=True)
    active_seconds = models.PositiveIntegerField(default=0, help_text="Time spent training, pauses excluded.")
    notes = models.TextField(max_length=4000, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)
    shared_at = models.DateTimeField(null=True, blank=True)
    share_message = models.CharField(max_length=500, blank=True)
    rest_started_at = models.DateTimeField(null=True, blank=True)
    rest_ends_at = models.DateTimeField(null=True, blank=True)
    volume_kg = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total_sets = models.PositiveIntegerField(default=0)
    total_reps = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    last_seq = models.PositiveIntegerField(default=0, help_text="Number of the last live event.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Tombstone: sync clients see the delete."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "client_id"],
                condition=Q(client_id__isnull=False),
                name="workouts_client_id_unique",
            ),
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(status__in=["in_progress", "paused"], deleted_at__isnull=True),
                name="workouts_one_running_per_user",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="workouts_owner_created"),
            models.Index(fields=["owner", "status"], name="workouts_owner_status"),
            models.Index(fields=["owner", "template"], name="workouts_owner_template"),
            models.Index(fields=["visibility", "-shared_at"], name="workouts_shared"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkoutExercise(models.Model):
    workout = models.ForeignKey(Workout, on_delete=models.CASCADE, related_name="exercises")
    index = models.PositiveSmallIntegerField()
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    notes = models.CharField(max_length=500, blank=True)
    client_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["workout", "index"], name="workouts_exercise_index_unique")
        ]

    def __str__(self) -> str:
        return f"{self.index}: {self.exercise_id}"


class WorkoutSet(models.Model):
    SetType = TemplateSet.SetType

    workout = models.ForeignKey(Workout, on_delete=models.CASCADE, related_name="+")
    workout_exercise = models.ForeignKey(WorkoutExercise, on_delete=models.CASCADE, related_name="sets")
    index = models.PositiveSmallIntegerField()
    client_id = models.UUIDField(null=True, blank=True)
    set_type = models.CharField(max_length=10, choices=SetType.choices, default=SetType.WORKING)
    reps = models.PositiveSmallIntegerField(default=0)
    weight_kg = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    rpe = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    rir = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_s = models.PositiveIntegerField(null=True, blank=True)
    distance_m = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["workout_exercise", "index"], name="workouts_set_index_unique"),
            models.UniqueConstraint(
                fields=["workout", "client_id"],
                condition=Q(client_id__isnull=False),
                name="workouts_set_client_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reps} x {self.weight_kg} kg"


class WorkoutEvent(models.Model):
    """One numbered change of a live session, kept so a reconnecting device can replay what it missed."""

    workout = models.ForeignKey(Workout, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["workout", "seq"], name="workouts_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.seq}: {self.type}"


class WorkoutChange(models.Model):
    """The per-user change feed behind `GET /workouts/events`: the id is the sync cursor."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    workout = models.ForeignKey(Workout, on_delete=models.CASCADE, related_name="+")
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "id"], name="workouts_change_feed")]

    def __str__(self) -> str:
        return f"change {self.pk}"


class PersonalRecord(models.Model):
    """A record a set set. `is_current` marks the standing one of each (user, exercise, type)."""

    class Type(models.TextChoices):
        MAX_WEIGHT = "max_weight", "Heaviest weight"
        MAX_REPS = "max_reps", "Most reps at a weight"
        E1RM = "e1rm", "Best estimated 1RM"
        SET_VOLUME = "set_volume", "Best set volume"
        SESSION_VOLUME = "session_volume", "Best session volume"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_records"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=16, choices=Type.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    previous_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    weight_kg = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, help_text="For max_reps."
    )
    workout = models.ForeignKey(Workout, on_delete=models.CASCADE, related_name="personal_records")
    set = models.ForeignKey(
        WorkoutSet, null=True, blank=True, on_delete=models.CASCADE, related_name="records"
    )
    achieved_at = models.DateTimeField()
    is_current = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "exercise", "type", "is_current"], name="workouts_pr_current"),
            models.Index(fields=["user", "-achieved_at"], name="workouts_pr_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.value}"


from workouts.sync_models import WorkoutRevision  # noqa: E402, F401
