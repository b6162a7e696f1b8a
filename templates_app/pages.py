"""Pages of workout programs: browse, one program, the builder, and the buttons on a program.

Every page needs a signed-in member. Like the API (`templates_app.views`) the pages parse a form
and call `templates_app.selectors` or `templates_app.services`; who sees what is decided by
`templates_visible_to` alone, so a program you may not see is not found (404), and only its owner
may edit or delete it (403). The builder posts the whole program as one form and re-renders it
for its "add" and "remove" buttons, so it works without JavaScript; `static/js/program-builder.js`
only saves those round trips.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from exercises.models import Exercise
from exercises.pages import stars
from exercises.search import search_exercise_ids
from exercises.selectors import equipment_all
from fitai.api.exceptions import flatten_error_paths
from fitai.api.throttling import ScopedRateThrottle
from fitai.errors import DomainError, ForbiddenError, NotFoundError
from fitai.pages import member_page
from templates_app import selectors, services
from templates_app.forms import (
    SET_SYNTAX_HELP,
    TABS,
    BuilderState,
    ExerciseCatalog,
    ProgramBrowseForm,
    ProgramBuilder,
    ProgramRatingForm,
    reps_text,
)
from templates_app.models import TemplateExercise, TemplateSet, Visibility, WorkoutTemplate

PROGRAMS_PER_PAGE = 24

GET_ONLY = require_http_methods(["GET", "HEAD"])
GET_OR_POST = require_http_methods(["GET", "HEAD", "POST"])


class RatingScope:
    """The API's `rating` throttle scope, shared with `POST /templates/<id>/rate`."""

    throttle_scope = "rating"


def _visible(request: HttpRequest):
    return selectors.templates_visible_to(user=request.user)


def _template_or_404(request: HttpRequest, template_id: str) -> WorkoutTemplate:
    try:
        return selectors.template_get_visible(user=request.user, template_id=template_id)
    except NotFoundError as error:
        raise Http404(error.message) from error


def _program_or_404(request: HttpRequest, template_id: str) -> WorkoutTemplate:
    """The visible program with its whole nesting, in a fixed number of queries."""
    template = _template_or_404(request, template_id)
    return selectors.with_program(_visible(request)).get(pk=template.pk)


def _own_or_403(request: HttpRequest, template: WorkoutTemplate) -> None:
    if template.owner_id != request.user.pk:
        raise PermissionDenied("Only the owner can change this program.")


def _detail_url(template: WorkoutTemplate) -> str:
    return reverse("programs:detail", kwargs={"template_id": template.public_id})


# --- Browse -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramCard:
    """One program as a result card shows it; built from rows loaded by `with_summary`."""

    public_id: str
    name: str
    goal_label: str
    difficulty: str
    difficulty_label: str
    visibility: str
    visibility_label: str
    days_per_week: int
    duration_weeks: int
    owner: str
    is_mine: bool
    is_featured: bool
    favorite_count: int
    rating_score: float
    rating_count: int
    stars: str
    equipment: list[str]


def _card(template: WorkoutTemplate, viewer_id: int) -> ProgramCard:
    return ProgramCard(
        public_id=str(template.public_id),
        name=template.name,
        goal_label=template.get_goal_display(),
        difficulty=template.difficulty,
        difficulty_label=template.get_difficulty_display(),
        visibility=template.visibility,
        visibility_label=template.get_visibility_display(),
        days_per_week=template.days_per_week,
        duration_weeks=template.duration_weeks,
        owner=template.owner.username,
        is_mine=template.owner_id == viewer_id,
        is_featured=template.is_featured,
        favorite_count=template.favorite_count,
        rating_score=template.rating_score,
        rating_count=template.rating_count,
        stars=stars(template.rating_score),
        # `.all()` reads the prefetched, name-ordered equipment: no query per card.
        equipment=[item.name for item in template.required_equipment.all()],
    )


def _tab_queryset(request: HttpRequest, tab: str):
    templates = _visible(request)
    if tab == "mine":
        return templates.filter(owner=request.user)
    if tab == "public":
        return templates.filter(visibility=Visibility.PUBLIC)
    if tab == "featured":
        return templates.filter(is_featured=True, visibility=Visibility.PUBLIC)
    return templates


