"""The AI coach page: a form to generate a workout or a program, the plan with its rationale and
warnings, and a button that saves it (a planned workout, or a private program).

Like the API it only parses the form and calls `ai.coach`; quota and safety rules are the same.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.forms import form_add_service_errors
from accounts.profile_pages import GET_OR_POST, member_page
from ai import coach
from ai.providers.base import EXPERIENCE_LEVELS, GOALS
from exercises.models import Equipment
from fitai.errors import DomainError


def _words(text: str) -> list[str]:
    return [word.strip() for word in text.replace(";", ",").split(",") if word.strip()][:10]


class CoachForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("workout", "One workout"), ("program", "A program")], initial="workout"
    )
    goal = forms.ChoiceField(
        choices=[(g, g.replace("_", " ").capitalize()) for g in GOALS], initial="hypertrophy"
    )
    experience_level = forms.ChoiceField(
        choices=[(e, e.capitalize()) for e in EXPERIENCE_LEVELS], initial="beginner"
    )
    minutes = forms.IntegerField(min_value=15, max_value=180, initial=60, label="Minutes per session")
    days_per_week = forms.IntegerField(min_value=1, max_value=6, initial=3, help_text="Programs only.")
    weeks = forms.IntegerField(min_value=1, max_value=52, initial=8, help_text="Programs only.")
    equipment = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="None ticked: bodyweight only."
    )
    focus = forms.CharField(
        max_length=200, required=False, help_text="Workouts: e.g. upper, legs, chest, biceps."
    )
    injuries = forms.CharField(
        max_length=300, required=False, help_text="Comma-separated, e.g. shoulder, knee."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["equipment"].choices = list(Equipment.objects.values_list("slug", "name"))


def _run(user, data: dict, *, save: bool):
    if data["kind"] == "workout":
        return coach.workout_generate(
            user=user,
            goal=data["goal"],
            duration_minutes=data["minutes"],
            equipment=data["equipment"],
            focus=_words(data["focus"]),
            experience_level=data["experience_level"],
            injuries=_words(data["injuries"]),
            save=save,
        )
    return coach.program_generate(
        user=user,
        goal=data["goal"],
        days_per_week=data["days_per_week"],
        session_minutes=data["minutes"],
        equipment=data["equipment"],
        experience_level=data["experience_level"],
        weeks=data["weeks"],
        injuries=_words(data["injuries"]),
        save=save,
    )


@GET_OR_POST
@member_page
def coach_page(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: the plan (preview); POST with `save`: create it and open it."""
    form = CoachForm(request.POST if request.method == "POST" else None)
    answer, status = None, 200
    if form.is_valid():
        save = "save" in request.POST
        try:
            answer, saved = _run(request.user, form.cleaned_data, save=save)
        except ValidationError as error:
            form_add_service_errors(form, error)
        except DomainError as error:  # the daily quota
            form.add_error(None, error.message)
            status = error.status_code
        else:
            if saved is not None and form.cleaned_data["kind"] == "workout":
                return redirect(reverse("workouts:detail", kwargs={"workout_id": saved.public_id}))
            if saved is not None:
                return redirect(reverse("programs:detail", kwargs={"template_id": saved.public_id}))
    elif request.method == "POST":
        status = 400
    days = (
        answer["days"]
        if answer and "days" in answer
        else ([{"name": answer["name"], "exercises": answer["exercises"]}] if answer else [])
    )
    return render(request, "ai/coach.html", {"form": form, "answer": answer, "days": days}, status=status)
