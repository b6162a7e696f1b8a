"""Pages of the exercise library: browse and search, one exercise with its rating form, and submission.

The library is public on the web, so anyone may browse and read; rating and submitting need a
signed-in member with a confirmed address, as in the API. Like the API (`exercises.views`) the
pages parse a form and call `exercises.selectors`, `exercises.search` or `exercises.services`:
who sees what is decided by `exercises_visible_to` alone, so another member's pending
submission is not found (404), and a refused write is a message on the page, never an error page.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import form_add_service_errors
from exercises import selectors, services
from exercises.filters import ExerciseFilter
from exercises.forms import BrowseForm, ExerciseSubmitForm, RatingForm
from exercises.models import Exercise
from exercises.search import search_exercise_ids
from fitai.api.throttling import ScopedRateThrottle
from fitai.errors import DomainError, NotFoundError

EXERCISES_PER_PAGE = 24
# A search ranks its matches in full on every page view; ten pages of them are plenty to browse.
SEARCH_LIMIT = 10 * EXERCISES_PER_PAGE
MEDIA_SCHEMES = ("http", "https")

GET_ONLY = require_http_methods(["GET", "HEAD"])
GET_OR_POST = require_http_methods(["GET", "HEAD", "POST"])


class SearchScope:
    """The API's `search` throttle scope: the page and `GET /exercises/search` share one budget."""

    throttle_scope = "search"


class RatingScope:
    """The API's `rating` throttle scope, shared with `POST /exercises/<id>/rate`."""

    throttle_scope = "rating"


def _viewer_id(request: HttpRequest) -> str | None:
    return str(request.user.public_id) if request.user.is_authenticated else None


def _visible(request: HttpRequest):
    return selectors.exercises_visible_to(user_public_id=_viewer_id(request))


# --- Cards --------------------------------------------------------------------------------------


def stars(score: float) -> str:
    """Five stars, as many filled as the score rounds to (0 to 5)."""
    filled = max(0, min(5, round(score)))
    return "★" * filled + "☆" * (5 - filled)


@dataclass(frozen=True)
class ExerciseCard:
    """One exercise as a result card shows it; built from rows loaded by `with_relations`."""

    slug: str
    name: str
    muscles: list[str]
    equipment: list[str]
    difficulty: str
    difficulty_label: str
    status: str
    status_label: str
    rating_score: float
    rating_count: int
    stars: str


def _card(exercise: Exercise) -> ExerciseCard:
    # `.all()` reads the prefetched, name-ordered relations: no query per card.
    return ExerciseCard(
        slug=exercise.slug,
        name=exercise.name,
        muscles=[muscle.name for muscle in exercise.primary_muscles.all()],
        equipment=[item.name for item in exercise.equipment.all()],
        difficulty=exercise.difficulty,
        difficulty_label=exercise.get_difficulty_display(),
        status=exercise.status,
        status_label=exercise.get_status_display(),
        rating_score=exercise.rating_score,
        rating_count=exercise.rating_count,
        stars=stars(exercise.rating_score),
    )


# --- Browse -------------------------------------------------------------------------------------


def _search_page(request: HttpRequest, exercises, q: str, ordering: str | None) -> tuple[Page, list]:
    ids = search_exercise_ids(q=q, queryset=exercises, limit=SEARCH_LIMIT)
    if ordering:  # a chosen order replaces the relevance order among the matches
        matches = Exercise.objects.filter(pk__in=ids)
        ids = list(selectors.exercises_ordered(matches, ordering).values_list("pk", flat=True))
    page = Paginator(ids, EXERCISES_PER_PAGE).get_page(request.GET.get("page"))
    found = selectors.with_relations(Exercise.objects.filter(pk__in=list(page.object_list))).in_bulk()
    return page, [found[pk] for pk in page.object_list if pk in found]


