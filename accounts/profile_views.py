"""Profile and preferences: `/api/v1/users/profile`, `/api/v1/users/preferences`."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import metrics, profiles
from accounts.avatars import avatar_urls
from accounts.friendships import friend_counts
from accounts.models import USERNAME_PATTERN, FitnessLevel, User
from accounts.profile_serializers import PreferencesSerializer, ProfileSerializer
from accounts.profiles import MAX_INTEREST_LENGTH, MAX_INTERESTS


def profile_payload(user: User, request: Request) -> dict:
    """Everything the own-profile response shows, gathered in a fixed number of queries."""
    profile = profiles.profile_get(user=user)
    avatar_url, avatar_thumb_url = avatar_urls(profile, request=request)
    user.age = profiles.age_on(profile.birth_date, profiles.user_today(user=user))
    user.weight_kg = metrics.latest_weight_kg(user=user)
    user.avatar_url, user.avatar_thumb_url = avatar_url, avatar_thumb_url
    user.counts = friend_counts(user=user)
    return ProfileSerializer(user).data


class ProfileApi(APIView):
    """Your own profile. PUT and PATCH both change only the fields sent."""

    class InputSerializer(serializers.Serializer):
        username = serializers.RegexField(
            USERNAME_PATTERN,
            max_length=30,
            required=False,
            error_messages={"invalid": "3 to 30 characters: letters, digits, underscores and dots."},
        )
        email = serializers.EmailField(max_length=254, required=False, help_text="Must be verified again.")
        first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        bio = serializers.CharField(max_length=1000, required=False, allow_blank=True)
        birth_date = serializers.DateField(required=False, allow_null=True, help_text="Age 13 to 120.")
        height_cm = serializers.DecimalField(
            max_digits=4, decimal_places=1, min_value=50, max_value=272, required=False, allow_null=True
        )
        weight_kg = serializers.DecimalField(
            max_digits=5,
            decimal_places=2,
            min_value=20,
            max_value=500,
            required=False,
            help_text="Recorded as a new weight measurement.",
        )
        fitness_level = serializers.ChoiceField([*FitnessLevel.values, ""], required=False)
        location = serializers.CharField(max_length=100, required=False, allow_blank=True)
        interests = serializers.ListField(
            child=serializers.CharField(max_length=MAX_INTEREST_LENGTH, min_length=1),
            max_length=MAX_INTERESTS,
            required=False,
        )

        def validate_interests(self, value: list[str]) -> list[str]:
            """Trimmed, without duplicates (ignoring case), in the order given."""
            seen, interests = set(), []
            for interest in (item.strip() for item in value):
                if interest and interest.lower() not in seen:
                    seen.add(interest.lower())
                    interests.append(interest)
            return interests

    @extend_schema(responses=ProfileSerializer)
    def get(self, request: Request) -> Response:
        return Response(profile_payload(request.user, request))

    @extend_schema(request=InputSerializer, responses=ProfileSerializer)
    def put(self, request: Request) -> Response:
        return self._update(request)

    @extend_schema(request=InputSerializer, responses=ProfileSerializer)
    def patch(self, request: Request) -> Response:
        return self._update(request)

    def _update(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = profiles.profile_update(user=request.user, **data.validated_data)
        return Response(profile_payload(user, request))


class PreferencesApi(APIView):
    """Your preferences document; PUT deep-merges any part of it."""

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request: Request) -> Response:
        return Response(profiles.user_preferences(user=request.user))

    @extend_schema(request=PreferencesSerializer(partial=True), responses=PreferencesSerializer)
    def put(self, request: Request) -> Response:
        return Response(profiles.preferences_update(user=request.user, changes=request.data))
