"""Output shapes of the recommendation API: one served item, the list, and a feedback record."""

from rest_framework import serializers

from ai.models import Recommendation, RecommendationFeedback
from ai.recommendations import Served


class RecommendedItemSerializer(serializers.Serializer):
    """The recommended exercise or program; the fields of the other kind are null (or empty)."""

    id = serializers.UUIDField(help_text="Public id of the exercise or program.")
    name = serializers.CharField()
    difficulty = serializers.CharField()
    slug = serializers.CharField(allow_null=True, help_text="Exercises only.")
    primary_muscles = serializers.ListField(child=serializers.CharField(), help_text="Exercises only: slugs.")
    goal = serializers.CharField(allow_null=True, help_text="Programs only.")
    days_per_week = serializers.IntegerField(allow_null=True, help_text="Programs only.")


class RecommendationSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The recommendation's id: send feedback to it.")
    kind = serializers.ChoiceField(Recommendation.Kind.choices)
    item = RecommendedItemSerializer()
    score = serializers.FloatField(
        help_text="Orders items within a source; sources come in the order listed."
    )
    reason = serializers.CharField(help_text='Why it is shown, e.g. "Because you train Bench Press".')
    source = serializers.ChoiceField(Recommendation.Source.choices)


class RecommendationListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    provider = serializers.CharField(help_text="Always `rules`: recommendations never call a model.")
    results = RecommendationSerializer(many=True)


class RecommendationFeedbackSerializer(serializers.ModelSerializer):
    recommendation_id = serializers.UUIDField(source="recommendation.public_id", read_only=True)

    class Meta:
        model = RecommendationFeedback
        fields = ["recommendation_id", "rating", "accepted", "comment", "created_at", "updated_at"]


def muscle_slugs(exercise) -> list[str]:
    """Primary muscle slugs of an exercise `recommendations_for` loaded (prefetched: no query)."""
    return sorted(muscle.slug for muscle in exercise.primary_muscles.all())


def served_data(served: Served) -> dict:
    """One served item as `RecommendationSerializer` expects it (no query: everything is loaded)."""
    item = served.item
    is_exercise = served.recommendation.kind == Recommendation.Kind.EXERCISE
    return {
        "id": served.recommendation.public_id,
        "kind": served.recommendation.kind,
        "item": {
            "id": item.public_id,
            "name": item.name,
            "difficulty": item.difficulty,
            "slug": item.slug if is_exercise else None,
            "primary_muscles": muscle_slugs(item) if is_exercise else [],
            "goal": None if is_exercise else item.goal,
            "days_per_week": None if is_exercise else item.days_per_week,
        },
        "score": served.candidate.score,
        "reason": served.candidate.reason,
        "source": served.candidate.source,
    }
