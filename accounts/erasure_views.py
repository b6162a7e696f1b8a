"""`DELETE /api/v1/users/account`: erase your account and everything it owns, in every app."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.erasure import account_erase
from fitai.api.parsers import JSONParser
from fitai.api.schema import AutoSchema
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import ScopedRateThrottle, UserRateThrottle


class DeleteWithBodySchema(AutoSchema):
    """Document the JSON body of a DELETE, which drf-spectacular leaves out by default."""

    def _get_request_body(self, direction: str = "request") -> Any:
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"


class AccountEraseApi(APIView):
    """Erase your account: your data in every app, your files, your logins. It cannot be undone."""

    schema = DeleteWithBodySchema()
    parser_classes = [JSONParser]
    # A password check: limited like a login attempt, per user.
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "login"

    class InputSerializer(serializers.Serializer):
        password = serializers.CharField(
            max_length=128,
            required=False,
            trim_whitespace=False,
            write_only=True,
            help_text="Your password. Required for accounts that have one.",
        )
        confirm_token = serializers.CharField(
            max_length=4000,
            required=False,
            write_only=True,
            help_text=(
                "Accounts without a password (Google or Apple sign-in only): an access token from a "
                "sign-in less than 5 minutes ago — sign in again, then send its `access` token here."
            ),
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if not (attrs.get("password") or attrs.get("confirm_token")):
                raise serializers.ValidationError("Confirm with your password (or `confirm_token`).")
            return attrs

    @extend_schema(
        operation_id="users_account_erase",
        request=InputSerializer,
        responses={
            204: OpenApiResponse(description="Erased: every later request with your tokens gets 401."),
            400: OpenApiResponse(ErrorEnvelopeSerializer, description="No password or token given."),
            403: OpenApiResponse(
                ErrorEnvelopeSerializer,
                description="Wrong password (`invalid_password`) or a stale or foreign confirmation "
                "token (`invalid_confirm_token`); nothing was erased.",
            ),
            413: OpenApiResponse(ErrorEnvelopeSerializer, description="The request body is too large."),
            415: OpenApiResponse(ErrorEnvelopeSerializer, description="Unsupported media type."),
        },
    )
    def delete(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account_erase(user=request.user, **data.validated_data)
        # A browser session of the account ends with it.
        request.session.flush()
        return Response(status=status.HTTP_204_NO_CONTENT)
