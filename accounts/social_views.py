"""Sign in with Google or Apple (API.md, Authentication): the redirect out and the callback back.

The views only parse and serialize; `accounts.social` does the OpenID Connect work. Callbacks
answer with our own JWT pair, like `POST /auth/login`, plus whether the account was just created.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import social
from accounts.serializers import AuthResultSerializer, UserSerializer
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import AnonRateThrottle, ScopedRateThrottle


class SocialAuthResultSerializer(AuthResultSerializer):
    created = serializers.BooleanField(help_text="True when this sign-in created the FitAI account.")


class SocialCallbackQuerySerializer(serializers.Serializer):
    """What the provider sends back: a code and our state, or an `error`."""

    code = serializers.CharField(max_length=2048, required=False, help_text="The authorization code.")
    state = serializers.CharField(
        max_length=256, required=False, help_text="The `state` FitAI put in the authorize URL."
    )
    error = serializers.CharField(
        max_length=128,
        required=False,
        help_text="Set by the provider when the sign-in failed or was cancelled.",
    )
    error_description = serializers.CharField(max_length=1000, required=False)

    def validate(self, attrs):
        if attrs.get("error"):
            return attrs
        missing = {name: ["This field is required."] for name in ("code", "state") if not attrs.get(name)}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class AppleCallbackFormSerializer(SocialCallbackQuerySerializer):
    user = serializers.CharField(
        max_length=2000,
        required=False,
        help_text="JSON Apple adds on the first sign-in only; its name is used, its e-mail never is.",
    )


_ERRORS = {
    400: OpenApiResponse(
        ErrorEnvelopeSerializer,
        description=(
            "`validation_error`, `provider_error` (the provider reported an error or the user cancelled), "
            "`invalid_state` (unknown, expired or reused state), `invalid_code`, `invalid_id_token`, "
            "`email_missing` or `email_not_verified` (an unverified provider e-mail is never linked)."
        ),
    ),
    403: OpenApiResponse(ErrorEnvelopeSerializer, description="`account_disabled`."),
    502: OpenApiResponse(
        ErrorEnvelopeSerializer, description="`provider_unavailable`: the provider's answer was unusable."
    ),
    503: OpenApiResponse(
        ErrorEnvelopeSerializer,
        description=(
            "`provider_not_configured` (no credentials for this provider on this server) or "
            "`provider_unavailable` (the provider could not be reached)."
        ),
    ),
}


def _callback_url(provider: str) -> str:
    """The redirect URI registered at the provider; it must match byte for byte."""
    return f"{settings.SITE_URL}{reverse(f'auth-{provider}-callback')}"


class _SocialAuthorizeApi(APIView):
    authentication_classes = ()
    permission_classes = [AllowAny]
    provider = ""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "Location",
                str,
                OpenApiParameter.HEADER,
                response=[302],
                description="The provider's authorize URL, with `state`, PKCE `code_challenge` and `nonce`.",
            )
        ],
        responses={
            302: OpenApiResponse(description="Redirect to the provider's sign-in page."),
            503: _ERRORS[503],
        },
    )
    def get(self, request: Request) -> HttpResponseRedirect:
        url = social.social_authorize_url(provider=self.provider, redirect_uri=_callback_url(self.provider))
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "no-store"  # Each redirect carries a one-time state.
        return response


class GoogleAuthorizeApi(_SocialAuthorizeApi):
    """Start signing in with Google: redirect to Google, which comes back to `/auth/google/callback`."""

    provider = "google"


class AppleAuthorizeApi(_SocialAuthorizeApi):
    """Start signing in with Apple: redirect to Apple, which posts back to `/auth/apple/callback`."""

    provider = "apple"


class _SocialCallbackApi(APIView):
    # No SessionAuthentication, so no CSRF check: Apple's form post comes from Apple's servers,
    # and the one-time state plus PKCE is what ties the callback to the sign-in we started.
    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "login"
    provider = ""

    def _complete(self, request: Request, data, serializer_class) -> Response:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        if values.get("error"):
            raise social.SocialAuthError(
                "The provider did not complete the sign-in (it was cancelled or refused).",
                code="provider_error",
            )
        user, pair, created = social.social_complete(
            provider=self.provider,
            code=values["code"],
            state=values["state"],
            user_agent=request.headers.get("User-Agent", ""),
            apple_user_json=values.get("user"),
        )
        body = {"access": pair.access, "refresh": pair.refresh, "user": UserSerializer(user).data}
        return Response({**body, "created": created})

    @extend_schema(
        parameters=[SocialCallbackQuerySerializer], responses={200: SocialAuthResultSerializer, **_ERRORS}
    )
    def get(self, request: Request) -> Response:
        return self._complete(request, request.query_params, SocialCallbackQuerySerializer)


class GoogleCallbackApi(_SocialCallbackApi):
    """Finish signing in with Google: check the state, trade the code, verify the ID token, log in."""

    provider = "google"


class AppleCallbackApi(_SocialCallbackApi):
    """Finish signing in with Apple: Apple posts the form here (`response_mode=form_post`)."""

    provider = "apple"
    parser_classes = [FormParser]

    @extend_schema(
        request=AppleCallbackFormSerializer, responses={200: SocialAuthResultSerializer, **_ERRORS}
    )
    def post(self, request: Request) -> Response:
        return self._complete(request, request.data, AppleCallbackFormSerializer)
