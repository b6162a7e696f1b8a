"""Pages of workouts: your history with a "start a workout" form, and one workout, live or done.

Every page needs a signed-in member and shows only your own workouts (`workouts.selectors`):
anyone else's is not found (404). Each button is a small POST form that calls one service of
`workouts.services` and redirects back, so logging works without JavaScript; a refused change
(a `DomainError`, 409 mostly) re-renders the page with the reason and the error's status.
`static/js/live-workout.js` adds the live part: it listens on the workout's socket and refreshes
the page's live section when another device (or this one) changes the workout.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Prefetch, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from fitai.errors import DomainError, NotFoundError
from fitai.pages import member_page
from templates_app.models import TemplateDay, WorkoutTemplate
from templates_app.selectors import template_get_visible, templates_visible_to
from workouts import selectors, services
from workouts.forms import RestForm, SetLogForm, WorkoutStartForm
from workouts.models import PersonalRecord, Workout, WorkoutExercise, WorkoutSet

WORKOUTS_PER_PAGE = 20
PROGRAMS_IN_START_FORM = 50
REST_CHOICES = ((60, "1 min"), (90, "1:30 min"), (120, "2 min"), (180, "3 min"))

GET_OR_POST = require_http_methods(["GET", "HEAD", "POST"])
GET_ONLY = require_http_methods(["GET", "HEAD"])
Status = Workout.Status
TIMES = "\N{MULTIPLICATION SIGN}"


def _workout_or_404(request: HttpRequest, workout_id: str) -> Workout:
    try:
        return selectors.workout_get_for_user(user=request.user, workout_id=workout_id)
    except NotFoundError as error:
        raise Http404(error.message) from error


def _detail_url(workout: Workout) -> str:
    return reverse("workouts:detail", kwargs={"workout_id": workout.public_id})


def _number(value: Decimal | None) -> str:
    """2.50 → "2.5", 100.00 → "100"; "" for nothing."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def duration_text(seconds: int | None) -> str:
    """Return the time as people read it: "45 min", "1 h 05 min"."""
    if not seconds:
        return "—"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


# --- History ------------------------------------------------------------------------------------


def _start_programs(request: HttpRequest) -> list[WorkoutTemplate]:
    """Programs for the start form's select, yours first, then the most used: two queries."""
    mine_first = Case(When(owner=request.user, then=Value(0)), default=Value(1))
    days = Prefetch("days", queryset=TemplateDay.objects.order_by("index"))
    templates = (
        templates_visible_to(user=request.user)
        .order_by(mine_first, "-use_count", "name")
        .prefetch_related(days)
    )
    return list(templates[:PROGRAMS_IN_START_FORM])


def _history(request: HttpRequest, form: WorkoutStartForm, *, status: int = 200) -> HttpResponse:
    workouts = selectors.workouts_of(user=request.user).select_related("template").order_by("-created_at")
    page = Paginator(workouts, WORKOUTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "workout": workout,
            "date": workout.started_at or workout.created_at,
            "duration": duration_text(workout.active_seconds),
            "volume": _number(workout.volume_kg),
        }
        for workout in page.object_list
    ]
    running = selectors.workouts_of(user=request.user).filter(status__in=services.RUNNING).first()
    context = {"form": form, "page": page, "rows": rows, "running": running}
    return render(request, "workouts/history.html", context, status=status)


@GET_OR_POST
@member_page
def workout_history(request: HttpRequest) -> HttpResponse:
    """Your workouts, newest first, 20 a page in a fixed number of queries; POST starts a new one."""
    templates = _start_programs(request)
    if request.method != "POST":
        return _history(request, WorkoutStartForm(templates=templates))
    form = WorkoutStartForm(request.POST, templates=templates)
    if not form.is_valid():
        return _history(request, form, status=400)
    data = form.cleaned_data
    try:
        template = None
        if data["template_id"]:
            template = template_get_visible(user=request.user, template_id=data["template_id"])
        with transaction.atomic():  # a workout that cannot start is not kept as a stray planned one
            workout, _created = services.workout_create(
                owner=request.user, template=template, template_day=data["template_day"], name=data["name"]
            )
            workout = services.workout_start(workout=workout)
    except DomainError as error:
        messages.error(request, error.message)
        return _history(request, form, status=error.status_code)
    messages.success(request, f"“{workout.name}” has started. Log your sets as you go.")
    return redirect(_detail_url(workout))


# --- One workout --------------------------------------------------------------------------------


@dataclass
class SetRow:
    """One set as the page shows it, with the values its form starts with."""

    index: int
    number: int
    set_type: str
    type_label: str
    reps: int
    weight: str
    rpe: str
    is_done: bool
    records: list[str] = field(default_factory=list)


@dataclass
class ExerciseBlock:
    index: int
    number: int
    name: str
    slug: str
    notes: str
    sets: list[SetRow]
    next_set: SetRow


def _set_row(item: WorkoutSet, records: list[str]) -> SetRow:
    return SetRow(
        index=item.index,
        number=item.index + 1,
        set_type=item.set_type,
        type_label=item.get_set_type_display(),
        reps=item.reps,
        weight=_number(item.weight_kg),
        rpe=_number(item.rpe),
        is_done=item.completed_at is not None,
        records=records,
    )


def record_text(record: PersonalRecord, exercise_name: str) -> str:
    """A record in words: "Squat: Heaviest weight 110 kg (was 100 kg)"."""
    unit = "" if record.type == PersonalRecord.Type.MAX_REPS else " kg"
    text = f"{exercise_name}: {record.get_type_display()} {_number(record.value)}{unit}"
    if record.type == PersonalRecord.Type.MAX_REPS and record.weight_kg is not None:
        text += f" at {_number(record.weight_kg)} kg"
    if record.previous_value is not None:
        text += f" (was {_number(record.previous_value)}{unit})"
    return text


