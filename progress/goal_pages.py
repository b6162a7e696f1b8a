"""The goals page: your goals with their progress bars, status and milestones; forms to set a goal,
add a milestone, abandon, reactivate or delete one.

Like the API (`progress.goal_views`) it only parses forms and calls `progress.goals`, which computes
every goal's progress in a fixed number of queries; another member's goal is not found (404).
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.forms import form_add_service_errors
from accounts.profile_pages import GET_OR_POST, member_page
from exercises.models import Exercise
from fitai.errors import DomainError, NotFoundError
from progress import goals
from progress.models import ExerciseDaySummary, Goal

# The exercise suggestions are the ones you have trained, most recent first.
EXERCISE_SUGGESTIONS = 100
STATUS_FILTERS = [("", "All"), *Goal.Status.choices]


def _number(label: str, *, required: bool = False, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=12,
        decimal_places=3,
        min_value=-100_000_000,
        max_value=100_000_000,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class GoalForm(forms.Form):
    """A new goal; the type's rules (bounds, exercise, weight, units) are checked by `goal_create`."""

    type = forms.ChoiceField(label="Type", choices=Goal.Type.choices)
    title = forms.CharField(max_length=120)
    target_value = _number(
        "Target", required=True, help_text="Reps for a reps goal; workouts a week for a frequency goal."
    )
    unit = forms.CharField(
        max_length=16, required=False, help_text="kg or lb for weights (kg by default); any unit for custom."
    )
    exercise = forms.CharField(
        max_length=120,
        required=False,
        help_text="For one-rep-max and reps goals: the exercise's slug.",
        widget=forms.TextInput(attrs={"list": "goal-exercises", "autocomplete": "off"}),
    )
    weight_kg = _number("Weight", help_text="For a reps goal: the weight the reps are done at.")
    current_value = _number("Where you stand", help_text="Custom goals only.")
    deadline = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments = {"type": data["type"], "title": data["title"], "target_value": data["target_value"]}
        optional = {
            "unit": data.get("unit") or None,
            "exercise_id": data.get("exercise") or None,
            "weight_kg": data.get("weight_kg"),
            "current_value": data.get("current_value"),
            "deadline": data.get("deadline"),
        }
        arguments.update({name: value for name, value in optional.items() if value is not None})
        return arguments


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=120)
    target_value = _number("Target", required=True, help_text="In the goal's unit.")
    due_date = forms.DateField(label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _milestone_ids(goal: Goal) -> str:
    """Each goal's milestone form gets its own element ids, so labels point at the right inputs."""
    return f"id_milestone_{goal.public_id.hex}_%s"


def _goals_url(status: str = "") -> str:
    return reverse("progress:goals") + (f"?status={status}" if status else "")


def _status_filter(request: HttpRequest) -> str:
    status = request.GET.get("status", "")
    return status if status in Goal.Status.values else ""


def _suggestions(request: HttpRequest) -> list[Exercise]:
    trained = ExerciseDaySummary.objects.filter(user=request.user).order_by("-day").values("exercise_id")
    ids = list(dict.fromkeys(row["exercise_id"] for row in trained[: EXERCISE_SUGGESTIONS * 5]))
    return list(
        Exercise.objects.filter(pk__in=ids[:EXERCISE_SUGGESTIONS]).only("slug", "name").order_by("name")
    )


def _render(
    request: HttpRequest,
    form: GoalForm,
    *,
    status: int = 200,
    milestone_forms: dict[int, MilestoneForm] | None = None,
) -> HttpResponse:
    chosen = _status_filter(request)
    listed = goals.goals_with_progress(
        goals.goals_for_user(user=request.user, status=chosen), user=request.user
    )
    for goal in listed:
        goal.milestone_form = (milestone_forms or {}).get(goal.pk) or MilestoneForm(
            auto_id=_milestone_ids(goal)
        )
    context = {
        "form": form,
        "goals": listed,
        "status_filter": chosen,
        "status_filters": [(value, label, _goals_url(value)) for value, label in STATUS_FILTERS],
        "exercise_suggestions": _suggestions(request),
    }
    return render(request, "progress/goals.html", context, status=status)


@GET_OR_POST
@member_page
def goal_list(request: HttpRequest) -> HttpResponse:
    """Your goals, newest first, filtered by status; POST sets a new goal."""
    if request.method != "POST":
        return _render(request, GoalForm())
    form = GoalForm(request.POST)
    if not form.is_valid():
        return _render(request, form, status=400)
    try:
        goal = goals.goal_create(user=request.user, **form.service_arguments())
    except ValidationError as error:
        form_add_service_errors(form, error, renamed={"exercise_id": "exercise"})
        return _render(request, form, status=400)
    messages.success(request, f"Goal set: {goal.title}.")
    return redirect(_goals_url())


def _own_goal(request: HttpRequest, goal_id: uuid.UUID) -> Goal:
    try:
        return goals.goal_get_for_user(user=request.user, goal_id=goal_id)
    except NotFoundError:
        raise Http404("No such goal.") from None


@require_POST
@member_page
def goal_milestone(request: HttpRequest, goal_id: uuid.UUID) -> HttpResponse:
    """Add a milestone to one of your active goals."""
    goal = _own_goal(request, goal_id)
    form = MilestoneForm(request.POST, auto_id=_milestone_ids(goal))
    if form.is_valid():
        try:
            milestone = goals.milestone_create(goal=goal, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Milestone added to {goal.title}: {milestone.title}.")
            return redirect(_goals_url())
    return _render(request, GoalForm(), status=400, milestone_forms={goal.pk: form})


@require_POST
@member_page
def goal_status(request: HttpRequest, goal_id: uuid.UUID, action: str) -> HttpResponse:
    """Abandon one of your goals, or take an abandoned one up again while its deadline allows."""
    goal = _own_goal(request, goal_id)
    status = Goal.Status.ABANDONED if action == "abandon" else Goal.Status.ACTIVE
    try:
        goal = goals.goal_update(goal=goal, status=status)
    except DomainError as error:  # reactivating after the deadline, or a goal already closed
        messages.error(request, error.message)
    else:
        messages.success(request, f"{goal.title}: {goal.get_status_display().lower()}.")
    return redirect(_goals_url(_status_filter(request)))


@require_POST
@member_page
def goal_remove(request: HttpRequest, goal_id: uuid.UUID) -> HttpResponse:
    """Delete one of your goals and its milestones."""
    goal = _own_goal(request, goal_id)
    goals.goal_delete(goal=goal)
    messages.success(request, f"Deleted the goal {goal.title}.")
    return redirect(_goals_url())
