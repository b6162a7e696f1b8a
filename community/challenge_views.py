"""Challenges and leaderboards: `/api/v1/community/challenges...` and `/community/leaderboard`.

Views parse, call `community.challenges` or `community.leaderboards` and serialize; the rules
(visibility, scoring, ranks, privacy) are documented in those modules.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from community import challenges, leaderboards
from community.challenge_serializers import (
    ChallengeDetailSerializer,
    ChallengeSerializer,
    LeaderboardSerializer,
    leaderboard_data,
)
from community.models import Challenge
from fitai.api.pagination import PagePagination
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import ScopedRateThrottle, UserRateThrottle

DETAIL_BOARD_SIZE = 10


def challenge_document(request: Request, challenge: Challenge) -> dict[str, Any]:
    """The challenge as GET returns it: read fresh, with your participation and the top of its board."""
    user = request.user
    fresh = challenges.challenge_get_visible(user=user, challenge_id=challenge.public_id)
    board = leaderboards.leaderboard_for_challenge(viewer=user, challenge=fresh, limit=DETAIL_BOARD_SIZE)
    participation = None
    if fresh.is_joined and board.me is not None:
        joined_at = challenges.participation_of(challenge=fresh, user=user).joined_at
        target = fresh.target_value
        participation = {
            "score": board.me.value,
            "rank": board.me.rank,
            "joined_at": joined_at,
            "reached_target": None if target is None else board.me.value >= target,
        }
    fresh.participation = participation
    fresh.leaderboard = leaderboard_data(
        board, scope="global", metric=fresh.type, period=None, challenge=fresh
    )
    return ChallengeDetailSerializer(fresh, context={"today": challenges.today_of(user)}).data


class ChallengeListApi(APIView):
    """Challenges you may see (public ones, your friends' friends-only ones, yours and the ones you
    joined), newest start first; open a new one (verified e-mail; you join it at once)."""

    pagination_class = PagePagination
    throttle_scope = "post"

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(challenges.Status.ALL, required=False)
        joined = serializers.BooleanField(required=False, help_text="true: only yours; false: not joined.")

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=120)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        type = serializers.ChoiceField(Challenge.Type.choices)
        start_date = serializers.DateField(help_text="At most one year from today.")
        end_date = serializers.DateField(
            help_text="Not before start_date, not in the past, at most a year on."
        )
        exercise_id = serializers.CharField(
            max_length=120,
            required=False,
            allow_null=True,
            help_text="UUID or slug; required for exercise_volume, refused for other types.",
        )
        target_value = serializers.DecimalField(
            max_digits=12,
            decimal_places=2,
            required=False,
            allow_null=True,
            help_text="Optional goal in the type's unit (workouts, kg, sets, days); above 0.",
        )
        visibility = serializers.ChoiceField(
            Challenge.Visibility.choices, default=Challenge.Visibility.PUBLIC
        )

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated(), IsEmailVerified()]
        return [IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [UserRateThrottle(), ScopedRateThrottle()]
        return super().get_throttles()

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=list(challenges.Status.ALL)),
            OpenApiParameter("joined", bool),
        ],
        responses=ChallengeSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        # A plain dict: a missing `joined` stays missing instead of reading as false.
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        today = challenges.today_of(request.user)
        queryset = challenges.challenges_for_user(
            user=request.user,
            status=filters.validated_data.get("status"),
            joined=filters.validated_data.get("joined"),
            today=today,
        )
        paginator = PagePagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = ChallengeSerializer(page, many=True, context={"today": today}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=InputSerializer, responses={201: ChallengeDetailSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        challenge = challenges.challenge_create(user=request.user, **data.validated_data)
        return Response(challenge_document(request, challenge), status=status.HTTP_201_CREATED)


class ChallengeDetailApi(APIView):
    """One challenge: its rules, your participation and the top of its board."""

    @extend_schema(responses=ChallengeDetailSerializer)
    def get(self, request: Request, challenge_id: str) -> Response:
        challenge = challenges.challenge_get_visible(user=request.user, challenge_id=challenge_id)
        return Response(challenge_document(request, challenge))


class ChallengeJoinApi(APIView):
    """Join a challenge (repeating changes nothing); refused once it has ended (409)."""

    @extend_schema(
        request=None,
        responses={200: ChallengeDetailSerializer, 409: ErrorEnvelopeSerializer},
    )
    def post(self, request: Request, challenge_id: str) -> Response:
        challenge = challenges.challenge_get_joinable(user=request.user, challenge_id=challenge_id)
        challenges.challenge_join(user=request.user, challenge=challenge)
        return Response(challenge_document(request, challenge))


class LeaderboardApi(APIView):
    """A challenge's board (`challenge_id`) or a global/friends board by metric and period: the top
    `limit` entries and your own rank even outside them. Rules in `community.leaderboards`."""

    class FilterSerializer(serializers.Serializer):
        challenge_id = serializers.CharField(required=False, max_length=64)
        metric = serializers.ChoiceField(leaderboards.METRICS, required=False)
        period = serializers.ChoiceField(leaderboards.PERIODS, required=False)
        scope = serializers.ChoiceField(leaderboards.SCOPES, default="global")
        limit = serializers.IntegerField(
            min_value=1, max_value=leaderboards.MAX_LIMIT, default=leaderboards.DEFAULT_LIMIT
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if attrs.get("challenge_id") and ("metric" in attrs or "period" in attrs):
                raise serializers.ValidationError(
                    {"challenge_id": ["Ask for a challenge's board or for a metric and period, not both."]}
                )
            return attrs

    @extend_schema(
        parameters=[
            OpenApiParameter("challenge_id", str, description="A challenge's board (its standings)."),
            OpenApiParameter("metric", str, enum=list(leaderboards.METRICS), description="Default workouts."),
            OpenApiParameter("period", str, enum=list(leaderboards.PERIODS), description="Default week."),
            OpenApiParameter("scope", str, enum=list(leaderboards.SCOPES)),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": leaderboards.MAX_LIMIT},
                description="How many entries, default 10.",
            ),
        ],
        responses={200: LeaderboardSerializer, 404: ErrorEnvelopeSerializer},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        user = request.user
        if params.get("challenge_id"):
            challenge = challenges.challenge_get_visible(user=user, challenge_id=params["challenge_id"])
            board = leaderboards.leaderboard_for_challenge(
                viewer=user, challenge=challenge, scope=params["scope"], limit=params["limit"]
            )
            return Response(
                leaderboard_data(
                    board, scope=params["scope"], metric=challenge.type, period=None, challenge=challenge
                )
            )
        metric, period = params.get("metric", "workouts"), params.get("period", "week")
        board = leaderboards.leaderboard_global(
            viewer=user,
            metric=metric,
            period=period,
            scope=params["scope"],
            limit=params["limit"],
            today=challenges.today_of(user),
        )
        return Response(
            leaderboard_data(board, scope=params["scope"], metric=metric, period=period, challenge=None)
        )
