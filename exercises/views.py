"""The Exercises section of API.md: `/api/v1/exercises/...`.

Reads are cache-aside (versioned keys, see `exercises.cache`) with ETags: a repeated request costs
no SQL, and a conditional one with a current ETag is answered 304.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from exercises import selectors, services
from exercises.cache import cache_key, cached
from exercises.filters import ExerciseFilter
from exercises.models import Equipment, Exercise, Muscle
from exercises.search import search_exercise_ids
from exercises.serializers import (
    EquipmentSerializer,
    ExerciseDetailSerializer,
    ExerciseListSerializer,
    MuscleSerializer,
    MyRatingSerializer,
    RatingSummarySerializer,
    rating_summary,
)
from fitai.api.authentication import StatelessReadsMixin
from fitai.api.pagination import PagePagination
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import ScopedRateThrottle, UserRateThrottle
from fitai.errors import NotFoundError

NOT_MODIFIED = {304: None}


def _viewer_id(request: Request) -> str | None:
    """The viewer's public id, from the token (reads) or the user row (writes)."""
    user = request.user
    return str(getattr(user, "public_id", None) or user.id) if user.is_authenticated else None


def _has_own_submissions(viewer_id: str | None) -> bool:
    """Whether the viewer's lists differ from everyone's (own pending or rejected exercises)."""
    if not viewer_id:
        return False
    key, _ = cache_key("submitter", viewer_id)
    return cached(
        key,
        lambda: (
            Exercise.objects.alive()
            .filter(created_by__public_id=viewer_id)
            .exclude(status=Exercise.Status.APPROVED)
            .exists()
        ),
    )


def cached_response(
    request: Request, kind: str, build: Callable[[], Any], *, per_viewer: bool = False
) -> Response:
    """Answer from the cache, or build and cache; honour If-None-Match with 304."""
    viewer = _viewer_id(request)
    scope = viewer if (per_viewer or _has_own_submissions(viewer)) else "everyone"
    key, etag = cache_key(kind, request.get_host(), request.get_full_path(), scope)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in request.headers.get("If-None-Match", ""):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(cached(key, build), headers=headers)


def _filtered(request: Request, **preset: Any) -> tuple[Any, str | None]:
    visible = selectors.exercises_visible_to(user_public_id=_viewer_id(request))
    params = request.query_params.copy()
    for name, value in preset.items():
        params[name] = value
    filters = ExerciseFilter(params, queryset=visible)
    if not filters.is_valid():
        raise ValidationError(filters.errors)
    return filters.qs, filters.form.cleaned_data.get("ordering")


def _page(request: Request, view: APIView, exercises) -> dict:
    paginator = PagePagination()
    page = paginator.paginate_queryset(selectors.with_relations(exercises), request, view=view)
    return paginator.get_paginated_response(ExerciseListSerializer(page, many=True).data).data


FILTER_PARAMETERS = [
    OpenApiParameter("muscle", str, description="Muscle slug (primary or secondary)."),
    OpenApiParameter("equipment", str, description="Equipment slug."),
    OpenApiParameter("category", str, enum=Exercise.Category.values),
    OpenApiParameter("difficulty", str, enum=Exercise.Difficulty.values),
    OpenApiParameter("mechanics", str, enum=Exercise.Mechanics.values),
]
ORDERING_PARAMETER = OpenApiParameter("ordering", str, enum=list(selectors.ORDERINGS))


class ExerciseInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    instructions = serializers.ListField(
        child=serializers.CharField(max_length=1000), min_length=1, max_length=30, help_text="Ordered steps."
    )
    primary_muscles = serializers.ListField(child=serializers.SlugField(), min_length=1, max_length=10)
    secondary_muscles = serializers.ListField(child=serializers.SlugField(), max_length=15, required=False)
    equipment = serializers.ListField(child=serializers.SlugField(), max_length=10, required=False)
    category = serializers.ChoiceField(Exercise.Category.choices, required=False)
    mechanics = serializers.ChoiceField(Exercise.Mechanics.choices, allow_blank=True, required=False)
    force = serializers.ChoiceField(Exercise.Force.choices, allow_blank=True, required=False)
    difficulty = serializers.ChoiceField(Exercise.Difficulty.choices, required=False)
    media = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(max_length=500)),
        max_length=10,
        required=False,
        help_text="Links shown to people, never fetched by the server: {type, url, title}.",
    )
    safety_notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    contraindications = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=20, required=False
    )
    variations = serializers.ListField(child=serializers.UUIDField(), max_length=20, required=False)

    def validate_media(self, media: list[dict]) -> list[dict]:
        for link in media:
            url = link.get("url", "")
            if not url.startswith(("https://", "http://")):
                raise serializers.ValidationError("Each media link needs an http(s) url.")
        return [{key: link.get(key, "") for key in ("type", "url", "title")} for link in media]


class ExerciseUpdateSerializer(ExerciseInputSerializer):
    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class ExerciseListApi(StatelessReadsMixin, APIView):
    """Approved exercises plus your own submissions; submit a new one (verified e-mail)."""

    pagination_class = PagePagination

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated(), IsEmailVerified()]
        return [IsAuthenticated()]

    @extend_schema(
        parameters=[*FILTER_PARAMETERS, ORDERING_PARAMETER],
        responses={200: ExerciseListSerializer(many=True), **NOT_MODIFIED},
    )
    def get(self, request: Request) -> Response:
        def build() -> dict:
            exercises, ordering = _filtered(request)
            return _page(request, self, selectors.exercises_ordered(exercises, ordering))

        return cached_response(request, "list", build)

    @extend_schema(
        request=ExerciseInputSerializer,
        responses={201: ExerciseDetailSerializer, 409: ErrorEnvelopeSerializer},
    )
    def post(self, request: Request) -> Response:
        data = ExerciseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exercise = services.exercise_create(user=request.user, **data.validated_data)
        exercise = selectors.exercise_get_visible(
            id_or_slug=str(exercise.public_id), visible=Exercise.objects.filter(pk=exercise.pk)
        )
        return Response(ExerciseDetailSerializer(exercise).data, status=status.HTTP_201_CREATED)


class ExerciseSearchApi(StatelessReadsMixin, APIView):
    """Full-text, typo-tolerant search, combinable with the filters, best match first."""

    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "search"
    pagination_class = PagePagination

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="1 to 100 characters."),
            *FILTER_PARAMETERS,
        ],
        responses={200: ExerciseListSerializer(many=True), **NOT_MODIFIED},
    )
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        if not q or len(q) > 100:
            raise ValidationError({"q": ["Search for 1 to 100 characters."]})

        def build() -> dict:
            exercises, _ = _filtered(request)
            ids = search_exercise_ids(q=q, queryset=exercises)
            paginator = PagePagination()
            page_ids = paginator.paginate_queryset(ids, request, view=self)
            found = selectors.with_relations(Exercise.objects.filter(pk__in=page_ids)).in_bulk()
            rows = [found[pk] for pk in page_ids if pk in found]
            return paginator.get_paginated_response(ExerciseListSerializer(rows, many=True).data).data

        return cached_response(request, "search", build)


class ExercisePopularApi(StatelessReadsMixin, APIView):
    """Most used and best rated, with time decay; never empty while the library has exercises."""

    pagination_class = PagePagination

    @extend_schema(
        parameters=[OpenApiParameter("period", str, enum=["week", "month", "all"])],
        responses={200: ExerciseListSerializer(many=True), **NOT_MODIFIED},
    )
    def get(self, request: Request) -> Response:
        period = request.query_params.get("period", "all")
        if period not in {"week", "month", "all"}:
            raise ValidationError({"period": ["One of week, month, all."]})
        return cached_response(
            request, "popular", lambda: _page(request, self, selectors.exercises_popular(period=period))
        )


