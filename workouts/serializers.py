"""Serializers of workouts: the full document (also what offline sync sends back and forth)."""

from rest_framework import serializers

from workouts.models import Workout, WorkoutSet


class WorkoutSetSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    weight_kg = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)
    rpe = serializers.DecimalField(max_digits=3, decimal_places=1, coerce_to_string=False, allow_null=True)
    distance_m = serializers.DecimalField(
        max_digits=8, decimal_places=1, coerce_to_string=False, allow_null=True
    )

    class Meta:
        model = WorkoutSet
        fields = [
            "id",
            "index",
            "client_id",
            "set_type",
            "reps",
            "weight_kg",
            "rpe",
            "rir",
            "duration_s",
            "distance_m",
            "completed_at",
        ]


class WorkoutExerciseSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    client_id = serializers.UUIDField(allow_null=True)
    exercise_id = serializers.UUIDField(source="exercise.public_id")
    exercise_name = serializers.CharField(source="exercise.name")
    notes = serializers.CharField()
    sets = WorkoutSetSerializer(many=True)


class TotalsSerializer(serializers.Serializer):
    volume_kg = serializers.FloatField()
    sets = serializers.IntegerField()
    reps = serializers.IntegerField()


class PersonalRecordSerializer(serializers.Serializer):
    type = serializers.CharField()
    exercise_id = serializers.UUIDField()
    value = serializers.CharField()
    previous_value = serializers.CharField(allow_null=True)
    set_id = serializers.IntegerField(allow_null=True)


class WorkoutSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    template_id = serializers.SerializerMethodField()
    exercises = WorkoutExerciseSerializer(many=True)
    totals = serializers.SerializerMethodField()
    personal_records = serializers.SerializerMethodField()

    class Meta:
        model = Workout
        fields = [
            "id",
            "client_id",
            "template_id",
            "template_day",
            "name",
            "status",
            "started_at",
            "completed_at",
            "active_seconds",
            "notes",
            "visibility",
            "version",
            "last_seq",
            "rest_started_at",
            "rest_ends_at",
            "exercises",
            "totals",
            "personal_records",
            "created_at",
            "updated_at",
        ]

    def get_template_id(self, workout: Workout) -> serializers.UUIDField(allow_null=True):
        return str(workout.template.public_id) if workout.template_id and workout.template else None

    def get_totals(self, workout: Workout) -> TotalsSerializer:
        return {"volume_kg": float(workout.volume_kg), "sets": workout.total_sets, "reps": workout.total_reps}

    def get_personal_records(self, workout: Workout) -> PersonalRecordSerializer(many=True):
        exercise_ids = {item.exercise_id: item.exercise.public_id for item in workout.exercises.all()}
        return [
            {
                "type": record.type,
                "exercise_id": str(exercise_ids.get(record.exercise_id, "")),
                "value": str(record.value),
                "previous_value": str(record.previous_value) if record.previous_value is not None else None,
                "set_id": record.set_id,
            }
            for record in workout.personal_records.all()
            if record.previous_value is not None
        ]


class WorkoutSummarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    totals = serializers.SerializerMethodField()

    class Meta:
        model = Workout
        fields = [
            "id",
            "client_id",
            "name",
            "status",
            "started_at",
            "completed_at",
            "active_seconds",
            "visibility",
            "version",
            "totals",
            "created_at",
            "updated_at",
        ]

    def get_totals(self, workout: Workout) -> TotalsSerializer:
        return {"volume_kg": float(workout.volume_kg), "sets": workout.total_sets, "reps": workout.total_reps}


class LoggedSetInputSerializer(serializers.Serializer):
    client_id = serializers.UUIDField(required=False, allow_null=True)
    set_type = serializers.ChoiceField(WorkoutSet.SetType.choices, required=False)
    reps = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    weight_kg = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, max_value=1000, required=False
    )
    rpe = serializers.DecimalField(
        max_digits=3, decimal_places=1, min_value=1, max_value=10, required=False, allow_null=True
    )
    rir = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    duration_s = serializers.IntegerField(min_value=0, max_value=86400, required=False, allow_null=True)
    distance_m = serializers.DecimalField(
        max_digits=8, decimal_places=1, min_value=0, max_value=1000000, required=False, allow_null=True
    )
    completed_at = serializers.DateTimeField(required=False, allow_null=True)


class LoggedExerciseInputSerializer(serializers.Serializer):
    client_id = serializers.UUIDField(required=False, allow_null=True)
    exercise_id = serializers.UUIDField()
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    sets = LoggedSetInputSerializer(many=True, required=False, max_length=50)
