"""Progress overview and analytics: `/api/v1/progress`, `/progress/strength`, `/analytics/*`.

Each view validates its query, calls one selector of `progress.analytics` and serialises the plain
result; the output serializers exist so the schema describes every field a client receives.
"""

from datetime import date
from uuid import UUID

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exercises.models import Exercise
from exercises.selectors import exercises_visible_to
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.errors import NotFoundError
from progress import analytics

MIN_DAY, MAX_DAY = date(1900, 1, 1), date(2200, 12, 31)


def _visible_exercise(request: Request, id_or_slug: str | None) -> Exercise | None:
    """The named exercise if the user may see it (404 otherwise), without its detail relations."""
    if not id_or_slug:
        return None
    try:
        lookup = Q(public_id=UUID(id_or_slug))
    except ValueError:
        lookup = Q(slug=id_or_slug)
    visible = exercises_visible_to(user_public_id=str(request.user.public_id))
    exercise = visible.filter(lookup).first()
    if exercise is None:
        raise NotFoundError("No such exercise.")
    return exercise


class AnalyticsWindowSerializer(serializers.Serializer):
    """`from` and `to` as dates; `from` is a Python keyword, hence `get_fields`."""

    to = serializers.DateField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs):
        for name in ("from", "to"):
            if name in attrs and not MIN_DAY <= attrs[name] <= MAX_DAY:
                raise serializers.ValidationError({name: [f"Must be between {MIN_DAY} and {MAX_DAY}."]})
        if "from" in attrs and "to" in attrs and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": ["Must not be after `to`."]})
        return attrs


WINDOW_PARAMETERS = [
    OpenApiParameter("from", date, description="First day (in your timezone), inclusive."),
    OpenApiParameter("to", date, description="Last day (in your timezone), inclusive; defaults to today."),
]


# --- Output shapes ----------------------------------------------------------------------------------


class AnalyticsTotalsSerializer(serializers.Serializer):
    workouts = serializers.IntegerField()
    volume_kg = serializers.FloatField()
    sets = serializers.IntegerField()
    reps = serializers.IntegerField()
    active_seconds = serializers.IntegerField()


class AnalyticsChangeSerializer(serializers.Serializer):
    workouts = serializers.FloatField(allow_null=True)
    volume_kg = serializers.FloatField(allow_null=True)
    sets = serializers.FloatField(allow_null=True)
    reps = serializers.FloatField(allow_null=True)
    active_seconds = serializers.FloatField(allow_null=True)


class AnalyticsMuscleShareSerializer(serializers.Serializer):
    muscle_group = serializers.CharField()
    name = serializers.CharField()
    volume_kg = serializers.FloatField()
    sets = serializers.FloatField()
    share = serializers.FloatField(help_text="Share of all volume credited to muscle groups, 0-1.")


class AnalyticsOverviewSerializer(serializers.Serializer):
    period = serializers.CharField()
    to = serializers.DateField()
    totals = AnalyticsTotalsSerializer()
    previous = AnalyticsTotalsSerializer(allow_null=True)
    change = AnalyticsChangeSerializer(
        allow_null=True, help_text="Percent change against the previous period."
    )
    muscles = AnalyticsMuscleShareSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(allow_null=True)
        return fields


class AnalyticsE1rmPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    e1rm = serializers.FloatField()


class AnalyticsExerciseStrengthSerializer(serializers.Serializer):
    exercise_id = serializers.CharField()
    name = serializers.CharField()
    current_e1rm = serializers.FloatField(allow_null=True)
    best_e1rm = serializers.FloatField(allow_null=True)
    trend_kg_per_week = serializers.FloatField(allow_null=True)
    points = AnalyticsE1rmPointSerializer(many=True)


class AnalyticsWindowedSerializer(serializers.Serializer):
    to = serializers.DateField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        return fields


class AnalyticsStrengthSerializer(AnalyticsWindowedSerializer):
    exercises = AnalyticsExerciseStrengthSerializer(many=True)


class AnalyticsValuePointSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.FloatField()


class AnalyticsRecordValueSerializer(serializers.Serializer):
    value = serializers.FloatField()
    achieved_at = serializers.DateTimeField()


class AnalyticsExerciseRefSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class ProgressStrengthSerializer(AnalyticsWindowedSerializer):
    exercise = AnalyticsExerciseRefSerializer(allow_null=True)
    metric = serializers.CharField()
    points = AnalyticsValuePointSerializer(many=True)
    bests = serializers.DictField(
        child=AnalyticsRecordValueSerializer(),
        help_text="Standing records by type: max_weight, e1rm, set_volume, …",
    )


class AnalyticsVolumeGroupSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Muscle group, or the exercise's id.")
    name = serializers.CharField()
    volume_kg = serializers.FloatField()
    sets = serializers.FloatField()


class AnalyticsVolumeBucketSerializer(serializers.Serializer):
    start = serializers.DateField()
    volume_kg = serializers.FloatField()
    sets = serializers.IntegerField()
    workouts = serializers.IntegerField()
    groups = AnalyticsVolumeGroupSerializer(many=True)


class AnalyticsVolumeSerializer(AnalyticsWindowedSerializer):
    group_by = serializers.CharField()
    by = serializers.CharField()
    buckets = AnalyticsVolumeBucketSerializer(many=True)


class AnalyticsWeekCountSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    workouts = serializers.IntegerField()


class AnalyticsConsistencySerializer(serializers.Serializer):
    score = serializers.FloatField(help_text="0-100: mean of min(1, workouts / target) over complete weeks.")
    target_per_week = serializers.IntegerField()
    weeks = serializers.IntegerField()


class AnalyticsFrequencySerializer(serializers.Serializer):
    weeks = AnalyticsWeekCountSerializer(many=True)
    average_per_week = serializers.FloatField()
    weekday_histogram = serializers.DictField(child=serializers.IntegerField())
    current_streak_days = serializers.IntegerField()
    longest_streak_days = serializers.IntegerField()
    current_streak_weeks = serializers.IntegerField()
    longest_streak_weeks = serializers.IntegerField()
    consistency = AnalyticsConsistencySerializer()


class AnalyticsRecentRecordSerializer(serializers.Serializer):
    type = serializers.CharField()
    exercise_id = serializers.CharField()
    exercise_name = serializers.CharField()
    value = serializers.FloatField()
    previous_value = serializers.FloatField()
    achieved_at = serializers.DateTimeField()


class AnalyticsWeightPointSerializer(serializers.Serializer):
    measured_at = serializers.DateTimeField()
    weight_kg = serializers.FloatField()


class AnalyticsBodyWeightSerializer(serializers.Serializer):
    current_kg = serializers.FloatField(allow_null=True)
    trend_kg_per_week = serializers.FloatField(allow_null=True)
    points = AnalyticsWeightPointSerializer(many=True)


class ProgressGoalSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    type = serializers.CharField()
    target_value = serializers.FloatField()
    current = serializers.FloatField(allow_null=True)
    percent = serializers.FloatField()
    on_track = serializers.BooleanField()
    projected_date = serializers.DateField(allow_null=True)
    deadline = serializers.DateField(allow_null=True)


class ProgressOverviewSerializer(serializers.Serializer):
    totals = AnalyticsTotalsSerializer()
    last_workout_day = serializers.DateField(allow_null=True)
    current_streak_days = serializers.IntegerField()
    longest_streak_days = serializers.IntegerField()
    current_streak_weeks = serializers.IntegerField()
    recent_records = AnalyticsRecentRecordSerializer(many=True)
    body_weight = AnalyticsBodyWeightSerializer()
    goals = ProgressGoalSerializer(many=True, help_text="Your active goals (ten at most), newest first.")


# --- Views ------------------------------------------------------------------------------------------


class ProgressOverviewApi(APIView):
    """Your training at a glance: totals, streaks, recent records, body-weight trend."""

    @extend_schema(responses=ProgressOverviewSerializer)
    def get(self, request: Request) -> Response:
        return Response(ProgressOverviewSerializer(analytics.progress_overview(user=request.user)).data)


