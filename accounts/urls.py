"""Routes of the accounts API, mounted at `/api/v1/auth/`."""

from django.urls import path

from accounts import social_views, views

urlpatterns = [
    path("register", views.RegisterApi.as_view(), name="auth-register"),
    path("login", views.LoginApi.as_view(), name="auth-login"),
    path("refresh", views.RefreshApi.as_view(), name="auth-refresh"),
    path("logout", views.LogoutApi.as_view(), name="auth-logout"),
    path("forgot-password", views.ForgotPasswordApi.as_view(), name="auth-forgot-password"),
    path("reset-password", views.ResetPasswordApi.as_view(), name="auth-reset-password"),
    path("verify-email", views.VerifyEmailApi.as_view(), name="auth-verify-email"),
    path("resend-verification", views.ResendVerificationApi.as_view(), name="auth-resend-verification"),
    path("google", social_views.GoogleAuthorizeApi.as_view(), name="auth-google"),
    path("google/callback", social_views.GoogleCallbackApi.as_view(), name="auth-google-callback"),
    path("apple", social_views.AppleAuthorizeApi.as_view(), name="auth-apple"),
    path("apple/callback", social_views.AppleCallbackApi.as_view(), name="auth-apple-callback"),
]
