"""Forms of the library pages and of the moderation admin.

They check the shape of the input with the same bounds as the API's input serializers
(`exercises.views.ExerciseInputSerializer`); `exercises.services` checks the rules (duplicates,
known catalog slugs, who may rate).
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from exercises import search
from exercises.models import Equipment, Exercise, Muscle

MAX_STEPS = 30
MAX_STEP_LENGTH = 1000
MAX_CONTRAINDICATIONS = 20
MAX_CONTRAINDICATION_LENGTH = 100
MAX_PRIMARY_MUSCLES = 10
MAX_SECONDARY_MUSCLES = 15
MAX_EQUIPMENT = 10

# The orders the browse page offers, keyed as `exercises.selectors.ORDERINGS` is.
ORDERING_CHOICES = [
    ("", "Best match"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("-rating", "Best rated"),
    ("-popularity", "Most popular"),
    ("-created", "Newest"),
]


def _catalog_choices(items: Iterable[Muscle | Equipment]) -> list[tuple[str, str]]:
    return [(item.slug, item.name) for item in items]


def _any(label: str, choices: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """A select whose first option means "no filter"."""
    return [("", label), *choices]


# --- Browse -------------------------------------------------------------------------------------


class BrowseForm(forms.Form):
    """The browse page's search box and filters; every field is optional and a bad one is ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=search.QUERY_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "e.g. dumbbell curl",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
    muscle = forms.ChoiceField(required=False)
    equipment = forms.ChoiceField(required=False)
    category = forms.ChoiceField(required=False, choices=_any("Any category", Exercise.Category.choices))
    difficulty = forms.ChoiceField(
        required=False, choices=_any("Any difficulty", Exercise.Difficulty.choices)
    )
    mechanics = forms.ChoiceField(required=False, choices=_any("Any mechanics", Exercise.Mechanics.choices))
    ordering = forms.ChoiceField(label="Sort by", required=False, choices=ORDERING_CHOICES)

    def __init__(
        self, *args: Any, muscles: Iterable[Muscle], equipment: Iterable[Equipment], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["muscle"].choices = _any("Any muscle", _catalog_choices(muscles))
        self.fields["equipment"].choices = _any("Any equipment", _catalog_choices(equipment))

    def filters(self) -> dict[str, str]:
        """The valid, non-empty filters (ordering included) for `ExerciseFilter`."""
        cleaned = getattr(self, "cleaned_data", {})
        names = ("muscle", "equipment", "category", "difficulty", "mechanics", "ordering")
        return {name: cleaned[name] for name in names if cleaned.get(name)}


# --- Rating -------------------------------------------------------------------------------------

SCORE_CHOICES = [(str(score), f"{score} star{'s' if score > 1 else ''}") for score in range(1, 6)]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label="Your rating",
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose from 1 to 5 stars."},
    )
    review = forms.CharField(
        label="Review",
        required=False,
        max_length=2000,
        help_text="What should others know about this exercise?",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Submission ---------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ExerciseSubmitForm(forms.Form):
    """Everything `exercise_create` accepts from members; lists are typed one item per line."""

    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    instructions = forms.CharField(
        help_text="One step per line, in order.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Describe at least one step."},
    )
    primary_muscles = forms.MultipleChoiceField(
        label="Primary muscles",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the muscle the exercise trains most."},
    )
    secondary_muscles = forms.MultipleChoiceField(
        label="Secondary muscles", required=False, widget=forms.CheckboxSelectMultiple
    )
    equipment = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    category = forms.ChoiceField(choices=Exercise.Category.choices, initial=Exercise.Category.STRENGTH)
    mechanics = forms.ChoiceField(choices=_any("Not sure", Exercise.Mechanics.choices), required=False)
    force = forms.ChoiceField(choices=_any("Not sure", Exercise.Force.choices), required=False)
    difficulty = forms.ChoiceField(choices=Exercise.Difficulty.choices, initial=Exercise.Difficulty.BEGINNER)
    safety_notes = forms.CharField(
        label="Safety notes",
        max_length=2000,
        required=False,
        help_text="What to watch out for.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contraindications = forms.CharField(
        required=False,
        help_text="Conditions that rule the exercise out, one per line.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, muscles: Iterable[Muscle], equipment: Iterable[Equipment], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        muscle_choices = _catalog_choices(muscles)
        self.fields["primary_muscles"].choices = muscle_choices
        self.fields["secondary_muscles"].choices = muscle_choices
        self.fields["equipment"].choices = _catalog_choices(equipment)

    def clean_instructions(self) -> list[str]:
        steps = _lines(self.cleaned_data["instructions"])
        if not steps:
            raise ValidationError("Describe at least one step.")
        if len(steps) > MAX_STEPS:
            raise ValidationError(f"Use at most {MAX_STEPS} steps.")
        if any(len(step) > MAX_STEP_LENGTH for step in steps):
            raise ValidationError(f"Keep each step under {MAX_STEP_LENGTH} characters.")
        return steps

    def clean_contraindications(self) -> list[str]:
        items = _lines(self.cleaned_data["contraindications"])
        if len(items) > MAX_CONTRAINDICATIONS:
            raise ValidationError(f"List at most {MAX_CONTRAINDICATIONS} conditions.")
        if any(len(item) > MAX_CONTRAINDICATION_LENGTH for item in items):
            raise ValidationError(f"Keep each condition under {MAX_CONTRAINDICATION_LENGTH} characters.")
        return items

    def _at_most(self, name: str, limit: int) -> list[str]:
        chosen = self.cleaned_data[name]
        if len(chosen) > limit:
            raise ValidationError(f"Choose at most {limit}.")
        return chosen

    def clean_primary_muscles(self) -> list[str]:
        return self._at_most("primary_muscles", MAX_PRIMARY_MUSCLES)

    def clean_secondary_muscles(self) -> list[str]:
        return self._at_most("secondary_muscles", MAX_SECONDARY_MUSCLES)

    def clean_equipment(self) -> list[str]:
        return self._at_most("equipment", MAX_EQUIPMENT)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        primary, secondary = cleaned.get("primary_muscles") or [], cleaned.get("secondary_muscles") or []
        if set(primary) & set(secondary):
            self.add_error("secondary_muscles", "A muscle is either primary or secondary, not both.")
        return cleaned


# --- Admin --------------------------------------------------------------------------------------


class RejectForm(forms.Form):
    """The reason the creators of the rejected exercises will read."""

    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        help_text="The creator reads this: say what to change for the exercise to be approved.",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": "Say why the exercises are rejected: their creators will read it."},
    )
