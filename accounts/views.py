"""The Authentication section of API.md: `/api/v1/auth/...`."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import USERNAME_PATTERN, normalize_email
from accounts.serializers import (
    AcceptedSerializer,
    AuthResultSerializer,
    EmailVerifiedSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import (
    AccountRateThrottle,
    AnonRateThrottle,
    ScopedRateThrottle,
    account_throttle_allows,
)

# Per client IP, and per account named in the body.
AUTH_THROTTLES = [AnonRateThrottle, ScopedRateThrottle, AccountRateThrottle]
ACCEPTED_MESSAGE = "If this address belongs to an account, we have sent it an e-mail."


def _auth_result(user, pair: services.TokenPair) -> dict:
    return {"user": UserSerializer(user).data, "access": pair.access, "refresh": pair.refresh}


def _user_agent(request: Request) -> str:
    return request.headers.get("User-Agent", "")


class RegisterApi(APIView):
    """Create an account; a verification link is mailed to the address."""

    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = AUTH_THROTTLES
    throttle_scope = "register"
    throttle_account_fields = ("email",)

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        username = serializers.RegexField(
            USERNAME_PATTERN,
            max_length=30,
            error_messages={"invalid": "3 to 30 characters: letters, digits, underscores and dots."},
        )
        password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
        first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: AuthResultSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        pair = services.login_open(user=user, user_agent=_user_agent(request))
        return Response(_auth_result(user, pair), status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    """Log in with an e-mail address or a username; every kind of failure looks the same."""

    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = AUTH_THROTTLES
    throttle_scope = "login"

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254, required=False, help_text="E-mail address, or:")
        username = serializers.CharField(max_length=254, required=False, help_text="username.")
        password = serializers.CharField(max_length=128, trim_whitespace=False)

        def validate(self, attrs):
            if not (attrs.get("email") or attrs.get("username")):
                raise serializers.ValidationError("Give your e-mail address or your username.")
            return attrs

    def throttle_account_key(self, request: Request) -> str | None:
        """The account the login names, by e-mail or username alike (the lockout's subject)."""
        data = request.data if isinstance(request.data, dict) else {}
        for field in ("email", "username"):
            value = data.get(field)
            if isinstance(value, str) and value.strip():
                return services.login_subject(identifier=value)
        return None

    @extend_schema(
        request=InputSerializer,
        responses={200: AuthResultSerializer, 401: ErrorEnvelopeSerializer},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        identifier = data.validated_data.get("email") or data.validated_data["username"]
        user, pair = services.user_login(
            identifier=identifier, password=data.validated_data["password"], user_agent=_user_agent(request)
        )
        return Response(_auth_result(user, pair))


class RefreshApi(APIView):
    """Swap a refresh token for a new pair; the old refresh token stops working."""

    authentication_classes = ()
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField(max_length=2000)

    @extend_schema(
        request=InputSerializer, responses={200: TokenPairSerializer, 401: ErrorEnvelopeSerializer}
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.token_refresh(refresh=data.validated_data["refresh"])
        return Response(TokenPairSerializer(pair).data)


class LogoutApi(APIView):
    """End this login (the refresh token's), or every login of the account."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField(max_length=2000, required=False)
        all_devices = serializers.BooleanField(default=False)

        def validate(self, attrs):
            if not attrs["all_devices"] and not attrs.get("refresh"):
                raise serializers.ValidationError({"refresh": ["Give the refresh token to revoke."]})
            return attrs

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_logout(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class ForgotPasswordApi(APIView):
    """Mail a single-use reset link; the answer is the same whether or not the account exists.

    Throttled per IP (429); per address the limit is silent: past it nothing is mailed, and the
    answer is still 202, so it reveals nothing about the address.
    """

    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "forgot_password"

    @extend_schema(request=EmailInputSerializer, responses={202: AcceptedSerializer})
    def post(self, request: Request) -> Response:
        data = EmailInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = normalize_email(data.validated_data["email"])
        if account_throttle_allows(request, scope=self.throttle_scope, account_key=email):
            services.password_reset_request(email=email)
        return Response({"detail": ACCEPTED_MESSAGE}, status=status.HTTP_202_ACCEPTED)


class ResetPasswordApi(APIView):
    """Choose a new password with the mailed token; every device is signed out."""

    authentication_classes = ()
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        token = serializers.CharField(max_length=200)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_confirm(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VerifyEmailApi(APIView):
    """Confirm the address with the mailed token."""

    authentication_classes = ()
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True, description="The token from the e-mail.")],
        responses={200: EmailVerifiedSerializer},
    )
    def get(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        if not token or len(token) > 200:
            raise services.InvalidAccountTokenError()
        services.email_verify(token=token)
        return Response({"email_verified": True})


class ResendVerificationApi(APIView):
    """Mail a new verification link; the answer is the same whatever the address.

    Throttled per IP (429) and, silently, per address, like forgot-password.
    """

    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "resend_verification"

    @extend_schema(request=EmailInputSerializer, responses={202: AcceptedSerializer})
    def post(self, request: Request) -> Response:
        data = EmailInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = normalize_email(data.validated_data["email"])
        if account_throttle_allows(request, scope=self.throttle_scope, account_key=email):
            services.email_verification_request(email=email)
        return Response({"detail": ACCEPTED_MESSAGE}, status=status.HTTP_202_ACCEPTED)
