"""The Workout sessions section of API.md: `/api/v1/workouts/...`."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exercises.selectors import exercises_visible_to
from fitai.api.exceptions import flatten_error_paths
from fitai.api.pagination import CursorPagination
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.errors import NotFoundError
from templates_app.selectors import template_get_visible
from workouts import selectors, services, sync
from workouts.models import Workout
from workouts.serializers import (
    LoggedExerciseInputSerializer,
    LoggedSetInputSerializer,
    PersonalRecordSerializer,
    WorkoutSerializer,
    WorkoutSetSerializer,
    WorkoutSummarySerializer,
)


class WorkoutPagination(CursorPagination):
    ordering = ("-created_at", "-id")


def document(request: Request, workout: Workout) -> dict:
    fresh = selectors.with_document(selectors.workouts_of(user=request.user)).get(pk=workout.pk)
    return WorkoutSerializer(fresh).data


class WorkoutListApi(APIView):
    """Your workouts, newest first; create a planned one (from a program day) or record a past one."""

    pagination_class = WorkoutPagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(Workout.Status.choices, required=False)
        to = serializers.DateTimeField(required=False)
        template_id = serializers.UUIDField(required=False)

        def get_fields(self):
            fields = super().get_fields()
            fields["from"] = serializers.DateTimeField(required=False)
            return fields

    class InputSerializer(serializers.Serializer):
        template_id = serializers.UUIDField(required=False, allow_null=True)
        template_day = serializers.IntegerField(min_value=0, max_value=27, required=False, allow_null=True)
        name = serializers.CharField(max_length=120, required=False, allow_blank=True)
        client_id = serializers.UUIDField(required=False, allow_null=True)
        notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        exercises = LoggedExerciseInputSerializer(many=True, required=False, max_length=50)
        status = serializers.ChoiceField([Workout.Status.PLANNED, Workout.Status.COMPLETED], required=False)
        started_at = serializers.DateTimeField(required=False)
        completed_at = serializers.DateTimeField(required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Workout.Status.values),
            OpenApiParameter("from", str, description="ISO 8601: created at or after."),
            OpenApiParameter("to", str, description="ISO 8601: created at or before."),
            OpenApiParameter("template_id", str),
        ],
        responses=WorkoutSummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        options = filters.validated_data
        workouts = selectors.workouts_of(user=request.user).select_related(None)
        if "status" in options:
            workouts = workouts.filter(status=options["status"])
        if "from" in options:
            workouts = workouts.filter(created_at__gte=options["from"])
        if "to" in options:
            workouts = workouts.filter(created_at__lte=options["to"])
        if "template_id" in options:
            workouts = workouts.filter(template__public_id=options["template_id"])
        paginator = WorkoutPagination()
        page = paginator.paginate_queryset(workouts, request, view=self)
        return paginator.get_paginated_response(WorkoutSummarySerializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        description=(
            "201 with a planned workout, or with a completed past one (`status: completed` plus "
            "`started_at` before `completed_at`, at most 7 days apart and not in the future). "
            "`template_id` + `template_day` prefill the day's exercises and target sets; "
            "`exercises` sent as well are appended after them (50 exercises at most in all). "
            "A `client_id` seen before returns that workout with 200 (a retry); if that workout "
            "was deleted since, 409 `deleted` with its `id` and `deleted_at`: the device should "
            "drop its copy, or create a new workout under a new `client_id`. An exercise you "
            "cannot use, a set `client_id` given twice, or times that do not add up are a 400 "
            "naming the field (`fields.exercises.<i>.exercise_id`, `fields.completed_at`, ...)."
        ),
        responses={
            200: WorkoutSerializer,
            201: WorkoutSerializer,
            400: ErrorEnvelopeSerializer,
            404: ErrorEnvelopeSerializer,
            409: ErrorEnvelopeSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        template_id = fields.pop("template_id", None)
        template = template_get_visible(user=request.user, template_id=template_id) if template_id else None
        workout, created = services.workout_create(owner=request.user, template=template, **fields)
        return Response(
            document(request, workout), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class WorkoutDetailApi(APIView):
    """One of your workouts; PUT merges an offline copy; DELETE leaves a tombstone that sync clients see."""

    class InputSerializer(serializers.Serializer):
        """The workout document as GET returns it (read-only keys ignored), plus its base version."""

        base_version = serializers.IntegerField(
            min_value=1,
            max_value=2_147_483_647,
            required=False,
            help_text="The version the offline copy started from; or send it as If-Match.",
        )
        name = serializers.CharField(max_length=120, required=False)
        notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        visibility = serializers.ChoiceField(Workout.Visibility.choices, required=False)
        status = serializers.ChoiceField(Workout.Status.choices, required=False)
        started_at = serializers.DateTimeField(required=False, allow_null=True)
        completed_at = serializers.DateTimeField(required=False, allow_null=True)
        active_seconds = serializers.IntegerField(min_value=0, max_value=7 * 86400, required=False)
        exercises = LoggedExerciseInputSerializer(many=True, required=False, max_length=50)

        def validate(self, attrs: dict) -> dict:
            header = self.context.get("if_match", "").strip().removeprefix("W/").strip('"')
            if header:
                if not (header.isascii() and header.isdigit() and 1 <= int(header) <= 2_147_483_647):
                    raise ValidationError({"If-Match": ["Send the workout's version number."]})
                if attrs.get("base_version", int(header)) != int(header):
                    raise ValidationError({"base_version": ["base_version and If-Match disagree."]})
                attrs["base_version"] = int(header)
            if "base_version" not in attrs:
                raise ValidationError({"base_version": ["Send base_version or an If-Match header."]})
            return attrs

    SyncConflict = inline_serializer(
        "WorkoutSyncConflict",
        {
            "error": inline_serializer(
                "WorkoutSyncConflictError",
                {
                    "code": serializers.ChoiceField(
                        [
                            "sync_conflict",
                            "base_too_old",
                            "unknown_version",
                            "deleted",
                            "illegal_transition",
                            "workout_running",
                        ]
                    ),
                    "message": serializers.CharField(),
                    "conflicts": serializers.ListField(
                        child=serializers.CharField(), required=False, help_text="Paths such as `name`."
                    ),
                    "server": WorkoutSerializer(required=False, help_text="The server's current copy."),
                    "deleted_at": serializers.DateTimeField(required=False),
                    "status": serializers.CharField(required=False),
                    "active_workout_id": serializers.UUIDField(required=False),
                },
            )
        },
    )

    @extend_schema(responses=WorkoutSerializer)
    def get(self, request: Request, workout_id: str) -> Response:
        return Response(
            document(request, selectors.workout_get_for_user(user=request.user, workout_id=workout_id))
        )

    @extend_schema(
        request=InputSerializer,
        parameters=[OpenApiParameter("If-Match", str, location=OpenApiParameter.HEADER, required=False)],
        responses={200: WorkoutSerializer, 409: SyncConflict},
    )
    def put(self, request: Request, workout_id: str) -> Response:
        workout = sync.workout_get_for_sync(user=request.user, workout_id=workout_id)  # 409 if deleted
        data = self.InputSerializer(
            data=request.data, context={"if_match": request.headers.get("If-Match", "")}
        )
        if not data.is_valid():
            raise ValidationError(flatten_error_paths(data.errors))
        fields = dict(data.validated_data)
        base_version = fields.pop("base_version")
        workout = sync.workout_sync(workout=workout, document=fields, base_version=base_version)
        return Response(document(request, workout))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, workout_id: str) -> Response:
        services.workout_delete(
            workout=selectors.workout_get_for_user(user=request.user, workout_id=workout_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkoutTransitionApi(APIView):
    """Move the session through its states; an illegal move is a 409."""

    action = "start"
    ACTIONS = {
        "start": services.workout_start,
        "pause": services.workout_pause,
        "resume": services.workout_resume,
        "complete": services.workout_complete,
    }

    class InputSerializer(serializers.Serializer):
        notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={200: WorkoutSerializer, 409: ErrorEnvelopeSerializer})
    def post(self, request: Request, workout_id: str) -> Response:
        workout = selectors.workout_get_for_user(user=request.user, workout_id=workout_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extra = data.validated_data if self.action == "complete" else {}
        workout = self.ACTIONS[self.action](workout=workout, **extra)
        return Response(document(request, workout))


class WorkoutSetApi(APIView):
    """Log or update the set at `set_index` of the exercise at `exercise_index`."""

    class InputSerializer(LoggedSetInputSerializer):
        exercise_index = serializers.IntegerField(min_value=0, max_value=49)

    SetResult = inline_serializer(
        "SetLogged", {"set": WorkoutSetSerializer(), "personal_records": PersonalRecordSerializer(many=True)}
    )

    @extend_schema(
        request=InputSerializer,
        description=(
            "`set_index` equal to the number of sets appends (50 sets at most); an existing index "
            "updates that set. An index beyond the end is allowed only with a `client_id`: the "
            "positions in between become planned sets that their own requests fill, so requests "
            "sent at once may arrive in any order (without a `client_id`, 409 `set_index_gap`). "
            "A `client_id` already logged returns that set unchanged. `personal_records` lists "
            "only the records this call set: an edit that beats nothing new returns `[]`."
        ),
        responses={
            200: SetResult,
            400: ErrorEnvelopeSerializer,
            404: ErrorEnvelopeSerializer,
            409: ErrorEnvelopeSerializer,
        },
    )
    def put(self, request: Request, workout_id: str, set_index: int) -> Response:
        workout = selectors.workout_get_for_user(user=request.user, workout_id=workout_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        exercise_index, client_id = fields.pop("exercise_index"), fields.pop("client_id", None)
        item, records = services.set_log(
            workout=workout,
            exercise_index=exercise_index,
            set_index=set_index,
            data=fields,
            client_id=client_id,
        )
        exercise_public_id = item.workout_exercise.exercise.public_id
        return Response(
            {
                "set": WorkoutSetSerializer(item).data,
                "personal_records": [services.record_payload(r, exercise_public_id) for r in records],
            }
        )


class WorkoutExerciseApi(APIView):
    """Swap the exercise, change its notes or replace its sets; index = length appends."""

    class InputSerializer(serializers.Serializer):
        exercise_id = serializers.UUIDField(required=False)
        notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
        sets = LoggedSetInputSerializer(many=True, required=False, max_length=50)

    @extend_schema(
        request=InputSerializer,
        description=(
            "`exercise_index` equal to the number of exercises appends one (`exercise_id` needed; "
            "50 exercises at most); a larger one is 409 `exercise_index_gap`. `sets` replaces the "
            "exercise's sets; a set `client_id` another exercise of the workout has, or one given "
            "twice, is a 400 on that set."
        ),
        responses={
            200: WorkoutSerializer,
            400: ErrorEnvelopeSerializer,
            404: ErrorEnvelopeSerializer,
            409: ErrorEnvelopeSerializer,
        },
    )
    def put(self, request: Request, workout_id: str, exercise_index: int) -> Response:
        workout = selectors.workout_get_for_user(user=request.user, workout_id=workout_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exercise = None
        if "exercise_id" in data.validated_data:
            usable = exercises_visible_to(user_public_id=str(request.user.public_id))
            exercise = usable.filter(public_id=data.validated_data["exercise_id"]).first()
            if exercise is None:
                raise NotFoundError("No such exercise.")
        services.exercise_put(
            workout=workout,
            exercise_index=exercise_index,
            exercise=exercise,
            notes=data.validated_data.get("notes"),
            sets=data.validated_data.get("sets"),
        )
        return Response(document(request, workout))


class WorkoutRestApi(APIView):
    """Start a rest timer, stamped by the server and pushed to every open device."""

    class InputSerializer(serializers.Serializer):
        seconds = serializers.IntegerField(min_value=5, max_value=900)
        exercise_index = serializers.IntegerField(min_value=0, max_value=49, required=False, allow_null=True)

    RestResult = inline_serializer(
        "RestStarted", {"started_at": serializers.DateTimeField(), "ends_at": serializers.DateTimeField()}
    )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: RestResult,
            400: ErrorEnvelopeSerializer,
            404: ErrorEnvelopeSerializer,
            409: ErrorEnvelopeSerializer,
        },
    )
    def post(self, request: Request, workout_id: str) -> Response:
        workout = selectors.workout_get_for_user(user=request.user, workout_id=workout_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workout = services.rest_start(workout=workout, **data.validated_data)
        return Response({"started_at": workout.rest_started_at, "ends_at": workout.rest_ends_at})


class WorkoutShareApi(APIView):
    """Share the workout with friends or everyone (the community feed picks it up)."""

    class InputSerializer(serializers.Serializer):
        visibility = serializers.ChoiceField([Workout.Visibility.FRIENDS, Workout.Visibility.PUBLIC])
        message = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(
        request=InputSerializer,
        responses={201: WorkoutSummarySerializer, 400: ErrorEnvelopeSerializer, 404: ErrorEnvelopeSerializer},
    )
    def post(self, request: Request, workout_id: str) -> Response:
        workout = selectors.workout_get_for_user(user=request.user, workout_id=workout_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workout = services.workout_share(workout=workout, **data.validated_data)
        return Response(WorkoutSummarySerializer(workout).data, status=status.HTTP_201_CREATED)


class SharedWorkoutsApi(APIView):
    """Workouts your friends shared with friends, and public ones."""

    pagination_class = WorkoutPagination

    @extend_schema(responses=WorkoutSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        paginator = WorkoutPagination()
        page = paginator.paginate_queryset(
            selectors.workouts_shared_with(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(WorkoutSummarySerializer(page, many=True).data)


class WorkoutEventsApi(APIView):
    """Your workouts that changed after a cursor, each in its latest state, for incremental sync."""

    class FilterSerializer(serializers.Serializer):
        since = serializers.CharField(
            required=False, max_length=500, help_text="The `cursor` of the previous page; none starts over."
        )
        limit = serializers.IntegerField(
            min_value=1, max_value=500, default=100, help_text="Changes per page."
        )

    class EventSerializer(serializers.Serializer):
        type = serializers.ChoiceField(["updated", "deleted"])
        workout = WorkoutSerializer(required=False, help_text="With `updated`: the whole workout.")
        id = serializers.UUIDField(required=False, help_text="With `deleted`: the workout's id.")
        deleted_at = serializers.DateTimeField(required=False, help_text="With `deleted`.")

    Page = inline_serializer(
        "WorkoutEventsPage",
        {
            "events": EventSerializer(many=True),
            "cursor": serializers.CharField(help_text="Opaque: send it as `since` next time."),
            "has_more": serializers.BooleanField(),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=Page)
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = sync.workout_events(user=request.user, **filters.validated_data)
        events = [
            {"type": "deleted", "id": workout.public_id, "deleted_at": workout.deleted_at}
            if workout.deleted_at
            else {"type": "updated", "workout": workout}
            for workout in page.workouts
        ]
        return Response(
            {
                "events": self.EventSerializer(events, many=True).data,
                "cursor": page.cursor,
                "has_more": page.has_more,
            }
        )
