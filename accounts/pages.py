"""Account pages with session login: sign up, log in and out, verify the address, reset the password.

The same accounts and rules as the API (`accounts.services`): the same progressive lockout, the
same throttles (the API's scopes and counters, per IP and per account; a throttled form is shown
again with the wait, as a 429), the same single-use mailed links, and answers about addresses that
never reveal whether an account exists.
"""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from accounts.forms import EmailForm, LoginForm, PasswordResetForm, SignupForm, form_add_service_errors
from accounts.models import normalize_email
from fitai.api.throttling import account_throttle_allows, throttle_wait

SESSION_BACKEND = "accounts.backends.EmailOrUsernameBackend"
INVALID_LOGIN = "The e-mail, username or password is wrong."
RESET_LINK_SENT = "If this address belongs to an account, we have sent it a link to choose a new password."
VERIFICATION_SENT = (
    "If this address belongs to an account that still needs confirming, we have sent it a new link."
)

GET_OR_POST = require_http_methods(["GET", "HEAD", "POST"])
TOO_MANY_ATTEMPTS = "Too many attempts, try again in {wait}."


def _safe_next(request: HttpRequest, url: str) -> str:
    """`url` if it stays on this site, else the default page after login (no open redirect)."""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else settings.LOGIN_REDIRECT_URL


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def _render_form(
    request: HttpRequest, template: str, form, *, retry_after: int | None = None
) -> HttpResponse:
    """The page with its form; a throttled or locked form answers 429 with `Retry-After`."""
    if retry_after is None:
        return render(request, template, {"form": form})
    response = render(request, template, {"form": form}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _email_form(request: HttpRequest) -> EmailForm:
    """An empty address form, filled in with the signed-in user's own address."""
    return EmailForm(initial={"email": request.user.email} if request.user.is_authenticated else None)


@GET_OR_POST
@sensitive_post_parameters("password")
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, log it in, and ask the user to confirm the address we mailed."""
    form = SignupForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        # Sign-up must say when an address is taken, so it is throttled like the API's register.
        wait = throttle_wait(
            request, scope="register", account_key=normalize_email(form.cleaned_data["email"])
        )
        if wait:
            form.add_error(None, TOO_MANY_ATTEMPTS.format(wait=_minutes(wait)))
            return _render_form(request, "accounts/signup.html", form, retry_after=wait)
        try:
            user = services.user_register(**form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            login(request, user, backend=SESSION_BACKEND)
            messages.success(
                request,
                f"Welcome to FitAI, {user.username}! We have sent a link to {user.email}: "
                "follow it to confirm your address.",
            )
            return redirect("home")
    return _render_form(request, "accounts/signup.html", form)


@GET_OR_POST
@sensitive_post_parameters("password")
@never_cache
def login_page(request: HttpRequest) -> HttpResponse:
    """Log in with an e-mail or a username; a login name locked by failures is refused first."""
    if request.method != "POST":
        form = LoginForm(initial={"next": request.GET.get("next", "")})
        return render(request, "accounts/login.html", {"form": form})
    form = LoginForm(request.POST)
    if not form.is_valid():
        return _render_form(request, "accounts/login.html", form)
    identifier, password = form.cleaned_data["login"], form.cleaned_data["password"]
    # The API's login counters: per client IP, and per account whichever of its names is typed.
    wait = throttle_wait(request, scope="login", account_key=services.login_subject(identifier=identifier))
    if wait:
        form.add_error(None, TOO_MANY_ATTEMPTS.format(wait=_minutes(wait)))
        return _render_form(request, "accounts/login.html", form, retry_after=wait)
    try:
        services.login_lockout_check(identifier=identifier)
    except services.LoginLockedError as error:
        wait = error.retry_after or 60
        form.add_error(None, f"Too many failed attempts, try again in {_minutes(wait)}.")
        return _render_form(request, "accounts/login.html", form, retry_after=wait)
    # The backend counts the failure against the account (or the unknown name), spends the same
    # time on unknown and known names, and refuses inactive users.
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        form.add_error(None, INVALID_LOGIN)
        return _render_form(request, "accounts/login.html", form)
    login(request, user, backend=SESSION_BACKEND)
    return redirect(_safe_next(request, form.cleaned_data["next"]))


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    """End the session; POST only, so a link or an image on another site cannot log anyone out."""
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@require_GET
@never_cache
def verify_email(request: HttpRequest) -> HttpResponse:
    """Follow the mailed verification link; a dead link offers to send a new one."""
    try:
        user = services.email_verify(token=request.GET.get("token", ""))
    except services.InvalidAccountTokenError as error:
        context = {"verified": False, "reason": error.message, "form": _email_form(request)}
        return render(request, "accounts/verify_email.html", context, status=400)
    return render(request, "accounts/verify_email.html", {"verified": True, "verified_email": user.email})


@GET_OR_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    """Mail a new verification link; the answer is the same whether or not the account exists."""
    form = EmailForm(request.POST) if request.method == "POST" else _email_form(request)
    if form.is_valid():
        wait = throttle_wait(request, scope="resend_verification")
        if wait:
            form.add_error(None, TOO_MANY_ATTEMPTS.format(wait=_minutes(wait)))
            return _render_form(request, "accounts/resend_verification.html", form, retry_after=wait)
        email = normalize_email(form.cleaned_data["email"])
        # Past the per-address limit nothing is sent, and the page says the same as ever.
        if account_throttle_allows(request, scope="resend_verification", account_key=email):
            services.email_verification_request(email=email)
        messages.info(request, VERIFICATION_SENT)
        return redirect("accounts:resend-verification")
    return _render_form(request, "accounts/resend_verification.html", form)


@GET_OR_POST
def forgot_password(request: HttpRequest) -> HttpResponse:
    """Mail a password reset link; the answer is the same whether or not the account exists."""
    form = EmailForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        wait = throttle_wait(request, scope="forgot_password")
        if wait:
            form.add_error(None, TOO_MANY_ATTEMPTS.format(wait=_minutes(wait)))
            return _render_form(request, "accounts/forgot_password.html", form, retry_after=wait)
        email = normalize_email(form.cleaned_data["email"])
        # Past the per-address limit nothing is sent, and the page says the same as ever.
        if account_throttle_allows(request, scope="forgot_password", account_key=email):
            services.password_reset_request(email=email)
        messages.info(request, RESET_LINK_SENT)
        return redirect("accounts:forgot-password")
    return _render_form(request, "accounts/forgot_password.html", form)


def _reset_link_invalid(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "accounts/reset_password.html", {"invalid_reason": reason}, status=400)


@GET_OR_POST
@sensitive_post_parameters("password1", "password2", "token")
@never_cache
def reset_password(request: HttpRequest) -> HttpResponse:
    """Choose a new password with the mailed link; the link is used up only when it succeeds."""
    if request.method != "POST":
        token = request.GET.get("token", "")
        if not token:
            return _reset_link_invalid(request, services.InvalidAccountTokenError.default_message)
        form = PasswordResetForm(initial={"token": token})
        return render(request, "accounts/reset_password.html", {"form": form})
    form = PasswordResetForm(request.POST)
    if not request.POST.get("token"):
        return _reset_link_invalid(request, services.InvalidAccountTokenError.default_message)
    if form.is_valid():
        try:
            services.password_reset_confirm(
                token=form.cleaned_data["token"], password=form.cleaned_data["password1"]
            )
        except services.InvalidAccountTokenError as error:
            return _reset_link_invalid(request, error.message)
        except ValidationError as error:
            form_add_service_errors(form, error, renamed={"password": "password1"})
        else:
            messages.success(request, "Your password was changed. Log in with the new one.")
            return redirect("accounts:login")
    return render(request, "accounts/reset_password.html", {"form": form})
