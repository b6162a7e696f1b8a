"""Response shapes of the AI coach endpoints (for the OpenAPI schema and the pages)."""

from rest_framework import serializers

from accounts.models import FitnessLevel
from templates_app.models import Goal
from templates_app.serializers import TemplateDetailSerializer

GOALS = Goal.choices
EXPERIENCE_LEVELS = FitnessLevel.choices

PROVIDERS = ["rules", "openai"]


class ProviderFieldsMixin(serializers.Serializer):
    provider = serializers.ChoiceField(PROVIDERS, help_text="Who produced this answer.")
    fallback_reason = serializers.CharField(
        allow_null=True, help_text="Why the rules engine stood in for the configured model (null otherwise)."
    )
    warnings = serializers.ListField(child=serializers.CharField())


class PlannedExerciseSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    exercise_id = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()
    muscle_groups = serializers.ListField(child=serializers.CharField())
    mechanics = serializers.CharField()
    force = serializers.CharField()
    sets = serializers.IntegerField()
    reps_min = serializers.IntegerField()
    reps_max = serializers.IntegerField()
    rest_seconds = serializers.IntegerField()
    rpe = serializers.FloatField(allow_null=True)
    notes = serializers.CharField()
    safety_note = serializers.CharField()


class GeneratedWorkoutSerializer(ProviderFieldsMixin):
    goal = serializers.ChoiceField(GOALS)
    experience_level = serializers.ChoiceField(EXPERIENCE_LEVELS)
    duration_minutes = serializers.IntegerField()
    name = serializers.CharField()
    exercises = PlannedExerciseSerializer(many=True)
    estimated_minutes = serializers.IntegerField()
    total_sets = serializers.IntegerField()
    sets_per_group = serializers.DictField(child=serializers.IntegerField())
    rationale = serializers.ListField(child=serializers.CharField())
    workout_id = serializers.UUIDField(required=False, help_text="The planned workout, when `save` was true.")


class AlternativeSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    exercise_id = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()
    muscle_groups = serializers.ListField(child=serializers.CharField())
    equipment = serializers.ListField(child=serializers.CharField())
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    safety_note = serializers.CharField()


class SuggestionsSerializer(ProviderFieldsMixin):
    reason = serializers.CharField()
    exercise_id = serializers.UUIDField(allow_null=True)
    muscle = serializers.CharField(allow_null=True)
    alternatives = AlternativeSerializer(many=True)


class PlannedMilestoneSerializer(serializers.Serializer):
    title = serializers.CharField()
    target_value = serializers.FloatField()
    due_date = serializers.DateField()


class WeeklyRateSerializer(serializers.Serializer):
    required = serializers.FloatField(allow_null=True, help_text="Change a week the deadline needs.")
    safe = serializers.FloatField(allow_null=True, help_text="The fastest safe change a week.")
    yours = serializers.FloatField(allow_null=True, help_text="Your trend over the last 4 weeks.")


class GoalAssessmentSerializer(ProviderFieldsMixin):
    goal_id = serializers.UUIDField(allow_null=True)
    exercise_id = serializers.UUIDField(allow_null=True)
    type = serializers.CharField()
    current_value = serializers.FloatField(allow_null=True)
    target_value = serializers.FloatField()
    deadline = serializers.DateField(allow_null=True)
    realistic = serializers.BooleanField(allow_null=True, help_text="Null when there is no data yet.")
    projected_date = serializers.DateField(allow_null=True)
    safer_target = serializers.FloatField(allow_null=True)
    safer_deadline = serializers.DateField(allow_null=True)
    weekly_rate = WeeklyRateSerializer()
    milestones = PlannedMilestoneSerializer(many=True)
    rationale = serializers.ListField(child=serializers.CharField())


class ProgramDaySerializer(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    focus = serializers.CharField()
    exercises = PlannedExerciseSerializer(many=True)
    estimated_minutes = serializers.IntegerField()


COACH_FIELDS = ["provider", "fallback_reason", "source", "rationale", "warnings", "weekly_sets_per_group"]


class GeneratedProgramSerializer(TemplateDetailSerializer):
    """`POST /templates/ai-generate`: the saved program exactly as `GET /templates/:id` shows it,
    with what the coach says about it alongside, in one object."""

    provider = serializers.ChoiceField(PROVIDERS, help_text="Who produced this answer.")
    fallback_reason = serializers.CharField(
        allow_null=True, help_text="Why the rules engine stood in for the configured model (null otherwise)."
    )
    source = serializers.ChoiceField(["ai"])
    rationale = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    weekly_sets_per_group = serializers.DictField(
        child=serializers.IntegerField(), help_text="Working sets per muscle group per week."
    )

    class Meta(TemplateDetailSerializer.Meta):
        fields = [*TemplateDetailSerializer.Meta.fields, *COACH_FIELDS]


class ProgramChangeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(["progress", "deload", "add_set", "add_exercise"])
    day_index = serializers.IntegerField()
    exercise_index = serializers.IntegerField()
    exercise_id = serializers.UUIDField()
    exercise_name = serializers.CharField()
    field = serializers.ChoiceField(["weight_kg", "reps_max", "sets", "exercise"])
    to = serializers.FloatField()
    reason = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.FloatField(allow_null=True)
        return fields


class ProgramOptimizationSerializer(ProviderFieldsMixin):
    template_id = serializers.UUIDField()
    version = serializers.IntegerField()
    experience_level = serializers.ChoiceField(EXPERIENCE_LEVELS, help_text="Whose volume caps applied.")
    applied = serializers.BooleanField()
    changes = ProgramChangeSerializer(many=True)
    rationale = serializers.ListField(child=serializers.CharField())
