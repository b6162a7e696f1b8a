"""Workout programs: a template is days → exercises → set prescriptions, with a progression rule
per exercise. Counters (favourites, forks, ratings, uses) are kept by services, never recounted."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from exercises.models import Equipment, Exercise


class Goal(models.TextChoices):
    STRENGTH = "strength", "Strength"
    HYPERTROPHY = "hypertrophy", "Hypertrophy"
    ENDURANCE = "endurance", "Endurance"
    FAT_LOSS = "fat_loss", "Fat loss"
    GENERAL_FITNESS = "general_fitness", "General fitness"


Difficulty = Exercise.Difficulty


class Visibility(models.TextChoices):
    PRIVATE = "private", "Only me"
    FRIENDS = "friends", "Friends"
    PUBLIC = "public", "Everyone"


class TemplateQuerySet(models.QuerySet):
    def alive(self) -> "TemplateQuerySet":
        return self.filter(deleted_at__isnull=True)


class WorkoutTemplate(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=120)
    description = models.TextField(max_length=4000, blank=True)
    goal = models.CharField(max_length=20, choices=Goal.choices, default=Goal.GENERAL_FITNESS)
    difficulty = models.CharField(max_length=12, choices=Difficulty.choices, default=Difficulty.BEGINNER)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)
    days_per_week = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(7)])
    duration_weeks = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    tags = models.JSONField(default=list, blank=True)
    required_equipment = models.ManyToManyField(Equipment, blank=True, related_name="+")
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every replace; stale writes get 409."
    )
    forked_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="forks"
    )
    is_featured = models.BooleanField(default=False)
    featured_at = models.DateTimeField(null=True, blank=True)
    featured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    favorite_count = models.PositiveIntegerField(default=0)
    fork_count = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_score = models.FloatField(default=0)
    use_count = models.PositiveIntegerField(default=0, help_text="Workouts started from this template.")
    completion_count = models.PositiveIntegerField(default=0)
    completed_seconds = models.PositiveBigIntegerField(
        default=0, help_text="Sum of completed workouts' time."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = TemplateQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="templates_owner_updated"),
            models.Index(fields=["visibility", "-rating_score"], name="templates_vis_rating"),
            models.Index(fields=["visibility", "-favorite_count"], name="templates_vis_favorites"),
            models.Index(fields=["visibility", "-use_count"], name="templates_vis_uses"),
            models.Index(fields=["visibility", "-created_at"], name="templates_vis_created"),
            models.Index(fields=["is_featured", "-featured_at"], name="templates_featured"),
            models.Index(fields=["goal", "difficulty", "days_per_week"], name="templates_filters"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateDay(models.Model):
    template = models.ForeignKey(WorkoutTemplate, on_delete=models.CASCADE, related_name="days")
    index = models.PositiveSmallIntegerField(help_text="0-based position in the program.")
    week = models.PositiveSmallIntegerField(null=True, blank=True, help_text="For periodised programs.")
    name = models.CharField(max_length=80)
    focus = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["template", "index"], name="templates_day_index_unique")
        ]

    def __str__(self) -> str:
        return f"Day {self.index + 1}: {self.name}"


class TemplateExercise(models.Model):
    day = models.ForeignKey(TemplateDay, on_delete=models.CASCADE, related_name="exercises")
    order = models.PositiveSmallIntegerField()
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    superset_group = models.CharField(max_length=2, blank=True, help_text="Same letter = done back to back.")
    notes = models.CharField(max_length=500, blank=True)
    rest_seconds = models.PositiveSmallIntegerField(default=90)
    progression = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["day", "order"], name="templates_exercise_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.exercise_id}"


class TemplateSet(models.Model):
    class SetType(models.TextChoices):
        WARMUP = "warmup", "Warm-up"
        WORKING = "working", "Working"
        DROP = "drop", "Drop set"
        FAILURE = "failure", "To failure"
        AMRAP = "amrap", "As many reps as possible"

    template_exercise = models.ForeignKey(TemplateExercise, on_delete=models.CASCADE, related_name="sets")
    order = models.PositiveSmallIntegerField()
    set_type = models.CharField(max_length=10, choices=SetType.choices, default=SetType.WORKING)
    reps_min = models.PositiveSmallIntegerField()
    reps_max = models.PositiveSmallIntegerField()
    weight_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    percent_1rm = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    rpe = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    rest_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    tempo = models.CharField(max_length=9, blank=True, help_text='e.g. "3-1-1-0".')

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["template_exercise", "order"], name="templates_set_order_unique"),
            models.CheckConstraint(condition=Q(reps_min__lte=F("reps_max")), name="templates_set_reps_range"),
            models.CheckConstraint(condition=Q(reps_max__lte=100), name="templates_set_reps_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.reps_min}-{self.reps_max}"


class TemplateFavorite(models.Model):
    template = models.ForeignKey(WorkoutTemplate, on_delete=models.CASCADE, related_name="favorites")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "user"], name="templates_favorite_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.template_id}"


class TemplateRating(models.Model):
    template = models.ForeignKey(WorkoutTemplate, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    review = models.TextField(max_length=2000, blank=True)
    counted = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "user"], name="templates_rating_unique"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="templates_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5"
