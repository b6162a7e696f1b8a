"""Recommendations API: `GET /ai/recommendations` and `PUT /ai/recommendations/:id/feedback`."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ai import recommendations
from ai.models import Recommendation, RecommendationFeedback
from ai.recommendation_serializers import (
    RecommendationFeedbackSerializer,
    RecommendationListSerializer,
    served_data,
)
from fitai.api.serializers import ErrorEnvelopeSerializer


class RecommendationListApi(APIView):
    """Exercises or programs picked for the signed-in user, best first, each with its reason."""

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(Recommendation.Kind.choices, default=Recommendation.Kind.EXERCISE)
        limit = serializers.IntegerField(min_value=1, max_value=recommendations.MAX_LIMIT, default=10)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=Recommendation.Kind.values, description="Default `exercise`."),
            OpenApiParameter("limit", int, description="1 to 50, default 10."),
        ],
        responses={200: RecommendationListSerializer, 400: ErrorEnvelopeSerializer},
        description=(
            "Collaborative results (item-item similarity over everyone's logged workouts, programs, "
            "favourites and ratings) come first, then content-based (muscle groups you train, your "
            "level), then popular ones. Each result is stored: its `id` takes feedback. A thumbs-down "
            "hides the item from later results; a thumbs-up favours similar items."
        ),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        served = recommendations.recommendations_for(user=request.user, **filters.validated_data)
        results = [served_data(item) for item in served]
        # One page, ranked: the list shape of every other endpoint, with `limit` as its size.
        return Response(
            {"count": len(results), "next": None, "previous": None, "provider": "rules", "results": results}
        )


class RecommendationFeedbackApi(APIView):
    """Thumbs up or down on one of your recommendations, and whether you took it up."""

    class InputSerializer(serializers.Serializer):
        rating = serializers.ChoiceField(RecommendationFeedback.Rating.choices)
        accepted = serializers.BooleanField(
            required=False, allow_null=True, help_text="You used it; omitted keeps the earlier answer."
        )
        comment = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: RecommendationFeedbackSerializer,
            400: ErrorEnvelopeSerializer,
            404: ErrorEnvelopeSerializer,
        },
    )
    def put(self, request: Request, recommendation_id: str) -> Response:
        recommendation = recommendations.recommendation_get_for_user(
            user=request.user, recommendation_id=recommendation_id
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = recommendations.recommendation_feedback(
            recommendation=recommendation, **data.validated_data
        )
        return Response(RecommendationFeedbackSerializer(feedback).data)
