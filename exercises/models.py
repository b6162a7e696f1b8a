"""The exercise library: exercises, the muscles they train, the equipment they need, ratings, usage."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class Muscle(models.Model):
    """A muscle as people name it in the gym; `group` is what analytics add volume up by."""

    class Region(models.TextChoices):
        UPPER = "upper", "Upper body"
        LOWER = "lower", "Lower body"
        CORE = "core", "Core"

    class Group(models.TextChoices):
        CHEST = "chest", "Chest"
        BACK = "back", "Back"
        SHOULDERS = "shoulders", "Shoulders"
        ARMS = "arms", "Arms"
        CORE = "core", "Core"
        LEGS = "legs", "Legs"

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    region = models.CharField(max_length=10, choices=Region.choices)
    group = models.CharField(max_length=10, choices=Group.choices, help_text="Used by volume analytics.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Equipment(models.Model):
    class Kind(models.TextChoices):
        FREE_WEIGHT = "free_weight", "Free weight"
        MACHINE = "machine", "Machine"
        BODYWEIGHT = "bodyweight", "Bodyweight"
        CARDIO = "cardio", "Cardio machine"
        ACCESSORY = "accessory", "Accessory"

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=12, choices=Kind.choices)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "equipment"

    def __str__(self) -> str:
        return self.name


class ExerciseQuerySet(models.QuerySet):
    def alive(self) -> "ExerciseQuerySet":
        return self.filter(deleted_at__isnull=True)

    def approved(self) -> "ExerciseQuerySet":
        return self.alive().filter(status=Exercise.Status.APPROVED)


class Exercise(models.Model):
    """One movement. Members submit (pending) and moderators approve; deletion is soft, so programs
    and logged workouts that use an exercise keep working."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Category(models.TextChoices):
        STRENGTH = "strength", "Strength"
        CARDIO = "cardio", "Cardio"
        STRETCHING = "stretching", "Stretching"
        PLYOMETRICS = "plyometrics", "Plyometrics"
        POWERLIFTING = "powerlifting", "Powerlifting"
        OLYMPIC_WEIGHTLIFTING = "olympic_weightlifting", "Olympic weightlifting"
        STRONGMAN = "strongman", "Strongman"
        MOBILITY = "mobility", "Mobility"

    class Mechanics(models.TextChoices):
        COMPOUND = "compound", "Compound"
        ISOLATION = "isolation", "Isolation"

    class Force(models.TextChoices):
        PUSH = "push", "Push"
        PULL = "pull", "Pull"
        STATIC = "static", "Static"

    class Difficulty(models.TextChoices):
        BEGINNER = "beginner", "Beginner"
        INTERMEDIATE = "intermediate", "Intermediate"
        ADVANCED = "advanced", "Advanced"

    class Source(models.TextChoices):
        SEED = "seed", "FitAI library"
        MEMBER = "member", "Member submission"
        FREE_EXERCISE_DB = "free-exercise-db", "free-exercise-db import"
        WGER = "wger", "wger import"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=120)
    name_key = models.CharField(
        max_length=120, db_index=True, help_text="Normalised name for duplicate detection."
    )
    description = models.TextField(blank=True)
    instructions = models.JSONField(default=list, blank=True, help_text="Ordered steps.")
    primary_muscles = models.ManyToManyField(Muscle, related_name="primary_exercises")
    secondary_muscles = models.ManyToManyField(Muscle, related_name="secondary_exercises", blank=True)
    equipment = models.ManyToManyField(Equipment, related_name="exercises", blank=True)
    category = models.CharField(max_length=25, choices=Category.choices, default=Category.STRENGTH)
    mechanics = models.CharField(max_length=10, choices=Mechanics.choices, blank=True)
    force = models.CharField(max_length=10, choices=Force.choices, blank=True)
    difficulty = models.CharField(max_length=12, choices=Difficulty.choices, default=Difficulty.BEGINNER)
    media = models.JSONField(
        default=list, blank=True, help_text="Links shown, never fetched: [{type, url, title}]."
    )
    safety_notes = models.TextField(blank=True)
    contraindications = models.JSONField(default=list, blank=True, help_text="Conditions that rule it out.")
    variations = models.ManyToManyField("self", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    rejection_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="exercises"
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MEMBER)
    source_id = models.CharField(max_length=120, blank=True, help_text="Id in the imported data set.")
    license = models.CharField(max_length=120, blank=True)
    license_author = models.CharField(max_length=255, blank=True)
    # Aggregates kept by services, so lists never scan ratings or usage.
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_score = models.FloatField(default=0, help_text="Bayesian average of counted ratings.")
    popularity = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="exercises_exercise_source_id_unique",
            ),
        ]
        indexes = [
            models.Index(Lower("name"), name="exercises_exercise_name_lower"),
            # The default list ordering (approved ones by name) walks this index.
            models.Index(fields=["status", "name"], name="exercises_status_name"),
            models.Index(fields=["status", "category"], name="exercises_status_category"),
            models.Index(fields=["status", "difficulty"], name="exercises_status_difficulty"),
            models.Index(fields=["status", "mechanics"], name="exercises_status_mechanics"),
            models.Index(fields=["status", "-rating_score"], name="exercises_status_rating"),
            models.Index(fields=["status", "-popularity"], name="exercises_status_popularity"),
            models.Index(fields=["status", "-created_at"], name="exercises_status_created"),
            models.Index(fields=["created_by", "status"], name="exercises_creator_status"),
        ]

    def __str__(self) -> str:
        return self.name


class ExerciseRating(models.Model):
    """One person's score for one exercise; re-rating updates it."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_ratings"
    )
    score = models.PositiveSmallIntegerField()
    review = models.TextField(max_length=2000, blank=True)
    counted = models.BooleanField(default=True, help_text="False for ratings left out of the public summary.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exercise", "user"], name="exercises_rating_one_per_user"),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="exercises_rating_score_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 for {self.exercise}"


class ExerciseUsage(models.Model):
    """How often an exercise was used on one day: fed by the programs and workouts apps."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    workouts = models.PositiveIntegerField(default=0)
    templates = models.PositiveIntegerField(default=0)
    favorites = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exercise", "day"], name="exercises_usage_one_per_day")
        ]
        indexes = [models.Index(fields=["day"], name="exercises_usage_day")]

    def __str__(self) -> str:
        return f"{self.exercise} on {self.day}"
