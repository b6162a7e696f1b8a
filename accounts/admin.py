"""Users and roles in the admin, and a read-only view of their logins and linked identities.

`AccountToken` is deliberately not registered: its rows are the digests of live mailed secrets.
Profiles, body metrics and friendships are shown for support and moderation; what their services
maintain (preferences and their indexed copies, converted measurements, friendship states) stays
read-only here, so the admin cannot break a rule the services keep.
"""

import json

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from accounts import services
from accounts.models import BodyMetric, Friendship, Profile, SocialIdentity, TokenFamily, User
from accounts.preferences import preferences_resolve


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "email_verified",
        "is_active",
        "is_staff",
        "date_joined",
    )
    list_filter = ("email_verified", "is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("-date_joined",)
    readonly_fields = ("public_id", "email_verified", "email_verified_at", "last_login", "date_joined")
    actions = ("deactivate_users", "resend_verification_email")
    fieldsets = (
        (None, {"fields": ("public_id", "email", "username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("E-mail verification", {"fields": ("email_verified", "email_verified_at")}),
        ("Roles", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "username", "password1", "password2")}),
    )

    @admin.action(description="Deactivate selected users", permissions=["change"])
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Block the accounts and end every login they have; their sessions stop at the next request."""
        # Locking yourself out of the admin by accident helps nobody.
        targets = list(queryset.exclude(pk=request.user.pk))
        with transaction.atomic():
            for user in targets:
                services.user_deactivate(user=user)
                self.log_change(request, user, "Deactivated and logged out everywhere.")
        self.message_user(request, f"Deactivated {len(targets)} user(s) and ended their logins.")
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, "You cannot deactivate your own account.", messages.WARNING)

    @admin.action(description="Resend verification e-mail", permissions=["change"])
    def resend_verification_email(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Queue a new link for each unverified, active user (the per-address hourly cap still applies)."""
        users = list(queryset.filter(email_verified=False, is_active=True))
        for user in users:
            services.email_verification_request(email=user.email)
            self.log_change(request, user, "Verification e-mail resent.")
        skipped = queryset.count() - len(users)
        message = f"Queued a verification e-mail to {len(users)} user(s)."
        if skipped:
            message += f" Skipped {skipped} already verified or inactive."
        self.message_user(request, message)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the services own: staff look, never add or edit.

    Deleting stays possible so that deleting a user, which cascades to these rows, is not refused.
    """

    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(TokenFamily)
class TokenFamilyAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at", "last_refreshed_at", "revoked_at", "revoked_reason")
    list_filter = ("revoked_reason",)
    list_select_related = ("user",)
    search_fields = ("user__email",)
    ordering = ("-created_at",)
    fields = (
        "id",
        "user",
        "created_at",
        "last_refreshed_at",
        "expires_at",
        "revoked_at",
        "revoked_reason",
        "user_agent",
    )
    readonly_fields = fields


@admin.register(SocialIdentity)
class SocialIdentityAdmin(ReadOnlyAdmin):
    list_display = ("user", "provider", "email", "created_at", "last_login_at")
    list_filter = ("provider",)
    list_select_related = ("user",)
    search_fields = ("user__email", "email")
    ordering = ("-created_at",)
    fields = ("user", "provider", "subject", "email", "created_at", "last_login_at")
    readonly_fields = fields


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """Staff may tidy what a member wrote (a bio, a location); preferences change through the member."""

    list_display = ("user", "fitness_level", "location", "searchable", "profile_visibility", "updated_at")
    list_filter = ("fitness_level", "profile_visibility", "searchable")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__username", "location")
    ordering = ("-updated_at",)
    fields = (
        "user",
        "bio",
        "birth_date",
        "height_cm",
        "fitness_level",
        "location",
        "interests",
        "avatar",
        "avatar_thumb",
        "searchable",
        "profile_visibility",
        "preferences_document",
        "updated_at",
    )
    readonly_fields = (
        "user",
        "avatar",
        "avatar_thumb",
        "searchable",
        "profile_visibility",
        "preferences_document",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `profiles.profile_get` creates a profile the first time it is needed.

    @admin.display(description="preferences (defaults filled in)")
    def preferences_document(self, profile: Profile) -> str:
        document = preferences_resolve(profile.preferences)
        return format_html("<pre>{}</pre>", json.dumps(document, indent=2, sort_keys=True))


@admin.register(BodyMetric)
class BodyMetricAdmin(ReadOnlyAdmin):
    """Measurements are converted and bounds-checked by `accounts.metrics`: staff look, or delete."""

    list_display = ("user", "kind", "value", "unit", "measured_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
    search_fields = ("user__email",)
    date_hierarchy = "measured_at"
    fields = ("id", "user", "kind", "value", "unit", "measured_at", "note", "created_at")
    readonly_fields = fields


@admin.register(Friendship)
class FriendshipAdmin(ReadOnlyAdmin):
    """States move through the friendship service only; deleting a row ends the relation (or a block)."""

    list_display = ("user_low", "user_high", "status", "requested_by", "blocked_by", "created_at")
    list_filter = ("status",)
    list_select_related = ("user_low", "user_high", "requested_by", "blocked_by")
    search_fields = ("user_low__email", "user_low__username", "user_high__email", "user_high__username")
    ordering = ("-created_at",)
    fields = ("user_low", "user_high", "status", "requested_by", "blocked_by", "created_at", "updated_at")
    readonly_fields = fields
