"""Progress: body check-ins and their private photos, goals and milestones, the training aggregates
that analytics read, and background data exports.

A check-in writes its weight, body fat and measurements into the body-metric time series of
`accounts` (one source of truth) and links the rows it wrote. The aggregates are per user and per
day (a day in the user's timezone) and are derived data: `progress.aggregates` rebuilds any day of
them from the raw sets at any time.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import BodyMetric
from exercises.models import Exercise, Muscle


class CheckIn(models.Model):
    """A dated look at the body: its metrics live in `accounts.BodyMetric`, linked here."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_ins")
    measured_at = models.DateTimeField()
    note = models.TextField(max_length=2000, blank=True)
    metrics = models.ManyToManyField(BodyMetric, related_name="+", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-measured_at"], name="progress_checkin_user_time")]

    def __str__(self) -> str:
        return f"check-in {self.measured_at:%Y-%m-%d}"


class ProgressPhoto(models.Model):
    """A re-encoded progress photo; the file is private and reached only through expiring URLs."""

    class Pose(models.TextChoices):
        FRONT = "front", "Front"
        SIDE = "side", "Side"
        BACK = "back", "Back"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="photos")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    pose = models.CharField(max_length=5, choices=Pose.choices)
    file = models.CharField(max_length=255, help_text="Storage name; never served without a signed URL.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pose", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["check_in", "pose"], name="progress_photo_one_per_pose")
        ]

    def __str__(self) -> str:
        return f"{self.pose} photo"


class Goal(models.Model):
    class Type(models.TextChoices):
        BODY_WEIGHT = "body_weight", "Body weight"
        BODY_FAT = "body_fat", "Body fat"
        LIFT_1RM = "lift_1rm", "One-rep max"
        LIFT_REPS = "lift_reps", "Reps at a weight"
        WORKOUT_FREQUENCY = "workout_frequency", "Workouts per week"
        VOLUME = "volume", "Training volume"
        CUSTOM = "custom", "Custom"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ACHIEVED = "achieved", "Achieved"
        ABANDONED = "abandoned", "Abandoned"
        EXPIRED = "expired", "Expired"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals")
    type = models.CharField(max_length=20, choices=Type.choices)
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=2000, blank=True)
    target_value = models.DecimalField(max_digits=10, decimal_places=2)
    unit = models.CharField(max_length=16, blank=True)
    exercise = models.ForeignKey(Exercise, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    weight_kg = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, help_text="For lift_reps: the weight."
    )
    start_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Where the user stood when set."
    )
    current_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Refreshed from the user's data."
    )
    deadline = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    achieved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "status", "-created_at"], name="progress_goal_user_status"),
            models.Index(fields=["status", "deadline"], name="progress_goal_deadline"),
        ]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=120)
    target_value = models.DecimalField(max_digits=10, decimal_places=2)
    due_date = models.DateField(null=True, blank=True)
    achieved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target_value", "created_at"]

    def __str__(self) -> str:
        return self.title


# --- Aggregates -----------------------------------------------------------------------------------


class DailySummary(models.Model):
    """One user's training on one day (in their timezone): what every analytics endpoint reads."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    workouts = models.PositiveIntegerField(default=0)
    volume_kg = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    sets = models.PositiveIntegerField(default=0)
    reps = models.PositiveIntegerField(default=0)
    active_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="progress_daily_user_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.volume_kg} kg"


class ExerciseDaySummary(models.Model):
    """One exercise on one day: the series behind strength progress and volume by exercise."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="+")
    best_e1rm = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    max_weight_kg = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    volume_kg = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    sets = models.PositiveIntegerField(default=0)
    reps = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "exercise", "day"], name="progress_exday_unique")
        ]
        indexes = [models.Index(fields=["user", "day"], name="progress_exday_user_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.exercise_id}"


class MuscleDaySummary(models.Model):
    """Volume credited to one muscle group on one day (see `progress.aggregates` for the rule)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    muscle_group = models.CharField(max_length=10, choices=Muscle.Group.choices)
    volume_kg = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    sets = models.DecimalField(max_digits=8, decimal_places=1, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "muscle_group"], name="progress_muscleday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.muscle_group}"


class SummarisedWorkout(models.Model):
    """Which day a completed workout was counted on, so an edit that moves it fixes both days."""

    workout_id = models.BigIntegerField(unique=True, help_text="workouts.Workout primary key.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["user", "day"], name="progress_summarised_user_day")]

    def __str__(self) -> str:
        return f"workout {self.workout_id} on {self.day}"


class DataExport(models.Model):
    """A background export: its progress while it runs, then a private file behind an expiring URL."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        CSV = "csv", "CSV (zip)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=4, choices=Format.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    file = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="progress_export_user_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["pending", "running"]),
                name="progress_export_one_running",
            )
        ]

    def __str__(self) -> str:
        return f"export {self.public_id}"
