"""`POST /api/v1/users/upload-avatar`: replace your avatar with an uploaded picture."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.avatars import MAX_PIXELS, MAX_UPLOAD_BYTES, avatar_set, avatar_urls
from fitai.api.exceptions import PayloadTooLarge
from fitai.api.serializers import ErrorEnvelopeSerializer

# Room for the multipart boundaries and part headers around a file of the maximum size.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class AvatarUploadApi(APIView):
    """Upload a JPEG, PNG or WebP picture; it is re-encoded as 512 and 128 px squares without metadata."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        avatar = serializers.FileField(
            help_text=(
                f"A JPEG, PNG or WebP picture (judged by content) of at most {MAX_UPLOAD_BYTES // 2**20} MB "
                f"and {MAX_PIXELS // 1_000_000} megapixels."
            )
        )

    class OutputSerializer(serializers.Serializer):
        avatar_url = serializers.CharField(help_text="The 512 px square; an expiring URL with S3 storage.")
        avatar_thumb_url = serializers.CharField(help_text="The 128 px square.")

    @extend_schema(
        operation_id="users_upload_avatar",
        request={"multipart/form-data": InputSerializer},
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(
                ErrorEnvelopeSerializer, description="No `avatar` file, or a damaged picture."
            ),
            413: OpenApiResponse(
                ErrorEnvelopeSerializer,
                description="Over 5 MB (`payload_too_large`) or too many pixels (`image_too_large`).",
            ),
            415: OpenApiResponse(
                ErrorEnvelopeSerializer,
                description="Not multipart, or not a JPEG, PNG or WebP picture (`unsupported_media_type`).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        # Refuse an oversized body before it is read and spooled to disk.
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES:
            raise PayloadTooLarge(f"The picture is larger than {MAX_UPLOAD_BYTES // 2**20} MB.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = avatar_set(user=request.user, upload=data.validated_data["avatar"])
        avatar_url, avatar_thumb_url = avatar_urls(profile, request=request)
        return Response(
            self.OutputSerializer({"avatar_url": avatar_url, "avatar_thumb_url": avatar_thumb_url}).data
        )
