"""Moderation in the admin: the report queue, activities and comments, banned terms, restrictions.

Every decision goes through `community.moderation`, which writes the `ModerationAction` audit
trail (read-only here), and leaves an admin `LogEntry` for the staff audit log (`fitai.admin`).
Content is never hard-deleted from these screens: "delete" is the same soft delete as the API's,
so a removed comment keeps its replies' place in the thread.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.html import format_html

from community import moderation
from community.models import Activity, BannedTerm, Comment, MemberRestriction, ModerationAction, Report

PREVIEW = 80


def _preview(text: str | None) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= PREVIEW else f"{text[: PREVIEW - 1]}…"


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Live"), ("yes", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


class ModerateActionsMixin:
    """Hide, restore and delete actions for a model whose rows are report targets. Rows are
    written by members, never added here, and deleted only softly through the action."""

    target_type: str
    actions = ("hide_selected", "restore_selected", "delete_selected_softly")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="deleted", boolean=True)
    def is_deleted(self, row) -> bool:
        return row.deleted_at is not None

    def _moderate(
        self, request: HttpRequest, queryset: QuerySet, action: str, done: str, logged: str
    ) -> None:
        targets = list(queryset)
        with transaction.atomic():
            for target in targets:
                moderation.content_moderate(
                    moderator=request.user,
                    target_type=self.target_type,
                    target_id=target.public_id,
                    action=action,
                )
                self.log_change(request, target, logged)
        self.message_user(request, f"{done} {len(targets)} {self.model._meta.verbose_name_plural}.")

    @admin.action(description="Hide selected (pending or after review)", permissions=["change"])
    def hide_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._moderate(request, queryset, "hide", "Hid", "Hidden by a moderator; open reports upheld.")

    @admin.action(description="Restore selected (visible again, reports dismissed)", permissions=["change"])
    def restore_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._moderate(
            request, queryset, "restore", "Restored", "Restored by a moderator; open reports dismissed."
        )

    @admin.action(description="Delete selected (soft)", permissions=["change"])
    def delete_selected_softly(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._moderate(
            request, queryset, "delete", "Deleted", "Soft-deleted by a moderator; open reports upheld."
        )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The queue: open reports first, the most reported targets on top, one target's rows together.

    Actions apply to the targets of the selected reports, once per target.
    """

    list_display = (
        "target_type",
        "target_preview",
        "open_reports",
        "reason",
        "reporter",
        "status",
        "created_at",
    )
    list_filter = ("status", "target_type")
    search_fields = ("reason", "reporter__username", "reporter__email", "target_id")
    list_select_related = ("reporter",)
    readonly_fields = (
        "public_id",
        "reporter",
        "target_type",
        "target_id",
        "reason",
        "status",
        "created_at",
        "resolved_at",
        "resolved_by",
    )
    actions = ("hide_targets", "restore_targets", "delete_targets", "dismiss_reports")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        open_on_target = (
            Report.objects.filter(
                target_type=OuterRef("target_type"),
                target_id=OuterRef("target_id"),
                status=Report.Status.OPEN,
            )
            .values("target_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        texts = {
            "activity_text": Activity.objects.filter(public_id=OuterRef("target_id")).values("text")[:1],
            "comment_text": Comment.objects.filter(public_id=OuterRef("target_id")).values("text")[:1],
        }
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_on_target=Coalesce(Subquery(open_on_target), 0),
                **{name: Subquery(query) for name, query in texts.items()},
            )
            .order_by("-open_on_target", "target_type", "target_id", "-created_at")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    @admin.display(description="open reports on target", ordering="open_on_target")
    def open_reports(self, report: Report) -> int:
        return report.open_on_target

    @admin.display(description="target")
    def target_preview(self, report: Report) -> str:
        text = {"activity": report.activity_text, "comment": report.comment_text}.get(report.target_type)
        label = _preview(text) if text is not None else str(report.target_id)
        return format_html("<span title='{}'>{}</span>", report.target_id, label)

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[Report], action: str, done: str, logged: str
    ) -> None:
        """Decide once per target; the audit log names each selected report and what became of its target."""
        reports = list(queryset.order_by("target_type", "target_id", "pk"))
        targets = sorted({(report.target_type, report.target_id) for report in reports})
        with transaction.atomic():
            for target_type, target_id in targets:
                moderation.content_moderate(
                    moderator=request.user, target_type=target_type, target_id=target_id, action=action
                )
            for report in reports:
                target = f"the reported {report.target_type} {report.target_id}"
                self.log_change(request, report, logged.format(target=target))
        self.message_user(request, f"{done} {len(targets)} reported target(s).", messages.SUCCESS)

    @admin.action(description="Hide reported content (reports upheld)", permissions=["change"])
    def hide_targets(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._decide(request, queryset, "hide", "Hid", "Hid {target}; reports upheld.")

    @admin.action(description="Restore reported content (reports dismissed)", permissions=["change"])
    def restore_targets(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._decide(request, queryset, "restore", "Restored", "Restored {target}; reports dismissed.")

    @admin.action(description="Delete reported content (reports upheld)", permissions=["change"])
    def delete_targets(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._decide(request, queryset, "delete", "Deleted", "Soft-deleted {target}; reports upheld.")

    @admin.action(description="Dismiss reports (content unchanged)", permissions=["change"])
    def dismiss_reports(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._decide(
            request,
            queryset,
            "dismiss",
            "Dismissed the reports on",
            "Left {target} unchanged; reports dismissed.",
        )


@admin.register(Activity)
class ActivityAdmin(ModerateActionsMixin, admin.ModelAdmin):
    target_type = Report.TargetType.ACTIVITY
    list_display = (
        "text_preview",
        "author",
        "type",
        "visibility",
        "like_count",
        "comment_count",
        "report_count",
        "is_hidden",
        "is_deleted",
        "created_at",
    )
    list_filter = ("type", "visibility", "is_hidden", DeletedFilter, "created_at")
    search_fields = ("text", "author__username", "author__email", "public_id")
    list_select_related = ("author",)
    date_hierarchy = "created_at"
    raw_id_fields = ("author", "workout")
    readonly_fields = (
        "public_id",
        "author",
        "type",
        "text",
        "visibility",
        "data",
        "workout",
        "source_key",
        "like_count",
        "comment_count",
        "report_count",
        "is_hidden",
        "created_at",
        "edited_at",
        "deleted_at",
    )

    @admin.display(description="text")
    def text_preview(self, activity: Activity) -> str:
        return _preview(activity.text) or f"({activity.get_type_display()})"


@admin.register(Comment)
class CommentAdmin(ModerateActionsMixin, admin.ModelAdmin):
    target_type = Report.TargetType.COMMENT
    list_display = (
        "text_preview",
        "author",
        "depth",
        "report_count",
        "is_hidden",
        "is_deleted",
        "created_at",
    )
    list_filter = ("is_hidden", DeletedFilter, "depth", "created_at")
    search_fields = ("text", "author__username", "author__email", "public_id", "activity__public_id")
    list_select_related = ("author",)
    raw_id_fields = ("author", "activity", "parent")
    readonly_fields = (
        "public_id",
        "activity",
        "author",
        "parent",
        "depth",
        "text",
        "report_count",
        "is_hidden",
        "created_at",
        "edited_at",
        "deleted_at",
    )

    @admin.display(description="text")
    def text_preview(self, comment: Comment) -> str:
        return _preview(comment.text)


@admin.register(BannedTerm)
class BannedTermAdmin(admin.ModelAdmin):
    """Words and phrases the filter refuses, matched as whole words after normalisation."""

    list_display = ("term", "is_active", "created_at")
    list_filter = ("is_active",)
    list_editable = ("is_active",)
    search_fields = ("term",)
    # Saves and deletes reset the cached term list through `community.moderation`'s receivers.


@admin.register(MemberRestriction)
class MemberRestrictionAdmin(admin.ModelAdmin):
    """Mute (read and like only) or suspend (no community writes) a member until a time."""

    list_display = ("user", "muted_until", "suspended_until", "reason", "updated_at")
    search_fields = ("user__username", "user__email", "reason")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    fields = ("user", "muted_until", "suspended_until", "reason")

    def save_model(self, request, obj, form, change) -> None:
        """Through the service, so the audit trail records who restricted whom, and why."""
        moderation.member_restrict(
            moderator=request.user,
            user=obj.user,
            muted_until=obj.muted_until,
            suspended_until=obj.suspended_until,
            reason=obj.reason,
        )
        obj.pk = MemberRestriction.objects.get(user=obj.user).pk

    def delete_model(self, request, obj) -> None:
        moderation.member_restrict(
            moderator=request.user, user=obj.user, muted_until=None, suspended_until=None, reason="Lifted."
        )
        MemberRestriction.objects.filter(pk=obj.pk).delete()

    def delete_queryset(self, request, queryset) -> None:
        for restriction in queryset.select_related("user"):
            self.delete_model(request, restriction)


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit trail, read-only."""

    list_display = ("created_at", "moderator", "action", "target_type", "target_id", "reason")
    list_filter = ("action", "target_type", "created_at")
    search_fields = ("target_id", "reason", "moderator__username")
    list_select_related = ("moderator",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
