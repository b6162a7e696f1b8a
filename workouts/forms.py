"""Forms of the workout pages: start a workout, log one set, start a rest timer.

Bounds match the API's input serializers (`workouts.serializers`, `workouts.consumers`), so a set
the page accepts is one the API would accept too.
"""

from decimal import Decimal
from typing import Any

from django import forms

from templates_app.models import WorkoutTemplate

DAY_SEPARATOR = ":"


def day_choice(template: WorkoutTemplate, day_index: int) -> str:
    """The value of one program day in the start form's select."""
    return f"{template.public_id}{DAY_SEPARATOR}{day_index}"


class WorkoutStartForm(forms.Form):
    """A program day to follow, or an empty workout with a name."""

    program_day = forms.ChoiceField(
        label="Program day",
        required=False,
        help_text="Sets and weights are filled in from the program and your last session.",
    )
    name = forms.CharField(label="Name", max_length=120, required=False)

    def __init__(self, *args: Any, templates: list[WorkoutTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = [
            (
                template.name,
                [
                    (day_choice(template, day.index), f"{template.name} · {day}")
                    for day in template.days.all()
                ],
            )
            for template in templates
        ]
        self.fields["program_day"].choices = [("", "Empty workout"), *[g for g in groups if g[1]]]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choice = data.get("program_day") or ""
        data["template_id"], data["template_day"] = None, None
        if choice:
            template_id, _, day = choice.partition(DAY_SEPARATOR)
            data["template_id"], data["template_day"] = template_id, int(day)
        elif not data.get("name"):
            self.add_error("name", "Name the workout, or choose a program day.")
        return data


class SetLogForm(forms.Form):
    """One set of one exercise; the set index says which (the next free one appends)."""

    exercise_index = forms.IntegerField(min_value=0, max_value=49, widget=forms.HiddenInput)
    set_index = forms.IntegerField(min_value=0, max_value=999, widget=forms.HiddenInput)
    reps = forms.IntegerField(
        label="Reps", min_value=0, max_value=1000, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    weight_kg = forms.DecimalField(
        label="Weight (kg)",
        min_value=Decimal(0),
        max_value=Decimal(1000),
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.25"}),
    )
    rpe = forms.DecimalField(
        label="RPE",
        required=False,
        min_value=Decimal(1),
        max_value=Decimal(10),
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}),
    )

    def set_data(self) -> dict[str, Any]:
        """What `set_log` writes; an empty RPE clears it."""
        return {key: self.cleaned_data[key] for key in ("reps", "weight_kg", "rpe")}


class RestForm(forms.Form):
    seconds = forms.IntegerField(min_value=5, max_value=900, initial=90)
