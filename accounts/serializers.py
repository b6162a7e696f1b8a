"""Output serializers of the accounts API. Input serializers live beside their views."""

from rest_framework import serializers

from accounts.models import User


class UserSerializer(serializers.ModelSerializer):
    """The signed-in user as they see themselves."""

    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "username", "first_name", "last_name", "email_verified", "date_joined"]
        read_only_fields = fields


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="JWT access token, valid 15 minutes: `Authorization: Bearer …`.")
    refresh = serializers.CharField(help_text="JWT refresh token, valid 30 days, single use: it rotates.")


class AuthResultSerializer(TokenPairSerializer):
    user = UserSerializer()


class AcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class EmailVerifiedSerializer(serializers.Serializer):
    email_verified = serializers.BooleanField()
