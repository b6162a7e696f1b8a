"""The admin's login, throttled like the API's; platform records: the erasure audit trail, read-only."""

import math

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from fitai.api.throttling import throttle_wait
from fitai.models import ErasureRecord


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
