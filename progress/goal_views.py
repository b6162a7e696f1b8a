"""Goals and milestones: `/api/v1/goals/...` (API.md, Progress, goals and analytics).

Views parse, call `progress.goals` and serialize. Progress is computed for the whole page of goals
at once, so a list costs the same number of queries however many goals and milestones it shows.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fitai.api.pagination import PagePagination
from fitai.api.serializers import ErrorEnvelopeSerializer
from progress import goals
from progress.goal_serializers import GoalSerializer, MilestoneSerializer
from progress.models import Goal

# Wide enough for any type's target in lb; each type's own bounds are checked by `progress.goals`.
VALUE_LIMIT = 100_000_000


def _value(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12, decimal_places=3, min_value=-VALUE_LIMIT, max_value=VALUE_LIMIT, **kwargs
    )


def _weight(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=8, decimal_places=3, min_value=0, max_value=2500, **kwargs)


UNIT_HELP = "kg or lb for weights (converted to kg); % for body fat; free text for custom."
EXERCISE_HELP = "UUID or slug; required for lift_1rm and lift_reps, refused for other types."


def goal_document(request: Request, goal: Goal) -> dict:
    """The goal as GET returns it, read fresh with its milestones and progress."""
    fresh = goals.goal_get_for_user(user=request.user, goal_id=goal.public_id)
    return GoalSerializer(goals.goals_with_progress([fresh], user=request.user)[0]).data


class GoalListApi(APIView):
    """Your goals with their progress, newest first; set a new goal."""

    # Declared so the schema shows GET's paginated envelope, not a bare list.
    pagination_class = PagePagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(Goal.Status.choices, required=False)

    class InputSerializer(serializers.Serializer):
        type = serializers.ChoiceField(Goal.Type.choices)
        title = serializers.CharField(max_length=120)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        target_value = _value(help_text="In `unit`; lift_reps: the reps; workout_frequency: per week.")
        unit = serializers.CharField(max_length=16, required=False, allow_blank=True, help_text=UNIT_HELP)
        exercise_id = serializers.CharField(
            max_length=120, required=False, allow_null=True, help_text=EXERCISE_HELP
        )
        weight_kg = _weight(required=False, allow_null=True, help_text="lift_reps only (required there).")
        deadline = serializers.DateField(required=False, allow_null=True, help_text="Not in the past.")
        current_value = _value(required=False, allow_null=True, help_text="custom only: where you stand.")

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=Goal.Status.values)],
        responses=GoalSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = goals.goals_for_user(user=request.user, status=filters.validated_data.get("status"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        page = goals.goals_with_progress(page, user=request.user)
        return paginator.get_paginated_response(GoalSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: GoalSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal = goals.goal_create(user=request.user, **data.validated_data)
        return Response(goal_document(request, goal), status=status.HTTP_201_CREATED)


class GoalDetailApi(APIView):
    """One of your goals. PUT and PATCH change only the fields sent: abandon a goal, reactivate it
    while its deadline allows, or (custom goals only) set where you stand."""

    class UpdateSerializer(serializers.Serializer):
        type = serializers.ChoiceField(Goal.Type.choices, required=False, help_text="Cannot change.")
        title = serializers.CharField(max_length=120, required=False)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        target_value = _value(required=False)
        unit = serializers.CharField(max_length=16, required=False, allow_blank=True, help_text=UNIT_HELP)
        exercise_id = serializers.CharField(
            max_length=120, required=False, allow_null=True, help_text=EXERCISE_HELP
        )
        weight_kg = _weight(required=False, allow_null=True)
        deadline = serializers.DateField(required=False, allow_null=True)
        current_value = _value(required=False, allow_null=True, help_text="custom only.")
        status = serializers.ChoiceField(
            [Goal.Status.ACTIVE, Goal.Status.ABANDONED], required=False, help_text="Abandon or reactivate."
        )

    @extend_schema(responses=GoalSerializer)
    def get(self, request: Request, goal_id: str) -> Response:
        return Response(goal_document(request, goals.goal_get_for_user(user=request.user, goal_id=goal_id)))

    @extend_schema(request=UpdateSerializer, responses={200: GoalSerializer, 409: ErrorEnvelopeSerializer})
    def put(self, request: Request, goal_id: str) -> Response:
        goal = goals.goal_get_for_user(user=request.user, goal_id=goal_id)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal = goals.goal_update(goal=goal, **data.validated_data)
        return Response(goal_document(request, goal))

    @extend_schema(request=UpdateSerializer, responses={200: GoalSerializer, 409: ErrorEnvelopeSerializer})
    def patch(self, request: Request, goal_id: str) -> Response:
        return self.put(request, goal_id)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, goal_id: str) -> Response:
        goals.goal_delete(goal=goals.goal_get_for_user(user=request.user, goal_id=goal_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GoalMilestoneApi(APIView):
    """Add a milestone to an active goal; answers with the milestone (achieved at once if passed)."""

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=120)
        target_value = _value(help_text="In the goal's unit, between its start and its target.")
        due_date = serializers.DateField(required=False, allow_null=True)

    @extend_schema(
        request=InputSerializer, responses={201: MilestoneSerializer, 409: ErrorEnvelopeSerializer}
    )
    def post(self, request: Request, goal_id: str) -> Response:
        goal = goals.goal_get_for_user(user=request.user, goal_id=goal_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        milestone = goals.milestone_create(goal=goal, **data.validated_data)
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)
