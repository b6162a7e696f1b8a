"""Forms of the profile, preferences and body-metric pages.

They check the shape of the input with the same bounds as the API's input serializers
(`accounts.profile_views`, `accounts.metric_views`); the services check the business rules.
"""

from collections import defaultdict
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.forms import username_field
from accounts.metrics import KINDS
from accounts.models import BodyMetric, FitnessLevel, Visibility
from accounts.preferences import CHANNELS, NOTIFICATION_TYPES, SCHEMA
from accounts.profiles import MAX_INTEREST_LENGTH, MAX_INTERESTS

# --- Profile ------------------------------------------------------------------------------------


class ProfileForm(forms.Form):
    """Everything `profile_update` accepts; interests are typed as one comma-separated line."""

    first_name = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    username = username_field()
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="A new address must be confirmed again: we mail it a link.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    bio = forms.CharField(max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    birth_date = forms.DateField(
        required=False,
        help_text="Only your age is shown on your profile.",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    height_cm = forms.DecimalField(
        label="Height (cm)",
        max_digits=4,
        decimal_places=1,
        min_value=50,
        max_value=272,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    weight_kg = forms.DecimalField(
        label="Weight (kg)",
        max_digits=5,
        decimal_places=2,
        min_value=20,
        max_value=500,
        required=False,
        help_text="A changed weight is recorded as a new measurement.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    fitness_level = forms.ChoiceField(choices=[("", "Not set"), *FitnessLevel.choices], required=False)
    location = forms.CharField(max_length=100, required=False)
    interests = forms.CharField(
        required=False,
        help_text=f"Separate them with commas, e.g. running, yoga. Up to {MAX_INTERESTS}.",
        widget=forms.TextInput(attrs={"autocapitalize": "none"}),
    )

    def clean_interests(self) -> list[str]:
        """Trimmed tags without duplicates (ignoring case), in the order typed."""
        seen: set[str] = set()
        interests: list[str] = []
        for interest in (item.strip() for item in self.cleaned_data["interests"].split(",")):
            if interest and interest.lower() not in seen:
                seen.add(interest.lower())
                interests.append(interest)
        too_long = [interest for interest in interests if len(interest) > MAX_INTEREST_LENGTH]
        if too_long:
            raise ValidationError(
                f"Keep each interest to {MAX_INTEREST_LENGTH} characters: “{too_long[0]}” is longer.",
                code="interest_too_long",
            )
        if len(interests) > MAX_INTERESTS:
            raise ValidationError(f"Choose at most {MAX_INTERESTS} interests.", code="too_many_interests")
        return interests


# --- Preferences --------------------------------------------------------------------------------

NOTIFICATION_LABELS = {
    "friend_request": "Friend requests",
    "friend_accepted": "Accepted friend requests",
    "activity_like": "Likes on your activities",
    "activity_comment": "Comments on your activities",
    "comment_reply": "Replies to your comments",
    "mention": "Mentions of you",
    "export_ready": "Your data export is ready",
    "challenge_update": "Challenge updates",
    "goal_achieved": "Goals achieved",
    "personal_record": "Personal records",
    "exercise_moderation": "Reviews of exercises you submitted",
    "weekly_summary": "Weekly summary",
}
CHANNEL_LABELS = {"in_app": "In the app", "email": "By e-mail", "push": "Push"}
COACH_TONES = [("encouraging", "Encouraging"), ("direct", "Direct"), ("technical", "Technical")]


@cache
def timezone_choices() -> list[tuple[str, Any]]:
    """Every zone the preferences accept, grouped by area (`Europe/…`), UTC first."""
    areas: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in sorted(available_timezones()):
        if name != "UTC":
            area = name.split("/", 1)[0] if "/" in name else "Other"
            areas[area].append((name, name.replace("_", " ")))
    return [("UTC", "UTC"), *sorted(areas.items(), key=lambda item: (item[0] == "Other", item[0]))]


def _checkbox(label: str, **kwargs: Any) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, **kwargs)


def _preference_fields() -> dict[str, forms.Field]:
    """The form's fields, named by the document's dotted paths (the service reports errors by them)."""
    fields: dict[str, forms.Field] = {
        "units.weight": forms.ChoiceField(label="Weight", choices=[("kg", "kg"), ("lb", "lb")]),
        "units.length": forms.ChoiceField(label="Length", choices=[("cm", "cm"), ("in", "in")]),
        "units.distance": forms.ChoiceField(label="Distance", choices=[("km", "km"), ("mi", "mi")]),
        "privacy.profile_visibility": forms.ChoiceField(
            label="Who sees your profile", choices=Visibility.choices
        ),
        "privacy.workout_visibility": forms.ChoiceField(
            label="Who sees your workouts", choices=Visibility.choices
        ),
        "privacy.searchable": _checkbox("Others can find me by name or username"),
        "privacy.show_on_leaderboards": _checkbox("Show me on challenge leaderboards"),
        "workout.default_rest_seconds": forms.IntegerField(
            label="Rest between sets (seconds)", min_value=0, max_value=900
        ),
        "workout.plate_increment_kg": forms.FloatField(
            label="Smallest weight step (kg)",
            min_value=0.25,
            max_value=10,
            widget=forms.NumberInput(attrs={"step": "0.25"}),
        ),
        "workout.auto_start_rest_timer": _checkbox("Start the rest timer when I log a set"),
        "workout.rest_timer_sound": _checkbox("Play a sound when the rest is over"),
        "workout.show_warmup_sets": _checkbox("Show warm-up sets"),
        "ai.enabled": _checkbox("Use the AI coach"),
        "ai.coach_tone": forms.ChoiceField(label="Coach's tone", choices=COACH_TONES),
        "ai.use_training_history": _checkbox("Let the coach use my training history"),
        # The service validates the zone and the language tag; the widget only offers the choice.
        "timezone": forms.CharField(
            label="Time zone", max_length=64, widget=forms.Select(choices=timezone_choices())
        ),
        "locale": forms.CharField(
            label="Language",
            max_length=35,
            help_text="A language tag such as en or en-GB.",
            widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
        ),
    }
    for kind in NOTIFICATION_TYPES:
        for channel in CHANNELS:
            label = f"{NOTIFICATION_LABELS.get(kind, kind.replace('_', ' ').capitalize())}: "
            fields[f"notifications.{kind}.{channel}"] = _checkbox(label + CHANNEL_LABELS[channel].lower())
    return fields


PREFERENCE_SECTIONS = (
    ("Units", ("units.weight", "units.length", "units.distance")),
    (
        "Privacy",
        (
            "privacy.profile_visibility",
            "privacy.workout_visibility",
            "privacy.searchable",
            "privacy.show_on_leaderboards",
        ),
    ),
    (
        "Workouts",
        (
            "workout.default_rest_seconds",
            "workout.plate_increment_kg",
            "workout.auto_start_rest_timer",
            "workout.rest_timer_sound",
            "workout.show_warmup_sets",
        ),
    ),
    ("AI coach", ("ai.enabled", "ai.coach_tone", "ai.use_training_history")),
    ("Region", ("timezone", "locale")),
)


def schema_paths(schema: dict[str, Any] = SCHEMA, prefix: str = "") -> list[str]:
    """The dotted path of every leaf of the preferences schema."""
    paths = []
    for key, spec in schema.items():
        if isinstance(spec, dict):
            paths.extend(schema_paths(spec, f"{prefix}{key}."))
        else:
            paths.append(f"{prefix}{key}")
    return paths


def _flatten(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in document.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


class PreferencesForm(forms.Form):
    """The whole preferences document as one form; `document()` rebuilds it from the answers."""

    def __init__(self, *args: Any, preferences: dict[str, Any], **kwargs: Any) -> None:
        kwargs.setdefault("initial", _flatten(preferences))
        super().__init__(*args, **kwargs)
        self.fields.update(_preference_fields())

    def document(self) -> dict[str, Any]:
        """The cleaned answers as a nested document for `preferences_update`."""
        document: dict[str, Any] = {}
        for path, value in self.cleaned_data.items():
            *parents, leaf = path.split(".")
            node = document
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = value
        return document

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in PREFERENCE_SECTIONS]

    def notification_channels(self) -> list[str]:
        return [CHANNEL_LABELS[channel] for channel in CHANNELS]

    def notification_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (
                NOTIFICATION_LABELS.get(kind, kind.replace("_", " ").capitalize()),
                [self[f"notifications.{kind}.{channel}"] for channel in CHANNELS],
            )
            for kind in NOTIFICATION_TYPES
        ]

    def notification_errors(self) -> list[str]:
        return [
            f"{self.fields[name].label}: {error}"
            for name, errors in self.errors.items()
            if name.startswith("notifications.")
            for error in errors
        ]


