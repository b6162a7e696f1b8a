"""Routes of the account pages, mounted at `/accounts/`.

The mailed links point at `/accounts/verify-email` and `/accounts/reset-password`, so those paths
must not move. Each path also answers with a trailing slash (`APPEND_SLASH` is off); `reverse()`
gives the slash-less form.
"""

from django.urls import re_path

from accounts import pages, profile_pages, social_pages

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
FRIEND_ACTIONS = "|".join(social_pages.ACTIONS)

app_name = "accounts"

urlpatterns = [
    re_path(r"^signup/?$", pages.signup, name="signup"),
    re_path(r"^login/?$", pages.login_page, name="login"),
    re_path(r"^logout/?$", pages.logout_page, name="logout"),
    re_path(r"^verify-email/?$", pages.verify_email, name="verify-email"),
    re_path(r"^resend-verification/?$", pages.resend_verification, name="resend-verification"),
    re_path(r"^forgot-password/?$", pages.forgot_password, name="forgot-password"),
    re_path(r"^reset-password/?$", pages.reset_password, name="reset-password"),
    # --- the signed-in member's own pages ---
    re_path(r"^profile/?$", profile_pages.profile, name="profile"),
    re_path(r"^profile/edit/?$", profile_pages.profile_edit, name="profile-edit"),
    re_path(r"^profile/avatar/?$", social_pages.avatar_upload, name="avatar"),
    re_path(r"^profile/avatar/remove/?$", social_pages.avatar_remove, name="avatar-remove"),
    re_path(r"^preferences/?$", profile_pages.preferences, name="preferences"),
    re_path(r"^metrics/?$", profile_pages.metric_list, name="metrics"),
    re_path(rf"^metrics/(?P<metric_id>{UUID})/delete/?$", profile_pages.metric_delete, name="metric-delete"),
    # --- friends ---
    re_path(r"^friends/?$", social_pages.friend_list, name="friends"),
    re_path(r"^friends/search/?$", social_pages.friend_search, name="friend-search"),
    re_path(
        rf"^friends/(?P<user_id>{UUID})/(?P<action>{FRIEND_ACTIONS})/?$",
        social_pages.friend_action,
        name="friend-action",
    ),
]
