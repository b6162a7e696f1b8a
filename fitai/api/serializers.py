"""Serializers shared by every app's API: the error envelope, as documented in the schema."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `validation_error`.")
    message = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Per-field messages for `validation_error`, keyed by field name.",
    )


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorSerializer()
