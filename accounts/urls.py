"""Routes of the accounts API, mounted at `/api/v1/auth/`."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("register", views.RegisterApi.as_view(), name="auth-register"),
    path("login", views.LoginApi.as_view(), name="auth-login"),
    path("refresh", views.RefreshApi.as_view(), name="auth-refresh"),
    path("logout", views.LogoutApi.as_view(), name="auth-logout"),
    path("forgot-password", views.ForgotPasswordApi.as_view(), name="auth-forgot-password"),
    path("reset-password", views.ResetPasswordApi.as_view(), name="auth-reset-password"),
    path("verify-email", views.VerifyEmailApi.as_view(), name="auth-verify-email"),
    path("resend-verification", views.ResendVerificationApi.as_view(), name="auth-resend-verification"),
]