class ExercisesByCatalogApi(StatelessReadsMixin, APIView):
    """Exercises that train one muscle or use one piece of equipment, by slug."""

    catalog: type[Muscle] | type[Equipment]
    filter_name: str
    pagination_class = PagePagination

    @extend_schema(
        parameters=[*FILTER_PARAMETERS[2:], ORDERING_PARAMETER],
        responses={200: ExerciseListSerializer(many=True), **NOT_MODIFIED},
    )
    def get(self, request: Request, slug: str) -> Response:
        def build() -> dict:
            # The filter resolves the slug (one query): an unknown one is its error, answered 404.
            try:
                exercises, ordering = _filtered(request, **{self.filter_name: slug})
            except ValidationError as error:
                if self.filter_name in getattr(error, "error_dict", {}):
                    raise NotFoundError(f"No {self.filter_name} called {slug!r}.") from None
                raise
            return _page(request, self, selectors.exercises_ordered(exercises, ordering))

        return cached_response(request, f"by-{self.filter_name}", build)


class ExercisesByMuscleApi(ExercisesByCatalogApi):
    catalog, filter_name = Muscle, "muscle"


class ExercisesByEquipmentApi(ExercisesByCatalogApi):
    catalog, filter_name = Equipment, "equipment"


class MuscleCatalogApi(StatelessReadsMixin, APIView):
    """Every muscle, for filter pickers."""

    @extend_schema(
        operation_id="exercises_muscle_catalog", responses={200: MuscleSerializer(many=True), **NOT_MODIFIED}
    )
    def get(self, request: Request) -> Response:
        return cached_response(
            request, "muscles", lambda: MuscleSerializer(selectors.muscles_all(), many=True).data
        )


class EquipmentCatalogApi(StatelessReadsMixin, APIView):
    """Every piece of equipment, for filter pickers."""

    @extend_schema(
        operation_id="exercises_equipment_catalog",
        responses={200: EquipmentSerializer(many=True), **NOT_MODIFIED},
    )
    def get(self, request: Request) -> Response:
        return cached_response(
            request, "equipment", lambda: EquipmentSerializer(selectors.equipment_all(), many=True).data
        )


class ExerciseDetailApi(StatelessReadsMixin, APIView):
    """One exercise by id or slug. Edit: the creator while pending or rejected, moderators always."""

    @extend_schema(responses={200: ExerciseDetailSerializer, **NOT_MODIFIED})
    def get(self, request: Request, id_or_slug: str) -> Response:
        def build() -> dict:
            visible = selectors.exercises_visible_to(user_public_id=_viewer_id(request))
            return ExerciseDetailSerializer(
                selectors.exercise_get_visible(id_or_slug=id_or_slug, visible=visible)
            ).data

        response = cached_response(request, "detail", build)
        if response.status_code == status.HTTP_200_OK:
            rating = selectors.my_rating_for(
                exercise_public_id=response.data["id"], user_public_id=_viewer_id(request)
            )
            response.data = {**response.data, "my_rating": rating}
        return response

    @extend_schema(request=ExerciseUpdateSerializer, responses={200: ExerciseDetailSerializer})
    def put(self, request: Request, id_or_slug: str) -> Response:
        exercise = self._own_view(request, id_or_slug)
        data = ExerciseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.exercise_update(exercise=exercise, user=request.user, **data.validated_data)
        return Response(ExerciseDetailSerializer(self._own_view(request, str(exercise.public_id))).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, id_or_slug: str) -> Response:
        services.exercise_delete(exercise=self._own_view(request, id_or_slug), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _own_view(self, request: Request, id_or_slug: str) -> Exercise:
        visible = selectors.exercises_visible_to(
            user_public_id=str(request.user.public_id), is_moderator=services.is_moderator(request.user)
        )
        return selectors.exercise_get_visible(id_or_slug=id_or_slug, visible=visible)


class ExerciseRateApi(APIView):
    """Rate an approved exercise from 1 to 5 (verified e-mail); rating again updates your rating."""

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
    def post(self, request: Request, id_or_slug: str) -> Response:
        visible = selectors.exercises_visible_to(user_public_id=str(request.user.public_id))
        exercise = selectors.exercise_get_visible(id_or_slug=id_or_slug, visible=visible)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating, created = services.exercise_rate(exercise=exercise, user=request.user, **data.validated_data)
        exercise.refresh_from_db()
        body = {
            "my_rating": {"score": rating.score, "review": rating.review},
            "rating": rating_summary(exercise),
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
