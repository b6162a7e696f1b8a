"""The exercise library in the admin: the moderation queue, the muscle and equipment catalogs, ratings.

Moderation goes through `exercises.services` only, so every decision is stored the same way as in
the API and the creator hears about it through the `exercise.moderated` event; the status and the
moderation fields are read-only on the form. Staff reach the admin; moderating needs the change
permission on exercises (a superuser has every permission). Hard deletion is off: programs and
logged workouts keep pointing at soft-deleted exercises, which "Restore selected" brings back.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from exercises import services
from exercises.cache import library_changed
from exercises.forms import RejectForm
from exercises.models import Equipment, Exercise, ExerciseRating, Muscle


def _library_changed_on_commit() -> None:
    transaction.on_commit(library_changed)


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", "Live"), ("yes", "Deleted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> QuerySet[Exercise]:
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


class ExerciseAdminForm(forms.ModelForm):
    """Refuses a new name that means the same as another exercise's, as `exercise_update` would."""

    class Meta:
        model = Exercise
        fields = ("name",)  # the admin adds the editable fields of its fieldsets

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        existing = services.exercise_find_duplicate(name=name, exclude_pk=self.instance.pk)
        if existing is not None:
            raise ValidationError(f"“{existing.name}” already exists: choose another name.")
        return name


