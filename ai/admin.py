"""Admin for the AI coach: the call log (cost, tokens, outcomes) and read-only conversations and
recommendations; nothing here is edited by hand."""

from django.contrib import admin

from ai.models import AICall, Conversation, Recommendation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AICall)
class AICallAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "user",
        "endpoint",
        "provider",
        "model",
        "outcome",
        "tokens_in",
        "tokens_out",
        "latency_ms",
        "cost_usd",
        "fallback_reason",
    )
    list_filter = ("provider", "outcome", "endpoint", "created_at")
    search_fields = ("user__email", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "user", "title", "updated_at")
    search_fields = ("user__email", "user__username", "title")
    list_select_related = ("user",)


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "user", "kind", "item_id", "source", "score", "created_at")
    list_filter = ("kind", "source")
    search_fields = ("user__email", "user__username")
    list_select_related = ("user",)
