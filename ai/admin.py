"""Admin for the AI coach: the call log (cost, tokens, outcomes) and read-only conversations and
recommendations; nothing here is edited by hand."""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from ai.models import AICall, Conversation, Recommendation
from ai.recommendations import recommendation_acceptance_by_source

ACCEPTANCE_WINDOW_DAYS = 30


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
    change_list_template = "admin/ai/recommendation/change_list.html"

    def changelist_view(self, request, extra_context=None):
        """Above the list: how often each source's recommendations are accepted (last 30 days)."""
        since = timezone.now() - timedelta(days=ACCEPTANCE_WINDOW_DAYS)
        extra_context = {
            **(extra_context or {}),
            "acceptance": recommendation_acceptance_by_source(since=since),
            "acceptance_days": ACCEPTANCE_WINDOW_DAYS,
        }
        return super().changelist_view(request, extra_context=extra_context)