# Pending first, then newest: the queue a moderator works through.
PENDING_FIRST = Case(
    When(status=Exercise.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
)


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    """The moderation queue; new exercises come through the submit page or the API (`exercise_create`)."""

    form = ExerciseAdminForm
    list_display = (
        "name",
        "status",
        "category",
        "difficulty",
        "created_by",
        "created_at",
        "rating_count",
        "rating_score",
        "popularity",
        "is_deleted",
    )
    list_filter = (
        "status",
        "category",
        "difficulty",
        "mechanics",
        "source",
        "primary_muscles",
        "equipment",
        DeletedFilter,
    )
    list_select_related = ("created_by",)
    search_fields = ("name", "slug", "created_by__email")
    ordering = (PENDING_FIRST.asc(), "-created_at")
    date_hierarchy = "created_at"
    filter_horizontal = ("primary_muscles", "secondary_muscles", "equipment")
    # The library has thousands of exercises: a search box, not a list of them all.
    autocomplete_fields = ("variations",)
    actions = ("approve_selected", "reject_selected", "soft_delete_selected", "restore_selected")
    readonly_fields = (
        "public_id",
        "slug",
        "status",
        "rejection_reason",
        "created_by",
        "moderated_by",
        "moderated_at",
        "source",
        "source_id",
        "license",
        "license_author",
        "rating_count",
        "rating_sum",
        "rating_score",
        "popularity",
        "created_at",
        "updated_at",
        "deleted_at",
    )
    fieldsets = (
        (None, {"fields": ("public_id", "name", "slug", "description", "instructions")}),
        ("Muscles and equipment", {"fields": ("primary_muscles", "secondary_muscles", "equipment")}),
        ("Classification", {"fields": ("category", "mechanics", "force", "difficulty")}),
        ("Safety", {"fields": ("safety_notes", "contraindications")}),
        ("Media and variations", {"fields": ("media", "variations")}),
        (
            "Moderation",
            {"fields": ("status", "rejection_reason", "created_by", "moderated_by", "moderated_at")},
        ),
        ("Aggregates", {"fields": ("rating_count", "rating_sum", "rating_score", "popularity")}),
        ("Origin", {"fields": ("source", "source_id", "license", "license_author")}),
        ("Dates", {"fields": ("created_at", "updated_at", "deleted_at")}),
    )

    @admin.display(boolean=True, description="deleted", ordering="deleted_at")
    def is_deleted(self, exercise: Exercise) -> bool:
        return exercise.deleted_at is not None

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "variations":  # as `exercise_update` requires
            kwargs["queryset"] = Exercise.objects.approved()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Exercise], search_term: str
    ) -> tuple[QuerySet[Exercise], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path == reverse("admin:autocomplete") and request.GET.get("field_name") == "variations":
            queryset = queryset.filter(status=Exercise.Status.APPROVED, deleted_at__isnull=True)
        return queryset, may_have_duplicates

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `exercise_create` gives the slug, the duplicate check and the status.

    def has_delete_permission(self, request: HttpRequest, obj: Exercise | None = None) -> bool:
        return False  # Deletion is soft: see "Soft-delete selected".

    def save_model(self, request: HttpRequest, obj: Exercise, form: forms.ModelForm, change: bool) -> None:
        """Save the text and classification through `exercise_update` (name key, cache, rules)."""
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS
        }
        if changes:
            services.exercise_update(exercise=obj, user=request.user, **changes)
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        _library_changed_on_commit()  # muscles, equipment and variations are saved by the form

    # --- Actions ---------------------------------------------------------------------------------

    def _moderate(
        self, request: HttpRequest, queryset: QuerySet[Exercise], *, approve: bool, reason: str = ""
    ) -> None:
        target = Exercise.Status.APPROVED if approve else Exercise.Status.REJECTED
        # Deciding again what is already decided would notify the creator twice.
        exercises = list(queryset.exclude(status=target).filter(deleted_at__isnull=True))
        with transaction.atomic():
            for exercise in exercises:
                services.exercise_moderate(
                    exercise=exercise, moderator=request.user, approve=approve, reason=reason
                )
                self.log_change(request, exercise, "Approved." if approve else f"Rejected: {reason}")
        verb = "Approved" if approve else "Rejected"
        self.message_user(request, f"{verb} {len(exercises)} exercise(s); their creators are notified.")
        skipped = queryset.count() - len(exercises)
        if skipped:
            self.message_user(
                request, f"Skipped {skipped} already {target.label.lower()} or deleted.", messages.WARNING
            )

    @admin.action(description="Approve selected", permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        self._moderate(request, queryset, approve=True)

    @admin.action(description="Reject selected…", permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> HttpResponse | None:
        """Ask for the reason on a page of its own, then reject with it."""
        form = RejectForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            self._moderate(request, queryset, approve=False, reason=form.cleaned_data["reason"])
            return None  # back to the changelist
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject exercises",
            "subtitle": None,
            "opts": self.model._meta,
            "form": form,
            "exercises": queryset.select_related("created_by"),
            "action": "reject_selected",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/exercises/reject_confirmation.html", context)

    @admin.action(description="Soft-delete selected", permissions=["change"])
    def soft_delete_selected(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        exercises = list(queryset.filter(deleted_at__isnull=True))
        with transaction.atomic():
            for exercise in exercises:
                services.exercise_delete(exercise=exercise, user=request.user)
                self.log_change(request, exercise, "Soft-deleted.")
        self.message_user(
            request,
            f"Deleted {len(exercises)} exercise(s); programs and workouts that use them keep working.",
        )

    @admin.action(description="Restore selected", permissions=["change"])
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        exercises = list(queryset.filter(deleted_at__isnull=False))
        with transaction.atomic():
            for exercise in exercises:
                services.exercise_restore(exercise=exercise, user=request.user)
                self.log_change(request, exercise, "Restored.")
        self.message_user(request, f"Restored {len(exercises)} exercise(s).")


class CatalogAdmin(admin.ModelAdmin):
    """Every library read shows catalog names: a change makes the cached reads stale."""

    def save_model(self, request: HttpRequest, obj, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _library_changed_on_commit()

    def delete_model(self, request: HttpRequest, obj) -> None:
        super().delete_model(request, obj)
        _library_changed_on_commit()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        _library_changed_on_commit()


@admin.register(Muscle)
class MuscleAdmin(CatalogAdmin):
    list_display = ("name", "slug", "region", "group")
    list_filter = ("region", "group")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Equipment)
class EquipmentAdmin(CatalogAdmin):
    list_display = ("name", "slug", "kind")
    list_filter = ("kind",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ExerciseRating)
class ExerciseRatingAdmin(admin.ModelAdmin):
    """Ratings are written by `exercise_rate`: staff look, or delete one (the summary is recounted).

    Deleting stays possible so that deleting a user, which cascades to these rows, is not refused.
    """

    list_display = ("exercise", "user", "score", "counted", "created_at", "updated_at")
    list_filter = ("score", "counted")
    list_select_related = ("exercise", "user")
    search_fields = ("exercise__name", "user__email")
    ordering = ("-updated_at",)
    fields = ("exercise", "user", "score", "review", "counted", "created_at", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ExerciseRating | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ExerciseRating) -> None:
        super().delete_model(request, obj)
        services.rating_aggregates_refresh(exercise_ids=[obj.exercise_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ExerciseRating]) -> None:
        exercise_ids = list(queryset.values_list("exercise_id", flat=True))
        super().delete_queryset(request, queryset)
        services.rating_aggregates_refresh(exercise_ids=exercise_ids)
