"""The Workout templates section of API.md: `/api/v1/templates/...` (the AI routes come later)."""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from exercises.cache import library_version
from exercises.serializers import MyRatingSerializer, RatingSummarySerializer, rating_summary
from fitai.api.exceptions import flatten_error_paths
from fitai.api.pagination import PagePagination
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import ScopedRateThrottle, UserRateThrottle
from templates_app import selectors, services
from templates_app.models import Difficulty, Goal, Visibility, WorkoutTemplate
from templates_app.serializers import (
    TemplateDetailSerializer,
    TemplateInputSerializer,
    TemplateStatsSerializer,
    TemplateSummarySerializer,
)

LIST_PARAMETERS = [
    OpenApiParameter("goal", str, enum=Goal.values),
    OpenApiParameter("difficulty", str, enum=Difficulty.values),
    OpenApiParameter("days_per_week", int, description="1 to 7."),
    OpenApiParameter("equipment", str, description="Comma-separated slugs of the equipment you own."),
    OpenApiParameter("q", str, description="Text in the name or description (at most 100 characters)."),
    OpenApiParameter("ordering", str, enum=list(selectors.ORDERINGS)),
]


class ListFilterSerializer(serializers.Serializer):
    goal = serializers.ChoiceField(Goal.choices, required=False)
    difficulty = serializers.ChoiceField(Difficulty.choices, required=False)
    days_per_week = serializers.IntegerField(min_value=1, max_value=7, required=False)
    equipment = serializers.CharField(max_length=500, required=False, allow_blank=True)
    q = serializers.CharField(max_length=100, required=False, allow_blank=True)
    ordering = serializers.ChoiceField(list(selectors.ORDERINGS), required=False)


def _document(request: Request) -> dict:
    data = TemplateInputSerializer(data=request.data)
    if not data.is_valid():
        raise ValidationError(flatten_error_paths(data.errors))
    return data.validated_data


def _stats(template) -> dict:
    """Statistics from the program's own counters: no query beyond the program row."""
    return {**services.template_stats(template=template), "rating": rating_summary(template)}


# The nested program (days, exercises, sets, equipment, fork origin) changes only with a new
# `version` or a library change, so it is cached under both; the rest of the detail comes from
# the program row the visibility check already fetched, and the viewer's marks are always fresh.
PROGRAM_FIELDS = ("forked_from", "equipment", "days")
PROGRAM_CACHE_SECONDS = 24 * 3600


def _detail(request: Request, template) -> dict:
    is_favorite, rating = selectors.viewer_marks(user=request.user, template=template)
    context = {"is_favorite": is_favorite, "my_rating": rating, "stats": _stats(template)}
    key = f"templates:program:{template.pk}:v{template.version}:lib{library_version()}"
    program = cache.get(key)
    if program is None:
        full = selectors.with_program(WorkoutTemplate.objects.filter(pk=template.pk)).get()
        data = TemplateDetailSerializer(full, context=context).data
        cache.set(key, {name: data[name] for name in PROGRAM_FIELDS}, PROGRAM_CACHE_SECONDS)
        return data
    serializer = TemplateDetailSerializer(template, context=context)
    for name in PROGRAM_FIELDS:
        serializer.fields.pop(name)
    data = serializer.data | program
    return {name: data[name] for name in TemplateDetailSerializer.Meta.fields}


def _version_from(request: Request, body_version: int | None) -> int | None:
    """The version being replaced: `If-Match` (bare or quoted, like an ETag) or `version` in the
    body (an integer or a numeric string, already validated). The service requires one."""
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if header:
        if not header.isdigit():
            raise ValidationError({"If-Match": ["Send the program's version number."]})
        if body_version is not None and body_version != int(header):
            raise ValidationError({"version": ["version and If-Match disagree."]})
        return int(header)
    return body_version


class TemplatesListBase(APIView):
    pagination_class = PagePagination

    def base_queryset(self, request: Request):
        return selectors.templates_visible_to(user=request.user)

    def list(self, request: Request) -> Response:
        filters = ListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        options = dict(filters.validated_data)
        ordering = options.pop("ordering", None)
        if "equipment" in options:
            options["equipment"] = [slug for slug in options["equipment"].split(",") if slug]
        templates = selectors.templates_filtered(self.base_queryset(request), **options)
        paginator = PagePagination()
        page = paginator.paginate_queryset(
            selectors.with_summary(selectors.templates_ordered(templates, ordering)), request, view=self
        )
        return paginator.get_paginated_response(TemplateSummarySerializer(page, many=True).data)


