"""Workout programs in the admin: featuring, soft delete and restore, and a read-only look inside.

Trainers and moderators reach it as staff: migration 0002 gives their groups the view and change
permissions on programs. Featuring goes through `template_feature` (public programs only); soft
deletion through `template_delete`, for moderators. A program's content (days → exercises → sets)
is written by `template_create`/`template_replace` from the API and the builder page, so here it
is read-only: days are an inline of the program, and each day's exercises and sets are on the
day's own page (Django cannot nest inlines), reached by the inline's "view" link.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest

from fitai.api.permissions import MODERATOR
from fitai.errors import DomainError
from templates_app import services
from templates_app.forms import format_sets
from templates_app.models import (
    TemplateDay,
    TemplateExercise,
    TemplateRating,
    TemplateSet,
    WorkoutTemplate,
)

PROGRAM_VIEW_PERMISSIONS = ("templates_app.view_workouttemplate", "templates_app.change_workouttemplate")


def _may_see_programs(request: HttpRequest) -> bool:
    """Days and exercises are parts of a program: whoever may see programs may see them."""
    return any(request.user.has_perm(permission) for permission in PROGRAM_VIEW_PERMISSIONS)


def _is_moderator(request: HttpRequest) -> bool:
    # Not `user_has_role`: every staff member passes that, and trainers must not delete programs.
    user = request.user
    return user.is_superuser or user.groups.filter(name=MODERATOR).exists()


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", "Live"), ("yes", "Deleted")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[WorkoutTemplate]
    ) -> QuerySet[WorkoutTemplate]:
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


class ReadOnlyInline(admin.TabularInline):
    """A part of a program, shown as it is; the API and the builder page write it."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _may_see_programs(request)


class TemplateDayInline(ReadOnlyInline):
    model = TemplateDay
    fields = ("index", "week", "name", "focus", "exercise_list")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[TemplateDay]:
        exercises = TemplateExercise.objects.select_related("exercise").order_by("order")
        return super().get_queryset(request).prefetch_related(Prefetch("exercises", queryset=exercises))

    @admin.display(description="exercises")
    def exercise_list(self, day: TemplateDay) -> str:
        return ", ".join(item.exercise.name for item in day.exercises.all()) or "—"


class TemplateExerciseInline(ReadOnlyInline):
    model = TemplateExercise
    fields = ("order", "exercise", "superset_group", "sets_summary", "rest_seconds", "progression", "notes")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[TemplateExercise]:
        sets = TemplateSet.objects.order_by("order")
        return (
            super()
            .get_queryset(request)
            .select_related("exercise")
            .prefetch_related(Prefetch("sets", queryset=sets))
        )

    @admin.display(description="sets")
    def sets_summary(self, item: TemplateExercise) -> str:
        return format_sets(item.sets.all())


class WorkoutTemplateAdminForm(forms.ModelForm):
    class Meta:
        model = WorkoutTemplate
        fields = ("name",)  # the admin adds the editable fields of its fieldsets


