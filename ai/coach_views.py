"""The AI coach endpoints of API.md (section AI): workout generate, exercise suggest, goal optimise,
program generate and program optimise. Thin: parse, call `ai.coach`, answer.

All are throttled by the `ai` scope and count against the daily AI quota (429 with `Retry-After`
and `reset_at`).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ai import coach
from ai.coach_serializers import (
    EXPERIENCE_LEVELS,
    GOALS,
    GeneratedProgramSerializer,
    GeneratedWorkoutSerializer,
    GoalAssessmentSerializer,
    ProgramOptimizationSerializer,
    SuggestionsSerializer,
)
from fitai.api.exceptions import flatten_error_paths
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import ScopedRateThrottle, UserRateThrottle
from progress.models import Goal

ERRORS = {400: ErrorEnvelopeSerializer, 429: ErrorEnvelopeSerializer}
REASONS = ["no_equipment", "pain", "variety", "plateau", "busy"]


def _words(max_items: int = 20, max_length: int = 60) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=max_length), max_length=max_items, required=False, default=list
    )


def _parse(serializer_class, request: Request) -> dict:
    data = serializer_class(data=request.data)
    if not data.is_valid():
        raise ValidationError(flatten_error_paths(data.errors))
    return dict(data.validated_data)


class AIApi(APIView):
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "ai"


class WorkoutGenerateApi(AIApi):
    """One workout from library exercises, with sets, reps, rest, rationale and warnings."""

    class InputSerializer(serializers.Serializer):
        goal = serializers.ChoiceField(GOALS, default="general_fitness")
        duration_minutes = serializers.IntegerField(min_value=15, max_value=180, default=60)
        equipment = _words()
        focus = _words(max_items=10)
        experience_level = serializers.ChoiceField(EXPERIENCE_LEVELS, required=False)
        injuries = _words(max_items=10, max_length=80)
        save = serializers.BooleanField(default=False)

    @extend_schema(
        request=InputSerializer,
        description=(
            "`equipment`: slugs (barbell, dumbbell, ...), empty means bodyweight only. `focus`: muscle "
            "groups (legs, chest, back, shoulders, arms, core), muscles (biceps, ...) or full_body, upper, "
            "lower, push, pull; empty means full body. `experience_level` defaults to your profile's "
            "fitness level. `save: true` also creates a planned workout and answers 201 with `workout_id`."
        ),
        responses={200: GeneratedWorkoutSerializer, 201: GeneratedWorkoutSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        fields = _parse(self.InputSerializer, request)
        answer, workout = coach.workout_generate(
            user=request.user, **{**fields, "experience_level": fields.get("experience_level")}
        )
        return Response(
            GeneratedWorkoutSerializer(answer).data,
            status=status.HTTP_201_CREATED if workout is not None else status.HTTP_200_OK,
        )


class ExerciseSuggestApi(AIApi):
    """Ranked alternatives to an exercise, or exercises for a muscle, with reasons."""

    class InputSerializer(serializers.Serializer):
        exercise_id = serializers.CharField(max_length=120, required=False, help_text="UUID or slug.")
        muscle = serializers.CharField(
            max_length=40, required=False, help_text="Muscle slug or muscle group."
        )
        equipment = _words()
        reason = serializers.ChoiceField(REASONS)
        injuries = _words(max_items=10, max_length=80)
        experience_level = serializers.ChoiceField(EXPERIENCE_LEVELS, required=False)

        def validate(self, attrs: dict) -> dict:
            if not attrs.get("exercise_id") and not attrs.get("muscle"):
                raise serializers.ValidationError({"exercise_id": ["Send exercise_id or muscle."]})
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses={200: SuggestionsSerializer, 404: ErrorEnvelopeSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        fields = _parse(self.InputSerializer, request)
        answer = coach.exercise_suggest(user=request.user, **fields)
        return Response(SuggestionsSerializer(answer).data)


class GoalOptimizeApi(AIApi):
    """An assessment of one of your goals (`goal_id`) or of goal fields before you set it."""

    class InputSerializer(serializers.Serializer):
        goal_id = serializers.UUIDField(required=False)
        type = serializers.ChoiceField(Goal.Type.choices, required=False)
        target_value = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=-10_000_000, max_value=10_000_000, required=False
        )
        deadline = serializers.DateField(required=False, allow_null=True)
        exercise_id = serializers.CharField(max_length=120, required=False)

        def validate(self, attrs: dict) -> dict:
            if "goal_id" not in attrs:
                missing = {
                    f: ["Send goal_id, or type and target_value."]
                    for f in ("type", "target_value")
                    if f not in attrs
                }
                if missing:
                    raise serializers.ValidationError(missing)
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses={200: GoalAssessmentSerializer, 404: ErrorEnvelopeSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        fields = _parse(self.InputSerializer, request)
        if "goal_id" in fields:
            answer = coach.goal_optimize(user=request.user, goal_id=fields["goal_id"])
        else:
            answer = coach.goal_optimize(user=request.user, **fields)
        return Response(GoalAssessmentSerializer(answer).data)


class ProgramGenerateApi(AIApi):
    """A private program generated for you, with its rationale (`source: ai`)."""

    class InputSerializer(serializers.Serializer):
        goal = serializers.ChoiceField(GOALS, default="general_fitness")
        days_per_week = serializers.IntegerField(
            min_value=1, max_value=6, default=3, help_text="At most 6: keep a rest day."
        )
        session_minutes = serializers.IntegerField(min_value=15, max_value=180, default=60)
        equipment = _words()
        experience_level = serializers.ChoiceField(EXPERIENCE_LEVELS, required=False)
        weeks = serializers.IntegerField(min_value=1, max_value=52, default=8)
        injuries = _words(max_items=10, max_length=80)

    @extend_schema(
        request=InputSerializer,
        responses={201: GeneratedProgramSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        fields = _parse(self.InputSerializer, request)
        answer, _ = coach.program_generate(
            user=request.user, **{**fields, "experience_level": fields.get("experience_level")}
        )
        return Response(GeneratedProgramSerializer(answer).data, status=status.HTTP_201_CREATED)


class ProgramOptimizeApi(AIApi):
    """Changes to your program from your logged workouts, as a diff; `apply: true` saves them."""

    class InputSerializer(serializers.Serializer):
        apply = serializers.BooleanField(default=False)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ProgramOptimizationSerializer,
            404: ErrorEnvelopeSerializer,
            409: ErrorEnvelopeSerializer,
            **ERRORS,
        },
    )
    def post(self, request: Request, template_id: str) -> Response:
        fields = _parse(self.InputSerializer, request)
        answer = coach.program_optimize(user=request.user, template_id=template_id, apply=fields["apply"])
        return Response(ProgramOptimizationSerializer(answer).data)