class TemplateListApi(TemplatesListBase):
    """Programs you may see; create one with its whole nested program."""

    @extend_schema(parameters=LIST_PARAMETERS, responses=TemplateSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(request=TemplateInputSerializer, responses={201: TemplateDetailSerializer})
    def post(self, request: Request) -> Response:
        template = services.template_create(owner=request.user, document=_document(request))
        return Response(_detail(request, template), status=status.HTTP_201_CREATED)


class MyTemplatesApi(TemplatesListBase):
    """Your own programs."""

    def base_queryset(self, request: Request):
        return super().base_queryset(request).filter(owner=request.user)

    @extend_schema(parameters=LIST_PARAMETERS, responses=TemplateSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.list(request)


class PublicTemplatesApi(TemplatesListBase):
    """Public programs."""

    def base_queryset(self, request: Request):
        return super().base_queryset(request).filter(visibility=Visibility.PUBLIC)

    @extend_schema(parameters=LIST_PARAMETERS, responses=TemplateSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.list(request)


class FeaturedTemplatesApi(TemplatesListBase):
    """Programs featured by trainers and moderators."""

    def base_queryset(self, request: Request):
        return super().base_queryset(request).filter(is_featured=True, visibility=Visibility.PUBLIC)

    @extend_schema(parameters=LIST_PARAMETERS, responses=TemplateSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.list(request)


class TemplateDetailApi(APIView):
    """One program, fully nested. PUT replaces it (owner, current version); DELETE is soft."""

    @extend_schema(responses=TemplateDetailSerializer)
    def get(self, request: Request, template_id: str) -> Response:
        return Response(
            _detail(request, selectors.template_get_visible(user=request.user, template_id=template_id))
        )

    @extend_schema(
        request=TemplateInputSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description='The version you edited, bare or quoted ("3"); or send `version` in the body.',
            )
        ],
        responses={
            200: TemplateDetailSerializer,
            400: ErrorEnvelopeSerializer,
            403: ErrorEnvelopeSerializer,
            404: ErrorEnvelopeSerializer,
            409: ErrorEnvelopeSerializer,
        },
        description="Owner only. Replaces the whole program. The version is required (body `version` "
        "or `If-Match`): missing → 400, stale → 409 with `current_version`.",
    )
    def put(self, request: Request, template_id: str) -> Response:
        template = selectors.template_get_visible(user=request.user, template_id=template_id)
        document = _document(request)
        version = _version_from(request, document.pop("version", None))
        template = services.template_replace(
            template=template, user=request.user, document=document, version=version
        )
        return Response(_detail(request, template))

    @extend_schema(
        responses={204: None, 403: ErrorEnvelopeSerializer, 404: ErrorEnvelopeSerializer},
        description="Soft delete by the owner, or by a moderator whatever the program's visibility.",
    )
    def delete(self, request: Request, template_id: str) -> Response:
        template = selectors.template_get_deletable(user=request.user, template_id=template_id)
        services.template_delete(template=template, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplateDuplicateApi(APIView):
    """A private copy of the program, owned by you."""

    @extend_schema(
        request=None,
        responses={201: TemplateDetailSerializer, 400: ErrorEnvelopeSerializer, 404: ErrorEnvelopeSerializer},
        description="400 naming each `days[i].exercises[j].exercise_id` when the program uses someone "
        "else's exercise still awaiting review, which you may not use; nothing is copied.",
    )
    def post(self, request: Request, template_id: str) -> Response:
        visible = selectors.template_get_visible(user=request.user, template_id=template_id)
        source = selectors.with_program(selectors.templates_visible_to(user=request.user)).get(pk=visible.pk)
        copy = services.template_duplicate(template=source, user=request.user)
        return Response(_detail(request, copy), status=status.HTTP_201_CREATED)


FavoriteSerializer = inline_serializer(
    "TemplateFavorite",
    {"is_favorite": serializers.BooleanField(), "favorite_count": serializers.IntegerField()},
)


class TemplateFavoriteApi(APIView):
    """Favourite or unfavourite; both are idempotent."""

    @extend_schema(request=None, responses={200: FavoriteSerializer})
    def post(self, request: Request, template_id: str) -> Response:
        template = selectors.template_get_visible(user=request.user, template_id=template_id)
        services.template_favorite(template=template, user=request.user)
        template.refresh_from_db(fields=["favorite_count"])
        return Response({"is_favorite": True, "favorite_count": template.favorite_count})

    @extend_schema(responses={204: None})
    def delete(self, request: Request, template_id: str) -> Response:
        template = selectors.template_get_visible(user=request.user, template_id=template_id)
        services.template_unfavorite(template=template, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplateRateApi(APIView):
    """Rate a program from 1 to 5 (verified e-mail); rating again updates it."""

    permission_classes = [IsAuthenticated, IsEmailVerified]
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "rating"

    class InputSerializer(serializers.Serializer):
        score = serializers.IntegerField(min_value=1, max_value=5)
        review = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        my_rating = MyRatingSerializer()
        rating = RatingSummarySerializer()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, 201: OutputSerializer})
    def post(self, request: Request, template_id: str) -> Response:
        template = selectors.template_get_visible(user=request.user, template_id=template_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating, created = services.template_rate(template=template, user=request.user, **data.validated_data)
        template.refresh_from_db()
        body = {
            "my_rating": {"score": rating.score, "review": rating.review},
            "rating": rating_summary(template),
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class TemplateStatsApi(APIView):
    """Uses, completions, completion rate, average duration and rating, from counters."""

    @extend_schema(responses=TemplateStatsSerializer)
    def get(self, request: Request, template_id: str) -> Response:
        template = selectors.template_get_visible(user=request.user, template_id=template_id)
        return Response(_stats(template))
