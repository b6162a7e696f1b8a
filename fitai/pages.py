"""Server-rendered pages of the platform itself, and the error pages (JSON under `/api/`)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from fitai.errors import error_payload
from fitai.middleware import API_PREFIX


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def member_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first, and never cache the personal answer (every app's member pages use it)."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, **kwargs)

    return wrapper


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _error(request: HttpRequest, status: int, code: str, title: str, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_payload(code, message), status=status)
    context = {"status": status, "title": title, "message": message}
    return render(request, "errors/error.html", context, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "not_found", "Page not found", "Not found.")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "bad_request", "Bad request", "The request was malformed.")


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "permission_denied", "Not allowed", "You may not do this.")


def server_error(request: HttpRequest) -> HttpResponse:
    # No template context processors here: the failure may be in one of them.
    if _wants_json(request):
        return JsonResponse(error_payload("server_error", "Something went wrong on our side."), status=500)
    return HttpResponse(
        "<!doctype html><title>FitAI: server error</title><h1>Something went wrong on our side.</h1>",
        status=500,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        "csrf_failed",
        "Not allowed",
        "The form expired or came from elsewhere. Reload and try again.",
    )
