"""Serializers of profiles, preferences and body metrics."""

from rest_framework import serializers

from accounts.models import BodyMetric, FitnessLevel
from accounts.preferences import NOTIFICATION_TYPES, VISIBILITIES


class CountsSerializer(serializers.Serializer):
    friends = serializers.IntegerField()
    incoming_requests = serializers.IntegerField()
    outgoing_requests = serializers.IntegerField()


class ProfileSerializer(serializers.Serializer):
    """The signed-in user's own profile (never shown to others: they get public cards)."""

    id = serializers.UUIDField(source="public_id")
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    bio = serializers.CharField(source="profile.bio")
    birth_date = serializers.DateField(source="profile.birth_date", allow_null=True)
    age = serializers.IntegerField(allow_null=True)
    height_cm = serializers.DecimalField(
        source="profile.height_cm", max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True
    )
    weight_kg = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True, help_text="Latest weight."
    )
    fitness_level = serializers.CharField(source="profile.fitness_level")
    location = serializers.CharField(source="profile.location")
    interests = serializers.ListField(child=serializers.CharField(), source="profile.interests")
    avatar_url = serializers.CharField(allow_null=True)
    avatar_thumb_url = serializers.CharField(allow_null=True)
    date_joined = serializers.DateTimeField()
    counts = CountsSerializer()


class UnitsSerializer(serializers.Serializer):
    weight = serializers.ChoiceField(["kg", "lb"])
    length = serializers.ChoiceField(["cm", "in"])
    distance = serializers.ChoiceField(["km", "mi"])


class ChannelsSerializer(serializers.Serializer):
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    push = serializers.BooleanField()


class PrivacySerializer(serializers.Serializer):
    profile_visibility = serializers.ChoiceField(VISIBILITIES)
    workout_visibility = serializers.ChoiceField(VISIBILITIES)
    searchable = serializers.BooleanField()
    show_on_leaderboards = serializers.BooleanField()


class WorkoutPreferencesSerializer(serializers.Serializer):
    default_rest_seconds = serializers.IntegerField(min_value=0, max_value=900)
    auto_start_rest_timer = serializers.BooleanField()
    rest_timer_sound = serializers.BooleanField()
    plate_increment_kg = serializers.FloatField(min_value=0.25, max_value=10)
    show_warmup_sets = serializers.BooleanField()


class AiPreferencesSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    coach_tone = serializers.ChoiceField(["encouraging", "direct", "technical"])
    use_training_history = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer):
    """The preferences document; `notifications` is keyed by notification type."""

    version = serializers.IntegerField(read_only=True)
    units = UnitsSerializer()
    notifications = serializers.DictField(
        child=ChannelsSerializer(), help_text="Keys: " + ", ".join(NOTIFICATION_TYPES) + "."
    )
    privacy = PrivacySerializer()
    workout = WorkoutPreferencesSerializer()
    ai = AiPreferencesSerializer()
    timezone = serializers.CharField(help_text="IANA time zone, e.g. Europe/Berlin.")
    locale = serializers.CharField(help_text="Language tag, e.g. en or en-GB.")


class BodyMetricSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)

    class Meta:
        model = BodyMetric
        fields = ["id", "kind", "value", "unit", "measured_at", "note", "created_at"]
        read_only_fields = fields


FITNESS_LEVELS = FitnessLevel.values
