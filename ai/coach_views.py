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
    COACH_FIELDS,
    EXPERIENCE_LEVELS,
    GOALS,
    GeneratedProgramSerializer,
    GeneratedWorkoutSerializer,
    GoalAssessmentSerializer,
    ProgramOptimizationSerializer,
    SuggestionsSerializer,
)
from exercises.serializers import rating_summary
from fitai.api.exceptions import flatten_error_paths
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import ScopedRateThrottle, UserRateThrottle
from progress.goals import TYPES as GOAL_TYPES
from progress.models import Goal
from templates_app.selectors import templates_visible_to, viewer_marks, with_program
from templates_app.serializers import TemplateDetailSerializer
from templates_app.services import template_stats

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


def _program_detail(*, user, template) -> dict:
    """The program as `GET /templates/:id` answers it: the programs app's selectors and serializer."""
    template = with_program(templates_visible_to(user=user)).get(pk=template.pk)
    is_favorite, rating = viewer_marks(user=user, template=template)
    stats = {**template_stats(template=template), "rating": rating_summary(template)}
    context = {"is_favorite": is_favorite, "my_rating": rating, "stats": stats}
    return TemplateDetailSerializer(template, context=context).data


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
                # The same bounds as a saved goal of this type (`progress.goals.TYPES`).
                spec = GOAL_TYPES[attrs["type"]]
                if not spec.low <= attrs["target_value"] <= spec.high:
                    unit = f" {spec.unit}" if spec.unit else ""
                    raise serializers.ValidationError(
                        {
                            "target_value": [
                                f"A {attrs['type']} target must be between {spec.low} and {spec.high}{unit}."
                            ]
                        }
                    )
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
        description=(
            "201 with the program as `GET /templates/:id` returns it, plus the coach's `provider`, "
            '`fallback_reason`, `source: "ai"`, `rationale`, `warnings` and `weekly_sets_per_group`, in '
            "one object."
        ),
        responses={201: GeneratedProgramSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        fields = _parse(self.InputSerializer, request)
        answer, template = coach.program_generate(
            user=request.user, **{**fields, "experience_level": fields.get("experience_level")}
        )
        coach_fields = {name: answer[name] for name in COACH_FIELDS}
        return Response(
            {**_program_detail(user=request.user, template=template), **coach_fields},
            status=status.HTTP_201_CREATED,
        )


class ProgramOptimizeApi(AIApi):
    """Changes to your program from your logged workouts, as a diff; `apply: true` saves them."""

    class InputSerializer(serializers.Serializer):
        apply = serializers.BooleanField(default=False)
        injuries = _words(max_items=10, max_length=80)
        experience_level = serializers.ChoiceField(EXPERIENCE_LEVELS, required=False)

    @extend_schema(
        request=InputSerializer,
        description=(
            "`injuries`: no exercise they contraindicate is proposed, and the edited program passes the "
            "same safety validator as a generated one before `apply` saves it. `experience_level` sets the "
            "volume caps (default: your profile's fitness level); only muscle groups a change increases "
            "are held to the weekly cap, counting working sets."
        ),
        responses={
            200: ProgramOptimizationSerializer,
            404: ErrorEnvelopeSerializer,
            409: ErrorEnvelopeSerializer,
            **ERRORS,
        },
    )
    def post(self, request: Request, template_id: str) -> Response:
        fields = _parse(self.InputSerializer, request)
        answer = coach.program_optimize(
            user=request.user,
            template_id=template_id,
            apply=fields["apply"],
            injuries=fields["injuries"],
            experience_level=fields.get("experience_level"),
        )
        return Response(ProgramOptimizationSerializer(answer).data)
