"""Output of the goal API: a goal with its computed progress and its milestones.

Goals reach these serializers through `progress.goals.goals_with_progress`, which attaches
`progress` to each one in a fixed number of queries; nothing here walks a relation per row.
"""

from rest_framework import serializers

from progress.models import Goal, Milestone


def _number(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=False, **kwargs)


class MilestoneSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    target_value = _number()
    is_achieved = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "title", "target_value", "due_date", "is_achieved", "achieved_at", "created_at"]
        read_only_fields = fields

    def get_is_achieved(self, milestone: Milestone) -> bool:
        return milestone.achieved_at is not None


class GoalProgressSerializer(serializers.Serializer):
    current = _number(allow_null=True, help_text="Where the member stands now, in the goal's unit.")
    percent = serializers.FloatField(help_text="Share of the way from start to target, 0 to 100.")
    on_track = serializers.BooleanField()
    projected_date = serializers.DateField(
        allow_null=True, help_text="When the 28-day least-squares trend reaches the target."
    )
    trend_per_week = _number(allow_null=True, help_text="Slope of the 28-day trend, per week.")


class GoalExerciseSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    slug = serializers.CharField()
    name = serializers.CharField()


class GoalSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    target_value = _number()
    unit = serializers.CharField(help_text="The unit of target_value (metric; free text for custom).")
    exercise_id = serializers.UUIDField(source="exercise.public_id", allow_null=True)
    exercise = GoalExerciseSerializer(allow_null=True)
    weight_kg = _number(allow_null=True, help_text="lift_reps: the weight the reps are done at.")
    start_value = _number(allow_null=True)
    progress = GoalProgressSerializer()
    milestones = MilestoneSerializer(many=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "type",
            "title",
            "description",
            "target_value",
            "unit",
            "exercise_id",
            "exercise",
            "weight_kg",
            "start_value",
            "deadline",
            "status",
            "achieved_at",
            "progress",
            "milestones",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
