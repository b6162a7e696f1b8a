"""Serializers of the exercise library."""

from rest_framework import serializers

from exercises.models import Equipment, Exercise, Muscle


class MuscleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Muscle
        fields = ["slug", "name", "region", "group"]


class EquipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Equipment
        fields = ["slug", "name", "kind"]


class RatingSummarySerializer(serializers.Serializer):
    score = serializers.FloatField(help_text="Bayesian average: the library mean weighs in like a few votes.")
    average = serializers.FloatField(allow_null=True, help_text="Plain mean of the counted ratings.")
    count = serializers.IntegerField()


def rating_summary(rated) -> dict:
    """The public rating of anything with `rating_score`, `rating_sum` and `rating_count`."""
    average = round(rated.rating_sum / rated.rating_count, 2) if rated.rating_count else None
    return {"score": rated.rating_score, "average": average, "count": rated.rating_count}


class ExerciseListSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    primary_muscles = MuscleSerializer(many=True)
    equipment = EquipmentSerializer(many=True)
    rating = serializers.SerializerMethodField()

    class Meta:
        model = Exercise
        fields = [
            "id",
            "slug",
            "name",
            "category",
            "mechanics",
            "force",
            "difficulty",
            "primary_muscles",
            "equipment",
            "rating",
            "popularity",
            "status",
        ]

    def get_rating(self, exercise: Exercise) -> RatingSummarySerializer:
        return {
            "score": exercise.rating_score,
            "average": round(exercise.rating_sum / exercise.rating_count, 2)
            if exercise.rating_count
            else None,
            "count": exercise.rating_count,
        }


class VariationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")

    class Meta:
        model = Exercise
        fields = ["id", "slug", "name"]


class MyRatingSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    review = serializers.CharField()


class ExerciseDetailSerializer(ExerciseListSerializer):
    secondary_muscles = MuscleSerializer(many=True)
    variations = serializers.SerializerMethodField()
    my_rating = serializers.SerializerMethodField()

    class Meta(ExerciseListSerializer.Meta):
        fields = [
            *ExerciseListSerializer.Meta.fields,
            "description",
            "instructions",
            "secondary_muscles",
            "media",
            "safety_notes",
            "contraindications",
            "variations",
            "rejection_reason",
            "license",
            "license_author",
            "created_at",
            "updated_at",
            "my_rating",
        ]

    def get_variations(self, exercise: Exercise) -> VariationSerializer(many=True):
        return VariationSerializer(exercise.variations.all(), many=True).data

    def get_my_rating(self, exercise: Exercise) -> MyRatingSerializer(allow_null=True):
        rating = self.context.get("my_rating")
        return {"score": rating.score, "review": rating.review} if rating else None
