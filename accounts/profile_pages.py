"""Pages of the signed-in member: their profile, their preferences and their body measurements.

Like the API (`accounts.profile_views`, `accounts.metric_views`) they only parse a form and call
`accounts.profiles` or `accounts.metrics`; another member's measurement is not found (404).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import charts, metrics, profiles
from accounts.avatars import avatar_urls
from accounts.forms import form_add_service_errors
from accounts.models import BodyMetric, User
from accounts.profile_forms import (
    MetricFilterForm,
    MetricForm,
    PreferencesForm,
    ProfileForm,
    form_add_preference_errors,
)
from fitai.errors import NotFoundError

METRICS_PER_PAGE = 50
# The chart shows the newest measurements only, so a long history costs no more than a year of them.
CHART_POINTS = 365
DEFAULT_CHART_KIND = BodyMetric.Kind.WEIGHT

GET_OR_POST = require_http_methods(["GET", "HEAD", "POST"])


def member_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; never cache the personal answer; show dates in the member's time zone."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        zone = ZoneInfo(profiles.user_preferences(user=request.user)["timezone"])
        with timezone.override(zone):
            return view(request, *args, **kwargs)

    return wrapper


# --- Profile ------------------------------------------------------------------------------------


def member_initials(user: User) -> str:
    """One or two capital letters that stand for the member where there is no photo."""
    letters = (user.first_name[:1] + user.last_name[:1]) or user.username[:1]
    return letters.upper()


def profile_context(request: HttpRequest) -> dict[str, Any]:
    """What the profile page shows; the avatar upload (`accounts.social_pages`) re-renders it too."""
    user = request.user
    profile = profiles.profile_get(user=user)
    avatar_url, avatar_thumb_url = avatar_urls(profile)
    return {
        "profile": profile,
        "age": profiles.age_on(profile.birth_date, profiles.user_today(user=user)),
        "weight_kg": metrics.latest_weight_kg(user=user),
        "avatar_url": avatar_url,
        "avatar_thumb_url": avatar_thumb_url,
        "initials": member_initials(user),
    }


@require_http_methods(["GET", "HEAD"])
@member_page
def profile(request: HttpRequest) -> HttpResponse:
    """Your own profile as FitAI keeps it, with links to change it and a form for your photo."""
    return render(request, "accounts/profile.html", profile_context(request))


def _profile_initial(user: User) -> dict[str, Any]:
    profile = profiles.profile_get(user=user)
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "email": user.email,
        "bio": profile.bio,
        "birth_date": profile.birth_date,
        "height_cm": profile.height_cm,
        "weight_kg": metrics.latest_weight_kg(user=user),
        "fitness_level": profile.fitness_level,
        "location": profile.location,
        "interests": ", ".join(profile.interests),
    }


@GET_OR_POST
@member_page
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Change your profile; a new address is mailed a link, a changed weight becomes a measurement."""
    user = request.user
    initial = _profile_initial(user)
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        changes = dict(form.cleaned_data)
        # The form shows the latest weight; sending it back unchanged must not record it again.
        if changes["weight_kg"] is None or changes["weight_kg"] == initial["weight_kg"]:
            del changes["weight_kg"]
        try:
            updated = profiles.profile_update(user=user, **changes)
        except ValidationError as error:
            form_add_service_errors(form, error, renamed={"value": "weight_kg"})
        else:
            messages.success(request, "Your profile was saved.")
            if updated.email != initial["email"]:
                messages.info(
                    request, f"We have sent a link to {updated.email}: follow it to confirm the new address."
                )
            return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


# --- Preferences --------------------------------------------------------------------------------


@GET_OR_POST
@member_page
def preferences(request: HttpRequest) -> HttpResponse:
    """The whole preferences document as one form; the service validates and merges it."""
    current = profiles.user_preferences(user=request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, preferences=current)
    if form.is_valid():
        try:
            profiles.preferences_update(user=request.user, changes=form.document())
        except ValidationError as error:
            form_add_preference_errors(form, error)
        else:
            messages.success(request, "Your preferences were saved.")
            return redirect("accounts:preferences")
    return render(request, "accounts/preferences.html", {"form": form})


# --- Body metrics -------------------------------------------------------------------------------


def _metrics_url(kind: str = "", page: str = "") -> str:
    query = urlencode({key: value for key, value in (("kind", kind), ("page", page)) if value})
    return reverse("accounts:metrics") + (f"?{query}" if query else "")


def _kind_filter(data: Any) -> str:
    """The kind asked for in `data`, or "" for every kind (an unknown kind is ignored)."""
    form = MetricFilterForm(data)
    return form.cleaned_data["kind"] if form.is_valid() else ""


def _chart(user: User, kind: str) -> str:
    newest = metrics.metrics_for_user(user=user, kind=kind).values_list("measured_at", "value")
    points = [(timezone.localtime(moment), float(value)) for moment, value in newest[:CHART_POINTS]]
    return charts.line_chart_svg(points, unit=metrics.KINDS[kind].unit)


@GET_OR_POST
@member_page
def metric_list(request: HttpRequest) -> HttpResponse:
    """Your measurements, newest first, filtered by kind; a form to add one; a chart of one kind."""
    kind = _kind_filter(request.GET)
    if request.method == "POST":
        form = MetricForm(request.POST)
        if form.is_valid():
            try:
                metric = metrics.metric_record(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(
                    request, f"Recorded {metric.get_kind_display().lower()}: {metric.value} {metric.unit}."
                )
                return redirect(_metrics_url(kind=metric.kind if kind else ""))
    else:
        form = MetricForm(initial={"kind": kind or DEFAULT_CHART_KIND})
    chart_kind = kind or DEFAULT_CHART_KIND
    page = Paginator(metrics.metrics_for_user(user=request.user, kind=kind), METRICS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "filter_form": MetricFilterForm(initial={"kind": kind}),
        "kind": kind,
        "page": page,
        "chart_kind_label": BodyMetric.Kind(chart_kind).label,
        "chart": _chart(request.user, chart_kind),
    }
    return render(request, "accounts/metrics.html", context)


@require_POST
@member_page
def metric_delete(request: HttpRequest, metric_id) -> HttpResponse:
    """Delete one of your measurements and go back to the list where you were."""
    try:
        metric = metrics.metric_get_for_user(user=request.user, metric_id=metric_id)
    except NotFoundError:
        raise Http404("No such measurement.") from None
    label = f"{metric.get_kind_display().lower()} of {timezone.localtime(metric.measured_at):%Y-%m-%d %H:%M}"
    metrics.metric_delete(metric=metric)
    messages.success(request, f"Deleted the {label}.")
    page = request.POST.get("page", "")
    return redirect(_metrics_url(kind=_kind_filter(request.POST), page=page if page.isdigit() else ""))
