"""Serializers of programs: the nested input document, and summary and full outputs."""

from decimal import Decimal

from rest_framework import serializers

from exercises.serializers import MyRatingSerializer, RatingSummarySerializer, rating_summary
from templates_app.models import Difficulty, Goal, TemplateSet, Visibility, WorkoutTemplate

MAX_DAYS, MAX_EXERCISES_PER_DAY, MAX_SETS_PER_EXERCISE = 28, 20, 20
PROGRESSION_TYPES = ["none", "linear", "double", "percentage"]


class SetInputSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=0, max_value=99, required=False)
    set_type = serializers.ChoiceField(TemplateSet.SetType.choices, default=TemplateSet.SetType.WORKING)
    reps_min = serializers.IntegerField(min_value=0, max_value=100)
    reps_max = serializers.IntegerField(min_value=1, max_value=100)
    weight_kg = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, max_value=1000, required=False, allow_null=True
    )
    percent_1rm = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=1, max_value=120, required=False, allow_null=True
    )
    rpe = serializers.DecimalField(
        max_digits=3, decimal_places=1, min_value=1, max_value=10, required=False, allow_null=True
    )
    rest_seconds = serializers.IntegerField(min_value=0, max_value=900, required=False, allow_null=True)
    tempo = serializers.RegexField(
        r"^[0-9X]{1,2}(-[0-9X]{1,2}){3}$", required=False, allow_blank=True, help_text='e.g. "3-1-1-0".'
    )

    def validate(self, attrs):
        if attrs["reps_min"] > attrs["reps_max"]:
            raise serializers.ValidationError({"reps_max": ["Must be at least reps_min."]})
        return attrs


class ProgressionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(PROGRESSION_TYPES, default="none")
    increment_kg = serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=0, max_value=20, required=False, allow_null=True
    )
    percentages = serializers.ListField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, min_value=30, max_value=110),
        max_length=12,
        required=False,
        help_text="Percentage waves: %1RM per week of the cycle.",
    )
    deload_every_weeks = serializers.IntegerField(min_value=2, max_value=12, required=False, allow_null=True)

    def validate(self, attrs):
        kind = attrs["type"]
        if kind in {"linear", "double"} and not attrs.get("increment_kg"):
            raise serializers.ValidationError({"increment_kg": [f"A {kind} progression needs increment_kg."]})
        if kind == "percentage" and not attrs.get("percentages"):
            raise serializers.ValidationError(
                {"percentages": ["A percentage progression needs percentages."]}
            )
        return {key: _plain(value) for key, value in attrs.items()}


def _plain(value):
    """JSON-ready numbers for the stored progression document."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class ProgramExerciseInputSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=0, max_value=99, required=False)
    exercise_id = serializers.UUIDField()
    superset_group = serializers.RegexField(r"^[A-Z]$", required=False, allow_blank=True)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    rest_seconds = serializers.IntegerField(min_value=0, max_value=900, default=90)
    progression = ProgressionSerializer(required=False)
    sets = SetInputSerializer(many=True, min_length=1, max_length=MAX_SETS_PER_EXERCISE)


class DayInputSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=0, max_value=MAX_DAYS - 1, required=False)
    week = serializers.IntegerField(min_value=1, max_value=52, required=False, allow_null=True)
    name = serializers.CharField(max_length=80)
    focus = serializers.CharField(max_length=120, required=False, allow_blank=True)
    exercises = ProgramExerciseInputSerializer(many=True, max_length=MAX_EXERCISES_PER_DAY)


class TemplateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    goal = serializers.ChoiceField(Goal.choices, default=Goal.GENERAL_FITNESS)
    difficulty = serializers.ChoiceField(Difficulty.choices, default=Difficulty.BEGINNER)
    visibility = serializers.ChoiceField(Visibility.choices, default=Visibility.PRIVATE)
    days_per_week = serializers.IntegerField(min_value=1, max_value=7)
    duration_weeks = serializers.IntegerField(min_value=1, max_value=52, default=4)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=10, required=False, default=list
    )
    days = DayInputSerializer(many=True, min_length=1, max_length=MAX_DAYS)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="PUT: the version you edited (an integer or numeric string), required unless sent as "
        "If-Match; a stale one → 409. Ignored on POST.",
    )


class OwnerSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    username = serializers.CharField()


class TemplateSummarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    owner = OwnerSerializer()
    equipment = serializers.SlugRelatedField(
        source="required_equipment", slug_field="slug", many=True, read_only=True
    )
    rating = serializers.SerializerMethodField()

    class Meta:
        model = WorkoutTemplate
        fields = [
            "id",
            "name",
            "description",
            "goal",
            "difficulty",
            "visibility",
            "days_per_week",
            "duration_weeks",
            "tags",
            "source",
            "owner",
            "equipment",
            "is_featured",
            "favorite_count",
            "fork_count",
            "use_count",
            "rating",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_rating(self, template: WorkoutTemplate) -> RatingSummarySerializer:
        return rating_summary(template)


class SetSerializer(serializers.ModelSerializer):
    weight_kg = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    percent_1rm = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    rpe = serializers.DecimalField(max_digits=3, decimal_places=1, coerce_to_string=False, allow_null=True)

    class Meta:
        model = TemplateSet
        fields = [
            "order",
            "set_type",
            "reps_min",
            "reps_max",
            "weight_kg",
            "percent_1rm",
            "rpe",
            "rest_seconds",
            "tempo",
        ]


class ProgramExerciseSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    exercise_id = serializers.UUIDField(source="exercise.public_id")
    exercise_name = serializers.CharField(source="exercise.name")
    exercise_slug = serializers.CharField(source="exercise.slug")
    superset_group = serializers.CharField()
    notes = serializers.CharField()
    rest_seconds = serializers.IntegerField()
    progression = serializers.JSONField()
    sets = SetSerializer(many=True)


class DaySerializer(serializers.Serializer):
    index = serializers.IntegerField()
    week = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    focus = serializers.CharField()
    exercises = ProgramExerciseSerializer(many=True)


class TemplateStatsSerializer(serializers.Serializer):
    uses = serializers.IntegerField()
    completions = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True)
    average_duration_seconds = serializers.IntegerField(allow_null=True)
    favorites = serializers.IntegerField()
    forks = serializers.IntegerField()
    rating = RatingSummarySerializer()


class TemplateDetailSerializer(TemplateSummarySerializer):
    days = DaySerializer(many=True)
    forked_from = serializers.SerializerMethodField()
    is_favorite = serializers.SerializerMethodField()
    my_rating = serializers.SerializerMethodField()
    stats = serializers.SerializerMethodField()

    class Meta(TemplateSummarySerializer.Meta):
        fields = [
            *TemplateSummarySerializer.Meta.fields,
            "forked_from",
            "days",
            "is_favorite",
            "my_rating",
            "stats",
        ]

    def get_forked_from(self, template: WorkoutTemplate) -> serializers.UUIDField(allow_null=True):
        return (
            str(template.forked_from.public_id) if template.forked_from_id and template.forked_from else None
        )

    def get_is_favorite(self, template: WorkoutTemplate) -> bool:
        return self.context.get("is_favorite", False)

    def get_my_rating(self, template: WorkoutTemplate) -> MyRatingSerializer(allow_null=True):
        rating = self.context.get("my_rating")
        return {"score": rating.score, "review": rating.review} if rating else None

    def get_stats(self, template: WorkoutTemplate) -> TemplateStatsSerializer:
        """Given by the view (`context["stats"]`), from the program's counters."""
        return self.context.get("stats")
