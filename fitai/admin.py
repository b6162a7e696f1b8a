"""The admin's login, throttled like the API's; platform records, read-only: the erasure audit trail
and the staff audit log (every add, change, delete and custom action done in the admin)."""

import math

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.models import DELETION, LogEntry
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html

from fitai.api.throttling import throttle_wait
from fitai.models import ErasureRecord, OutboxMessage


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """`/admin/login/` under the API's `login` scope per client IP, counted before any password check.

    The per-account lockout comes from the authentication backend (`AUTHENTICATION_BACKENDS`),
    which every session login goes through.
    """

    def clean(self):
        wait = throttle_wait(self.request, scope="login")
        if wait:
            minutes = max(1, math.ceil(wait / 60))
            raise ValidationError(
                "Too many attempts, try again in %(minutes)s minute(s).",
                code="throttled",
                params={"minutes": minutes},
            )
        return super().clean()


admin.site.login_form = ThrottledAdminLoginForm


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    """Who may see the audit trail may not change it: rows are written only by `erase_user`."""

    list_display = ("id", "erased_at", "row_count", "file_count")
    date_hierarchy = "erased_at"
    readonly_fields = ("id", "erased_at", "counts", "file_count")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ErasureRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ErasureRecord | None = None) -> bool:
        return False


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """The staff audit log: who did what to which object in the admin, and when.

    Django writes a row for every add, change and delete made through a `ModelAdmin`; our custom
    actions (moderation, featuring, deactivation…) write theirs with `log_change`. Nobody, not even
    a superuser, may add, edit or delete a row here, or the log would prove nothing. Staff with
    `admin.view_logentry` may read it.
    """

    list_display = ("action_time", "user", "content_type", "object_link", "action", "message")
    list_filter = (
        "action_flag",
        # Only the staff and types that appear in the log, not every account or model.
        ("user", admin.RelatedOnlyFieldListFilter),
        ("content_type", admin.RelatedOnlyFieldListFilter),
    )
    date_hierarchy = "action_time"
    search_fields = ("object_repr", "object_id", "change_message", "user__username", "user__email")
    list_select_related = ("user", "content_type")
    # The log only grows: one COUNT(*) per page, not a second one for "(N total)" when filtered.
    show_full_result_count = False
    ordering = ("-action_time", "-pk")
    actions = None
    fields = ("action_time", "user", "content_type", "object_id", "object_link", "action", "message")
    readonly_fields = fields

    @admin.display(description="object", ordering="object_repr")
    def object_link(self, entry: LogEntry) -> str:
        """A link to the object's admin page while it exists; deleted objects keep only their name."""
        url = entry.get_admin_url() if entry.action_flag != DELETION else ""
        if not url:
            return entry.object_repr
        return format_html('<a href="{}">{}</a>', url, entry.object_repr)

    @admin.display(description="action", ordering="action_flag")
    def action(self, entry: LogEntry) -> str:
        return entry.get_action_flag_display()

    @admin.display(description="message")
    def message(self, entry: LogEntry) -> str:
        return entry.get_change_message()

    def has_view_permission(self, request: HttpRequest, obj: LogEntry | None = None) -> bool:
        # The admin site already requires an active staff account; `change_logentry` grants nothing.
        return request.user.has_perm("admin.view_logentry")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LogEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LogEntry | None = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Pending and recently sent Celery tasks, to watch an outage drain; written only by `fitai.outbox`."""

    list_display = ("id", "task", "created_at", "attempts", "sent_at", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter), "task")
    search_fields = ("task",)
    readonly_fields = (
        "task",
        "args",
        "kwargs",
        "request_id",
        "created_at",
        "attempts",
        "last_error",
        "sent_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False