@admin.register(WorkoutTemplate)
class WorkoutTemplateAdmin(admin.ModelAdmin):
    """Programs, with the featured ones for trainers and moderators to curate."""

    form = WorkoutTemplateAdminForm
    list_display = (
        "name",
        "owner",
        "visibility",
        "goal",
        "difficulty",
        "is_featured",
        "favorite_count",
        "use_count",
        "rating",
        "created_at",
        "is_deleted",
    )
    list_filter = ("visibility", "goal", "difficulty", "is_featured", DeletedFilter)
    list_select_related = ("owner",)
    search_fields = ("name", "owner__email", "owner__username")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    actions = ("feature_selected", "unfeature_selected", "soft_delete_selected", "restore_selected")
    inlines = (TemplateDayInline,)
    readonly_fields = (
        "public_id",
        "owner",
        "version",
        "forked_from",
        "equipment",
        "is_featured",
        "featured_at",
        "featured_by",
        "favorite_count",
        "fork_count",
        "rating_count",
        "rating_sum",
        "rating_score",
        "use_count",
        "completion_count",
        "completed_seconds",
        "created_at",
        "updated_at",
        "deleted_at",
    )
    fieldsets = (
        (None, {"fields": ("public_id", "name", "description", "owner", "version", "forked_from")}),
        (
            "Program",
            {
                "fields": (
                    "goal",
                    "difficulty",
                    "visibility",
                    "days_per_week",
                    "duration_weeks",
                    "tags",
                    "equipment",
                )
            },
        ),
        ("Featured", {"fields": ("is_featured", "featured_at", "featured_by")}),
        (
            "Counters",
            {
                "fields": (
                    "favorite_count",
                    "fork_count",
                    "rating_count",
                    "rating_sum",
                    "rating_score",
                    "use_count",
                    "completion_count",
                    "completed_seconds",
                )
            },
        ),
        ("Dates", {"fields": ("created_at", "updated_at", "deleted_at")}),
    )

    @admin.display(description="rating", ordering="rating_score")
    def rating(self, template: WorkoutTemplate) -> str:
        return f"{template.rating_score:.1f} ({template.rating_count})" if template.rating_count else "—"

    @admin.display(boolean=True, description="deleted", ordering="deleted_at")
    def is_deleted(self, template: WorkoutTemplate) -> bool:
        return template.deleted_at is not None

    @admin.display(description="required equipment")
    def equipment(self, template: WorkoutTemplate) -> str:
        return ", ".join(item.name for item in template.required_equipment.order_by("name")) or "None"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `template_create` writes the nested program; the builder page and the API call it.

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletion is soft: see "Soft-delete selected"
        return actions

    def save_model(
        self, request: HttpRequest, obj: WorkoutTemplate, form: forms.ModelForm, change: bool
    ) -> None:
        """Save what changed and raise the version, so a client editing an older copy gets its 409.

        Only the changed fields are written: the counters on the form may be stale by now.
        """
        if not form.changed_data:
            return
        obj.version = F("version") + 1
        obj.save(update_fields=[*form.changed_data, "version", "updated_at"])
        obj.refresh_from_db()

    # --- Actions ---------------------------------------------------------------------------------

    def _feature(self, request: HttpRequest, queryset: QuerySet[WorkoutTemplate], *, featured: bool) -> None:
        done, skipped = 0, []
        with transaction.atomic():
            for template in queryset.filter(deleted_at__isnull=True).select_for_update():
                if template.is_featured == featured:
                    continue
                try:
                    services.template_feature(template=template, user=request.user, featured=featured)
                except DomainError as error:
                    skipped.append(f"“{template.name}” ({error.message.rstrip('.').lower()})")
                    continue
                self.log_change(request, template, "Featured." if featured else "No longer featured.")
                done += 1
        verb = "Featured" if featured else "Unfeatured"
        self.message_user(request, f"{verb} {done} program(s).")
        if skipped:
            self.message_user(request, f"Skipped {len(skipped)}: {'; '.join(skipped)}.", messages.WARNING)

    @admin.action(description="Feature selected (public programs only)", permissions=["change"])
    def feature_selected(self, request: HttpRequest, queryset: QuerySet[WorkoutTemplate]) -> None:
        self._feature(request, queryset, featured=True)

    @admin.action(description="Unfeature selected", permissions=["change"])
    def unfeature_selected(self, request: HttpRequest, queryset: QuerySet[WorkoutTemplate]) -> None:
        self._feature(request, queryset, featured=False)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request) and _is_moderator(request)

    @admin.action(description="Soft-delete selected", permissions=["moderate"])
    def soft_delete_selected(self, request: HttpRequest, queryset: QuerySet[WorkoutTemplate]) -> None:
        templates = list(queryset.filter(deleted_at__isnull=True))
        with transaction.atomic():
            for template in templates:
                services.template_delete(template=template, user=request.user)
                self.log_change(request, template, "Soft-deleted.")
        self.message_user(
            request, f"Deleted {len(templates)} program(s); workouts started from them keep their link."
        )

    @admin.action(description="Restore selected", permissions=["moderate"])
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[WorkoutTemplate]) -> None:
        templates = list(queryset.filter(deleted_at__isnull=False))
        with transaction.atomic():
            for template in templates:
                services.template_restore(template=template, user=request.user)
                self.log_change(request, template, "Restored.")
        self.message_user(request, f"Restored {len(templates)} program(s).")


@admin.register(TemplateDay)
class TemplateDayAdmin(admin.ModelAdmin):
    """One day of a program with its exercises and sets, read-only; reached from the program's page."""

    list_display = ("__str__", "template", "week", "focus")
    list_select_related = ("template",)
    search_fields = ("template__name", "name")
    fields = ("template", "index", "week", "name", "focus")
    readonly_fields = fields
    inlines = (TemplateExerciseInline,)

    def get_model_perms(self, request: HttpRequest) -> dict[str, bool]:
        return {}  # not on the admin index: days are opened from their program

    def has_view_permission(self, request: HttpRequest, obj: TemplateDay | None = None) -> bool:
        return _may_see_programs(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TemplateDay | None = None) -> bool:
        return False


@admin.register(TemplateRating)
class TemplateRatingAdmin(admin.ModelAdmin):
    """Ratings are written by `template_rate`: staff look, or delete one (the summary is recounted).

    Deleting stays possible so that deleting a user, which cascades to these rows, is not refused.
    """

    list_display = ("template", "user", "score", "counted", "created_at", "updated_at")
    list_filter = ("score", "counted")
    list_select_related = ("template", "user")
    search_fields = ("template__name", "user__email")
    ordering = ("-updated_at",)
    fields = ("template", "user", "score", "review", "counted", "created_at", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TemplateRating | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: TemplateRating) -> None:
        super().delete_model(request, obj)
        services.template_ratings_refresh(template_ids=[obj.template_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TemplateRating]) -> None:
        template_ids = list(queryset.values_list("template_id", flat=True))
        super().delete_queryset(request, queryset)
        services.template_ratings_refresh(template_ids=template_ids)
