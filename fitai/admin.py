"""Platform records in the admin: the account-erasure audit trail, read-only."""

from django.contrib import admin
from django.http import HttpRequest

from fitai.models import ErasureRecord


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