def form_add_preference_errors(form: PreferencesForm, error: ValidationError) -> None:
    """Show the service's errors, keyed by dotted path, next to the field of that path."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for path, messages in error.message_dict.items():
        if path in form.fields:
            form.add_error(path, messages)
        else:
            form.add_error(None, [f"{path}: {message}" for message in messages])


# --- Body metrics -------------------------------------------------------------------------------

# What each unit measures, to group the unit choices; a unit missing here is listed under "Other".
UNIT_GROUPS = {
    "kg": "Weight",
    "lb": "Weight",
    "%": "Body fat",
    "cm": "Body measurements",
    "in": "Body measurements",
    "bpm": "Heart rate",
}


def unit_choices() -> list[tuple[str, Any]]:
    """The units some kind accepts, grouped by what they measure, after "the kind's usual unit"."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for spec in KINDS.values():
        for unit in (spec.unit, *spec.conversions):
            group = groups[UNIT_GROUPS.get(unit, "Other")]
            if (unit, unit) not in group:
                group.append((unit, unit))
    return [("", "Usual unit"), *groups.items()]


def _now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


class MetricFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Show", choices=[("", "All measurements"), *BodyMetric.Kind.choices], required=False
    )


class MetricForm(forms.Form):
    """One new measurement; the value is converted and its bounds checked by `metric_record`."""

    kind = forms.ChoiceField(choices=BodyMetric.Kind.choices, initial=BodyMetric.Kind.WEIGHT)
    value = forms.DecimalField(
        max_digits=8,
        decimal_places=3,
        min_value=0,
        max_value=10000,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    unit = forms.ChoiceField(choices=unit_choices, required=False)
    measured_at = forms.DateTimeField(
        label="Measured at",
        initial=_now_to_the_minute,
        help_text="In your time zone.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(max_length=500, required=False)

    def clean_unit(self) -> str | None:
        return self.cleaned_data["unit"] or None
