"""Workouts in the admin: a read-only look for staff support.

Workouts, their sets and personal records are written only by `workouts.services` (the API, the
live socket and the workout pages), which keep the version, the sync change feed, the live event
log and the records consistent; an admin edit or a hard delete would bypass all of that. So staff
with the view permission may look and nothing else. Django cannot nest inlines: a workout shows
its exercises inline, and each exercise's sets are on the exercise's own page, reached by the
inline's "view" link.
"""

from django.contrib import admin
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest

from workouts.models import PersonalRecord, Workout, WorkoutExercise, WorkoutSet


class ViewOnlyMixin:
    """Staff look; the services write."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ViewOnlyInline(ViewOnlyMixin, admin.TabularInline):
    """A part of a workout: whoever may see workouts may see it."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("workouts.view_workout")


class WorkoutExerciseInline(ViewOnlyInline):
    model = WorkoutExercise
    fields = ("index", "exercise", "set_count", "notes")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[WorkoutExercise]:
        return super().get_queryset(request).select_related("exercise").annotate(set_total=Count("sets"))

    @admin.display(description="sets")
    def set_count(self, item: WorkoutExercise) -> int:
        return item.set_total


class WorkoutSetInline(ViewOnlyInline):
    model = WorkoutSet
    fk_name = "workout_exercise"
    fields = (
        "index",
        "set_type",
        "reps",
        "weight_kg",
        "rpe",
        "rir",
        "duration_s",
        "distance_m",
        "completed_at",
    )
    readonly_fields = fields


@admin.register(Workout)
class WorkoutAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Anyone's workouts, to answer "where did my session go?" without touching it."""

    actions = None
    list_display = ("name", "owner", "status", "started_at", "completed_at", "volume_kg", "total_sets")
    list_filter = ("status", "visibility")
    list_select_related = ("owner",)
    search_fields = ("owner__email", "name")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    inlines = (WorkoutExerciseInline,)
    fieldsets = (
        (None, {"fields": ("public_id", "name", "owner", "status", "template", "template_day", "notes")}),
        (
            "Times",
            {"fields": ("started_at", "paused_at", "resumed_at", "completed_at", "active_seconds")},
        ),
        ("Totals", {"fields": ("volume_kg", "total_sets", "total_reps")}),
        ("Sharing", {"fields": ("visibility", "shared_at", "share_message")}),
        (
            "Sync",
            {"fields": ("client_id", "version", "last_seq", "created_at", "updated_at", "deleted_at")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Workout]:
        return super().get_queryset(request).select_related("owner", "template")


@admin.register(WorkoutExercise)
class WorkoutExerciseAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """One exercise of a workout with its sets; opened from the workout's page."""

    list_display = ("__str__", "workout", "exercise")
    list_select_related = ("workout", "exercise")
    search_fields = ("workout__name", "workout__owner__email")
    fields = ("workout", "index", "exercise", "notes", "client_id")
    readonly_fields = fields
    inlines = (WorkoutSetInline,)

    def get_model_perms(self, request: HttpRequest) -> dict[str, bool]:
        return {}  # not on the admin index: exercises are opened from their workout

    def has_view_permission(self, request: HttpRequest, obj: WorkoutExercise | None = None) -> bool:
        return request.user.has_perm("workouts.view_workout")

    def get_queryset(self, request: HttpRequest) -> QuerySet[WorkoutExercise]:
        sets = WorkoutSet.objects.order_by("index")
        return (
            super()
            .get_queryset(request)
            .select_related("workout", "exercise")
            .prefetch_related(Prefetch("sets", queryset=sets))
        )


@admin.register(PersonalRecord)
class PersonalRecordAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Records are derived from logged sets by `workouts.records`: staff look only."""

    actions = None
    list_display = ("user", "exercise", "type", "value", "previous_value", "is_current", "achieved_at")
    list_filter = ("type", "is_current")
    list_select_related = ("user", "exercise")
    search_fields = ("user__email", "exercise__name")
    ordering = ("-achieved_at",)
    date_hierarchy = "achieved_at"
    fields = (
        "user",
        "exercise",
        "type",
        "value",
        "previous_value",
        "weight_kg",
        "workout",
        "set",
        "achieved_at",
        "is_current",
    )
    readonly_fields = fields