class ProgressStrengthApi(APIView):
    """One exercise's strength series (your most trained one when none is named) and its records."""

    class FilterSerializer(AnalyticsWindowSerializer):
        exercise_id = serializers.CharField(required=False, max_length=100)
        metric = serializers.ChoiceField(list(analytics.STRENGTH_METRICS), default="e1rm")

    @extend_schema(
        parameters=[
            OpenApiParameter("exercise_id", str, description="Exercise id or slug."),
            OpenApiParameter("metric", str, enum=list(analytics.STRENGTH_METRICS)),
            *WINDOW_PARAMETERS,
        ],
        responses={200: ProgressStrengthSerializer, 404: ErrorEnvelopeSerializer},
    )
    def get(self, request: Request) -> Response:
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        exercise = _visible_exercise(request, data.get("exercise_id"))
        result = analytics.progress_strength(
            user=request.user,
            exercise=exercise or analytics.most_trained_exercise(user=request.user),
            metric=data["metric"],
            start=data.get("from"),
            end=data.get("to"),
        )
        return Response(ProgressStrengthSerializer(result).data)


class AnalyticsOverviewApi(APIView):
    """Totals of a period against the period before, and volume per muscle group."""

    class FilterSerializer(serializers.Serializer):
        period = serializers.ChoiceField(list(analytics.PERIOD_DAYS), default="week")

    @extend_schema(
        parameters=[OpenApiParameter("period", str, enum=list(analytics.PERIOD_DAYS))],
        responses=AnalyticsOverviewSerializer,
    )
    def get(self, request: Request) -> Response:
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = analytics.analytics_overview(user=request.user, period=query.validated_data["period"])
        return Response(AnalyticsOverviewSerializer(result).data)


class AnalyticsStrengthApi(APIView):
    """Estimated one-rep max (Epley) per training day with its trend in kg per week."""

    class FilterSerializer(AnalyticsWindowSerializer):
        exercise_id = serializers.CharField(required=False, max_length=100)
        limit = serializers.IntegerField(min_value=1, max_value=20, default=5)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "exercise_id", str, description="Exercise id or slug; default: your most trained."
            ),
            OpenApiParameter("limit", int, description="How many exercises without `exercise_id` (1-20)."),
            *WINDOW_PARAMETERS,
        ],
        responses={200: AnalyticsStrengthSerializer, 404: ErrorEnvelopeSerializer},
    )
    def get(self, request: Request) -> Response:
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = analytics.analytics_strength(
            user=request.user,
            exercise=_visible_exercise(request, data.get("exercise_id")),
            start=data.get("from"),
            end=data.get("to"),
            limit=data["limit"],
        )
        return Response(AnalyticsStrengthSerializer(result).data)


class AnalyticsVolumeApi(APIView):
    """Volume per day, week or month, split by muscle group or by exercise."""

    class FilterSerializer(AnalyticsWindowSerializer):
        group_by = serializers.ChoiceField(["day", "week", "month"], default="week")
        by = serializers.ChoiceField(["muscle", "exercise"], default="muscle")

    @extend_schema(
        parameters=[
            OpenApiParameter("group_by", str, enum=["day", "week", "month"]),
            OpenApiParameter("by", str, enum=["muscle", "exercise"]),
            *WINDOW_PARAMETERS,
        ],
        responses=AnalyticsVolumeSerializer,
    )
    def get(self, request: Request) -> Response:
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = analytics.analytics_volume(
            user=request.user,
            group_by=data["group_by"],
            by=data["by"],
            start=data.get("from"),
            end=data.get("to"),
        )
        return Response(AnalyticsVolumeSerializer(result).data)


class AnalyticsFrequencyApi(APIView):
    """Workouts per week, weekday histogram, streaks and consistency."""

    class FilterSerializer(serializers.Serializer):
        weeks = serializers.IntegerField(min_value=1, max_value=104, default=12)

    @extend_schema(
        parameters=[OpenApiParameter("weeks", int, description="Weeks to cover, this one included (1-104).")],
        responses=AnalyticsFrequencySerializer,
    )
    def get(self, request: Request) -> Response:
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = analytics.analytics_frequency(user=request.user, weeks=query.validated_data["weeks"])
        return Response(AnalyticsFrequencySerializer(result).data)
