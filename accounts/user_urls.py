"""Routes of the Users section of API.md, mounted at `/api/v1/users/`."""

from django.urls import path

from accounts import avatar_views, erasure_views, friend_views, metric_views, profile_views

urlpatterns = [
    # --- profile, preferences, body metrics ---
    path("profile", profile_views.ProfileApi.as_view(), name="users-profile"),
    path("preferences", profile_views.PreferencesApi.as_view(), name="users-preferences"),
    path("metrics", metric_views.MetricListApi.as_view(), name="users-metrics"),
    path("metrics/<uuid:metric_id>", metric_views.MetricDetailApi.as_view(), name="users-metric"),
    # --- avatar and account erasure ---
    path("upload-avatar", avatar_views.AvatarUploadApi.as_view(), name="users-upload-avatar"),
    path("account", erasure_views.AccountEraseApi.as_view(), name="users-account"),
    # --- friends and search ---
    path("friends", friend_views.FriendListApi.as_view(), name="users-friends"),
    path("friends/request", friend_views.FriendRequestApi.as_view(), name="users-friend-request"),
    path("friends/<uuid:user_id>", friend_views.FriendDetailApi.as_view(), name="users-friend"),
    path("search", friend_views.UserSearchApi.as_view(), name="users-search"),
]