@GET_ONLY
@member_page
def program_browse(request: HttpRequest) -> HttpResponse:
    """Yours, public, featured or everything you may see, filtered, 24 cards a page in fixed queries."""
    form = ProgramBrowseForm(request.GET, equipment=equipment_all())
    form.is_valid()  # a bad value is shown next to its field and ignored; the valid ones still apply
    tab, filters = form.tab_key(), form.filters()
    templates = selectors.templates_filtered(_tab_queryset(request, tab), **filters)
    ordered = selectors.with_summary(selectors.templates_ordered(templates, form.ordering_key()))
    page = Paginator(ordered, PROGRAMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "tab": tab,
        "tabs": TABS,
        "is_filtered": bool(filters),
        "page": page,
        "cards": [_card(template, request.user.pk) for template in page.object_list],
    }
    return render(request, "programs/browse.html", context)


# --- Detail -------------------------------------------------------------------------------------

SET_LOAD_UNITS = (("weight_kg", "{} kg"), ("percent_1rm", "{}% 1RM"))


def _number(value: Any) -> str:
    return format(value.normalize(), "f") if value is not None else ""


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _rest(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" if not rest else f"{minutes}:{rest:02d} min"


def describe_progression(progression: dict | None) -> str:
    """The progression rule in words, for people rather than programs."""
    progression = progression or {}
    kind = progression.get("type") or "none"
    increment = progression.get("increment_kg")
    step = f"{_number(_decimal(increment))} kg" if increment else "a little weight"
    if kind == "linear":
        text = f"Linear progression: add {step} each time you complete every set."
    elif kind == "double":
        text = (
            f"Double progression: add reps until every set reaches the top of its range, then add {step} "
            "and start again at the bottom."
        )
    elif kind == "percentage":
        waves = ", ".join(f"{_number(_decimal(p))}%" for p in progression.get("percentages") or [])
        text = f"Percentage waves: {waves} of your one-rep max, one week each." if waves else ""
    else:
        text = ""
    if progression.get("deload_every_weeks"):
        text = f"{text} Deload every {progression['deload_every_weeks']} weeks.".strip()
    return text


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


@dataclass(frozen=True)
class SetRow:
    number: int
    set_type: str
    type_label: str
    reps: str
    load: str
    rpe: str
    rest: str
    tempo: str


@dataclass(frozen=True)
class ExerciseBlock:
    number: int
    name: str
    slug: str | None  # None when the exercise is not in the public library (a draft, or deleted)
    notes: str
    rest: str
    progression: str
    superset_group: str
    sets: list[SetRow]


@dataclass(frozen=True)
class ExerciseGroup:
    """Exercises done back to back: one superset, or a single exercise on its own."""

    superset_group: str
    items: list[ExerciseBlock]


def _set_row(number: int, row: TemplateSet) -> SetRow:
    loads = [unit.format(_number(getattr(row, name))) for name, unit in SET_LOAD_UNITS if getattr(row, name)]
    return SetRow(
        number=number,
        set_type=row.set_type,
        type_label=row.get_set_type_display(),
        reps=reps_text(row).replace("-", "\N{EN DASH}"),
        load=" / ".join(loads),
        rpe=_number(row.rpe),
        rest=_rest(row.rest_seconds),
        tempo=row.tempo,
    )


def _exercise_block(item: TemplateExercise) -> ExerciseBlock:
    exercise = item.exercise
    in_library = exercise.status == Exercise.Status.APPROVED and exercise.deleted_at is None
    return ExerciseBlock(
        number=item.order + 1,
        name=exercise.name,
        slug=exercise.slug if in_library else None,
        notes=item.notes,
        rest=_rest(item.rest_seconds),
        progression=describe_progression(item.progression),
        superset_group=item.superset_group,
        sets=[_set_row(n, row) for n, row in enumerate(item.sets.all(), start=1)],
    )


def _exercise_groups(items: list[TemplateExercise]) -> list[ExerciseGroup]:
    """Neighbours with the same superset letter are grouped; the rest stand alone."""
    groups: list[ExerciseGroup] = []
    for item in items:
        block = _exercise_block(item)
        if groups and block.superset_group and groups[-1].superset_group == block.superset_group:
            groups[-1].items.append(block)
        else:
            groups.append(ExerciseGroup(block.superset_group, [block]))
    return groups


def _detail_context(
    request: HttpRequest, template: WorkoutTemplate, *, rating_form: ProgramRatingForm | None = None
) -> dict[str, Any]:
    user = request.user
    is_favorite, my_rating = selectors.viewer_marks(user=user, template=template)
    forked_from = template.forked_from
    if forked_from is not None and not _visible(request).filter(pk=forked_from.pk).exists():
        forked_from = None  # never name a program the viewer may not see
    can_rate = user.email_verified
    if can_rate and rating_form is None:
        initial = {"score": my_rating.score, "review": my_rating.review} if my_rating else None
        rating_form = ProgramRatingForm(initial=initial)
    stats = services.template_stats(template=template)
    rate = stats["completion_rate"]
    days = [
        {"day": day, "groups": _exercise_groups(list(day.exercises.all()))} for day in template.days.all()
    ]
    return {
        "template": template,
        "days": days,
        "is_owner": template.owner_id == user.pk,
        "is_favorite": is_favorite,
        "my_rating": my_rating,
        "forked_from": forked_from,
        "stats": stats,
        "completion_rate": f"{round(rate * 100)}%" if rate is not None else "—",
        "average_duration": _duration(stats["average_duration_seconds"]),
        "stars": stars(template.rating_score),
        "average": round(template.rating_sum / template.rating_count, 1) if template.rating_count else None,
        "can_rate": can_rate,
        "rating_form": rating_form if can_rate else None,
    }


@GET_ONLY
@member_page
def program_detail(request: HttpRequest, template_id: str) -> HttpResponse:
    """The whole program: days, exercises and their sets, its stats, rating and buttons."""
    template = _program_or_404(request, template_id)
    return render(request, "programs/detail.html", _detail_context(request, template))


@require_POST
@member_page
def program_favorite(request: HttpRequest, template_id: str) -> HttpResponse:
    template = _template_or_404(request, template_id)
    services.template_favorite(template=template, user=request.user)
    messages.success(request, f"“{template.name}” is in your favourites.")
    return redirect(_detail_url(template))


@require_POST
@member_page
def program_unfavorite(request: HttpRequest, template_id: str) -> HttpResponse:
    template = _template_or_404(request, template_id)
    services.template_unfavorite(template=template, user=request.user)
    messages.success(request, f"“{template.name}” is no longer in your favourites.")
    return redirect(_detail_url(template))


@require_POST
@member_page
def program_duplicate(request: HttpRequest, template_id: str) -> HttpResponse:
    """A private copy that is yours to change; the page of the copy opens."""
    source = _program_or_404(request, template_id)
    try:
        copy = services.template_duplicate(template=source, user=request.user)
    except ValidationError:
        messages.error(
            request,
            "This program uses someone else's exercise still awaiting review: it cannot be copied yet.",
        )
        return redirect(_detail_url(source))
    messages.success(request, f"This is your own private copy of “{source.name}”: change it as you like.")
    return redirect(_detail_url(copy))


@require_POST
@member_page
def program_rate(request: HttpRequest, template_id: str) -> HttpResponse:
    """Rate from 1 to 5 (confirmed address); rating again updates your rating."""
    template = _program_or_404(request, template_id)
    if not request.user.email_verified:
        return render(request, "programs/detail.html", _detail_context(request, template), status=403)
    form = ProgramRatingForm(request.POST)
    status = 400
    if not ScopedRateThrottle().allow_request(request, RatingScope):
        form.add_error(None, "Too many ratings: wait a minute and try again.")
        status = 429
    elif form.is_valid():
        _rating, created = services.template_rate(template=template, user=request.user, **form.cleaned_data)
        messages.success(request, "Thanks for rating!" if created else "Your rating was updated.")
        return redirect(f"{_detail_url(template)}#rating")
    context = _detail_context(request, template, rating_form=form)
    return render(request, "programs/detail.html", context, status=status)


@GET_OR_POST
@member_page
def program_delete(request: HttpRequest, template_id: str) -> HttpResponse:
    """Ask first; deleting is soft, so workouts started from the program keep their link."""
    template = _template_or_404(request, template_id)
    _own_or_403(request, template)
    if request.method == "POST":
        services.template_delete(template=template, user=request.user)
        messages.success(request, f"“{template.name}” is deleted.")
        return redirect(f"{reverse('programs:browse')}?tab=mine")
    return render(request, "programs/delete.html", {"template": template})


# --- Builder ------------------------------------------------------------------------------------


def _exercise_catalog(request: HttpRequest, template: WorkoutTemplate | None = None) -> ExerciseCatalog:
    """What the services let this author use: live approved exercises, their own live drafts, and
    the exercises the program being edited already uses (even if soft-deleted since)."""
    usable = Exercise.objects.filter(
        Q(deleted_at__isnull=True) & (Q(status=Exercise.Status.APPROVED) | Q(created_by=request.user))
        | Q(pk__in=TemplateExercise.objects.filter(day__template=template).values("exercise_id"))
    )

    def suggest(text: str) -> str | None:
        ids = search_exercise_ids(q=text, queryset=usable, limit=1)
        return Exercise.objects.filter(pk__in=ids).values_list("name", flat=True).first()

    exercises = usable.only("public_id", "name", "slug", "name_key", "status").prefetch_related(
        "primary_muscles"
    )
    return ExerciseCatalog(exercises, suggest=suggest)


def _builder_response(
    request: HttpRequest,
    builder: ProgramBuilder,
    *,
    template: WorkoutTemplate | None,
    status: int = 200,
    stale_version: int | None = None,
) -> HttpResponse:
    if template is None:
        action = reverse("programs:new")
    else:
        action = reverse("programs:edit", kwargs={"template_id": template.public_id})
    context = {
        "builder": builder,
        "template": template,
        "action": action,
        "exercise_options": builder.catalog.options,
        "syntax_help": SET_SYNTAX_HELP,
        "stale_version": stale_version,
    }
    return render(request, "programs/builder.html", context, status=status)


def _builder(request: HttpRequest, template: WorkoutTemplate | None) -> HttpResponse:
    """Show the builder, re-render it for its buttons, or save the program it holds."""
    catalog = _exercise_catalog(request, template)
    if request.method != "POST":
        state = BuilderState.from_template(template) if template else BuilderState.blank()
        return _builder_response(request, ProgramBuilder(state, catalog=catalog), template=template)
    state = BuilderState.from_post(request.POST)
    if state.apply(request.POST):
        return _builder_response(request, ProgramBuilder(state, catalog=catalog), template=template)
    builder = ProgramBuilder(state, catalog=catalog)
    document = builder.document()
    if document is None:
        return _builder_response(request, builder, template=template, status=400)
    try:
        if template is None:
            saved = services.template_create(owner=request.user, document=document)
        else:
            version = state.program.get("version", "")
            saved = services.template_replace(
                template=template,
                user=request.user,
                document=document,
                version=int(version) if version.isdigit() else 0,
            )
    except services.StaleVersionError as error:
        current = error.extra.get("current_version")
        return _builder_response(request, builder, template=template, status=409, stale_version=current)
    except ValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        builder.add_errors(flatten_error_paths(detail))
        return _builder_response(request, builder, template=template, status=400)
    except ForbiddenError as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        builder.add_errors({"non_field_errors": [error.message]})
        return _builder_response(request, builder, template=template, status=error.status_code)
    if template is None:
        messages.success(request, f"“{saved.name}” is saved.")
    else:
        messages.success(request, f"“{saved.name}” is saved (version {saved.version}).")
    return redirect(_detail_url(saved))


@GET_OR_POST
@member_page
def program_new(request: HttpRequest) -> HttpResponse:
    """Build a program from scratch."""
    return _builder(request, None)


@GET_OR_POST
@member_page
def program_edit(request: HttpRequest, template_id: str) -> HttpResponse:
    """Change your program; the version it was loaded at must still be current to save."""
    template = _program_or_404(request, template_id)
    _own_or_403(request, template)
    return _builder(request, template)