@GET_ONLY
def exercise_browse(request: HttpRequest) -> HttpResponse:
    """The library with filters and a typo-tolerant search, 24 cards a page, in a fixed number of queries."""
    form = BrowseForm(request.GET, muscles=selectors.muscles_all(), equipment=selectors.equipment_all())
    form.is_valid()  # a bad value is shown next to its field and ignored; the valid ones still apply
    params = form.filters()
    exercises = ExerciseFilter(params, queryset=_visible(request)).qs
    q = (form.cleaned_data.get("q") or "").strip()
    status = 200
    if q:
        throttle = ScopedRateThrottle()
        if throttle.allow_request(request, SearchScope):
            page, rows = _search_page(request, exercises, q, params.get("ordering"))
        else:
            form.add_error("q", "Too many searches: wait a minute and try again.")
            page, rows, status = Paginator([], EXERCISES_PER_PAGE).get_page(1), [], 429
    else:
        ordered = selectors.with_relations(selectors.exercises_ordered(exercises, params.get("ordering")))
        page = Paginator(ordered, EXERCISES_PER_PAGE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    context = {
        "form": form,
        "q": q,
        "is_filtered": bool(q or set(params) - {"ordering"}),
        "page": page,
        "cards": [_card(exercise) for exercise in rows],
    }
    return render(request, "exercises/browse.html", context, status=status)


# --- Detail and rating --------------------------------------------------------------------------


def _exercise_or_404(request: HttpRequest, slug: str) -> Exercise:
    try:
        return selectors.exercise_get_visible(id_or_slug=slug, visible=_visible(request))
    except NotFoundError as error:
        raise Http404(error.message) from error


def _media_links(exercise: Exercise) -> list[dict[str, str]]:
    """The exercise's links that are plain web addresses; anything else (javascript:, data:) is dropped."""
    links = []
    for link in exercise.media or []:
        url = str(link.get("url", "")) if isinstance(link, dict) else ""
        if urlsplit(url).scheme.lower() in MEDIA_SCHEMES:
            links.append({"url": url, "title": link.get("title") or url, "type": link.get("type", "")})
    return links


def _detail_context(request: HttpRequest, exercise: Exercise, *, form: RatingForm | None = None) -> dict:
    my_rating = selectors.my_rating_for(
        exercise_public_id=str(exercise.public_id), user_public_id=_viewer_id(request)
    )
    user = request.user
    can_rate = user.is_authenticated and user.email_verified and exercise.status == Exercise.Status.APPROVED
    if can_rate and form is None:
        form = RatingForm(initial=my_rating)
    average = round(exercise.rating_sum / exercise.rating_count, 1) if exercise.rating_count else None
    return {
        "exercise": exercise,
        "media_links": _media_links(exercise),
        "stars": stars(exercise.rating_score),
        "average": average,
        "my_rating": my_rating,
        "can_rate": can_rate,
        "rating_form": form if can_rate else None,
    }


@GET_ONLY
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One exercise: how to do it safely, what it trains, its rating, and your own rating form."""
    exercise = _exercise_or_404(request, slug)
    return render(request, "exercises/detail.html", _detail_context(request, exercise))


@require_POST
def exercise_rating(request: HttpRequest, slug: str) -> HttpResponse:
    """Rate from 1 to 5 (confirmed address); rating again updates your rating."""
    detail_url = reverse("exercises:detail", kwargs={"slug": slug})
    if not request.user.is_authenticated:
        return redirect_to_login(detail_url)
    exercise = _exercise_or_404(request, slug)
    if not request.user.email_verified:
        return render(request, "exercises/detail.html", _detail_context(request, exercise), status=403)
    form = RatingForm(request.POST)
    status = 400
    if not ScopedRateThrottle().allow_request(request, RatingScope):
        form.add_error(None, "Too many ratings: wait a minute and try again.")
        status = 429
    elif form.is_valid():
        try:
            _rating, created = services.exercise_rate(
                exercise=exercise, user=request.user, **form.cleaned_data
            )
        except DomainError as error:  # only approved exercises can be rated
            form.add_error(None, error.message)
        else:
            messages.success(request, "Thanks for rating!" if created else "Your rating was updated.")
            return redirect(f"{detail_url}#rating")
    return render(
        request, "exercises/detail.html", _detail_context(request, exercise, form=form), status=status
    )


# --- Submission ---------------------------------------------------------------------------------


def _duplicate(request: HttpRequest, existing: dict[str, Any]) -> dict[str, Any]:
    """The exercise that already has the name, and whether the member may open it."""
    viewable = _visible(request).filter(slug=existing["slug"]).exists()
    return {"name": existing["name"], "slug": existing["slug"], "viewable": viewable}


@GET_OR_POST
@login_required
@never_cache
def exercise_submit(request: HttpRequest) -> HttpResponse:
    """Propose an exercise (confirmed address): pending review, or in the library at once for trainers."""
    if not request.user.email_verified:
        return render(request, "exercises/submit.html", {"unverified": True}, status=403)
    form = ExerciseSubmitForm(
        request.POST if request.method == "POST" else None,
        muscles=selectors.muscles_all(),
        equipment=selectors.equipment_all(),
    )
    duplicate = None
    if form.is_valid():
        try:
            exercise = services.exercise_create(user=request.user, **form.cleaned_data)
        except services.DuplicateExerciseError as error:
            duplicate = _duplicate(request, error.extra["existing"])
            form.add_error("name", "Choose another name.")
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            if exercise.status == Exercise.Status.APPROVED:
                messages.success(request, f"“{exercise.name}” is in the library.")
            else:
                messages.success(
                    request,
                    f"Thanks! “{exercise.name}” is pending review: only you can see it until a "
                    "moderator approves it.",
                )
            return redirect("exercises:detail", slug=exercise.slug)
    return render(request, "exercises/submit.html", {"form": form, "duplicate": duplicate})