def _blocks(workout: Workout) -> tuple[list[ExerciseBlock], list[str]]:
    """The exercises with their sets, and the workout's records in words; no queries of its own."""
    exercises: list[WorkoutExercise] = list(workout.exercises.all())
    names = {item.exercise_id: item.exercise.name for item in exercises}
    by_set: dict[int, list[str]] = {}
    records = []
    for record in sorted(workout.personal_records.all(), key=lambda record: (record.achieved_at, record.pk)):
        text = record_text(record, names.get(record.exercise_id, "Exercise"))
        records.append(text)
        if record.set_id:
            by_set.setdefault(record.set_id, []).append(record.get_type_display())
    blocks = []
    for item in exercises:
        sets = [_set_row(row, by_set.get(row.pk, [])) for row in item.sets.all()]
        last = sets[-1] if sets else None
        next_set = SetRow(
            index=len(sets),
            number=len(sets) + 1,
            set_type=WorkoutSet.SetType.WORKING,
            type_label="",
            reps=last.reps if last else 0,
            weight=last.weight if last else "",
            rpe="",
            is_done=False,
        )
        blocks.append(
            ExerciseBlock(
                index=item.index,
                number=item.index + 1,
                name=item.exercise.name,
                slug=item.exercise.slug,
                notes=item.notes,
                sets=sets,
                next_set=next_set,
            )
        )
    return blocks, records


def _detail(request: HttpRequest, workout_id: str, *, status: int = 200) -> HttpResponse:
    workout = _workout_or_404(request, workout_id)
    workout = selectors.with_document(selectors.workouts_of(user=request.user)).get(pk=workout.pk)
    blocks, records = _blocks(workout)
    done_sets = sum(1 for block in blocks for row in block.sets if row.is_done)
    context = {
        "workout": workout,
        "blocks": blocks,
        "records": records,
        "is_running": workout.status in services.RUNNING,
        "is_open": workout.status != Status.COMPLETED,
        "done_sets": done_sets,
        "duration": duration_text(workout.active_seconds),
        "volume": _number(workout.volume_kg),
        "rest_choices": REST_CHOICES,
        "socket_path": f"/ws/workouts/{workout.public_id}/",
    }
    return render(request, "workouts/detail.html", context, status=status)


@GET_ONLY
@member_page
def workout_detail(request: HttpRequest, workout_id: str) -> HttpResponse:
    """A planned or running workout to log into, or the summary of a completed one."""
    return _detail(request, workout_id)


def _refused(request: HttpRequest, workout: Workout, error: DomainError) -> HttpResponse:
    """Show why the service said no, on the workout's page, with the error's status (409 mostly)."""
    messages.error(request, error.message)
    return _detail(request, str(workout.public_id), status=error.status_code)


@require_POST
@member_page
def workout_set(request: HttpRequest, workout_id: str) -> HttpResponse:
    """Log or correct one set; new personal records come back as a message."""
    workout = _workout_or_404(request, workout_id)
    form = SetLogForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(errors)}" for name, errors in form.errors.items()
        )
        messages.error(request, f"The set was not logged. {problems}")
        return _detail(request, workout_id, status=400)
    exercise_index, set_index = form.cleaned_data["exercise_index"], form.cleaned_data["set_index"]
    try:
        item, records = services.set_log(
            workout=workout, exercise_index=exercise_index, set_index=set_index, data=form.set_data()
        )
    except DomainError as error:
        return _refused(request, workout, error)
    name = (
        WorkoutExercise.objects.filter(workout=workout, index=exercise_index)
        .values_list("exercise__name", flat=True)
        .first()
    )
    weight = _number(item.weight_kg)
    messages.success(request, f"{name}, set {set_index + 1}: {item.reps} {TIMES} {weight} kg logged.")
    for record in records:
        messages.success(request, f"New personal record! {record_text(record, name or 'Exercise')}")
    return redirect(f"{_detail_url(workout)}#exercise-{exercise_index + 1}")


STATE_ACTIONS: dict[str, tuple[Callable[..., Workout], str]] = {
    "start": (services.workout_start, "Workout started."),
    "pause": (services.workout_pause, "Workout paused."),
    "resume": (services.workout_resume, "Workout resumed."),
    "complete": (services.workout_complete, "Workout complete. Well done!"),
}


@require_POST
@member_page
def workout_state(request: HttpRequest, workout_id: str, action: str) -> HttpResponse:
    """Start, pause, resume or complete; the state machine in `workouts.services` decides."""
    workout = _workout_or_404(request, workout_id)
    service, done = STATE_ACTIONS[action]
    try:
        service(workout=workout)
    except DomainError as error:
        return _refused(request, workout, error)
    messages.success(request, done)
    return redirect(_detail_url(workout))


@require_POST
@member_page
def workout_rest(request: HttpRequest, workout_id: str) -> HttpResponse:
    """Start a rest timer on the server: every open device counts down to the same end time."""
    workout = _workout_or_404(request, workout_id)
    form = RestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Rest between 5 seconds and 15 minutes.")
        return _detail(request, workout_id, status=400)
    try:
        workout = services.rest_start(workout=workout, seconds=form.cleaned_data["seconds"])
    except DomainError as error:
        return _refused(request, workout, error)
    return redirect(f"{_detail_url(workout)}#rest")
