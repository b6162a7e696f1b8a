"""Forms of the program pages: the browse filters, the rating form, and the program builder.

The builder edits a whole program on one server-rendered page that works without JavaScript.
Every builder input is read as text and the document it makes is validated by
`TemplateInputSerializer` alone, so the page and `POST /api/v1/templates` refuse the same things
with the same messages; errors come back by path (`days[1].exercises[0].sets[2].reps_max`) and
are shown next to the input that produced them, and listed above the form.

An exercise's sets are typed as one line (`SET_SYNTAX_HELP` is shown on the page):
    3x8-10 @RPE8, 1xAMRAP
groups separated by commas, semicolons or new lines; each group is `[N x] reps [details]` where
reps is `8`, `8-10`, `5+` or `AMRAP` (as many as possible) and the details, in any order, are a
load `@80kg` / `@175lb` / `@75%` (of one-rep max), `@RPE8`, `rest 90s` / `rest 2m` / `rest 1:30`,
`tempo 3-1-1-0`, and a set type `warmup`, `drop`, `failure` or `amrap` (working sets by default).
`format_sets` writes a program's sets back in that syntax, so editing shows what was saved.
"""

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict

from exercises.forms import RatingForm as ExerciseRatingForm
from exercises.models import Equipment, Exercise
from exercises.text import name_key
from templates_app.models import Difficulty, Goal, TemplateSet, Visibility, WorkoutTemplate
from templates_app.serializers import (
    MAX_DAYS,
    MAX_EXERCISES_PER_DAY,
    MAX_SETS_PER_EXERCISE,
    TemplateInputSerializer,
)

# --- Browse -------------------------------------------------------------------------------------

TABS = [("all", "All visible"), ("mine", "Mine"), ("public", "Public"), ("featured", "Featured")]
DEFAULT_TAB = "all"

# The orders the browse page offers, keyed as `templates_app.selectors.ORDERINGS` is.
ORDERING_CHOICES = [
    ("", "Newest"),
    ("-rating", "Best rated"),
    ("-favorites", "Most favourited"),
    ("-uses", "Most used"),
    ("name", "Name, A to Z"),
]
DAYS_PER_WEEK_CHOICES = [
    ("", "Any days a week"),
    *((str(n), f"{n} day{'s' if n > 1 else ''} a week") for n in range(1, 8)),
]


def _any(label: str, choices: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """A select whose first option means "no filter"."""
    return [("", label), *choices]


class ProgramBrowseForm(forms.Form):
    """The browse page's tab, search box and filters; every field is optional and a bad one is ignored."""

    tab = forms.ChoiceField(required=False, choices=TABS, widget=forms.HiddenInput)
    q = forms.CharField(
        label="Search programs",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. push pull legs"}),
    )
    goal = forms.ChoiceField(required=False, choices=_any("Any goal", Goal.choices))
    difficulty = forms.ChoiceField(required=False, choices=_any("Any difficulty", Difficulty.choices))
    days_per_week = forms.TypedChoiceField(
        label="Days per week", required=False, choices=DAYS_PER_WEEK_CHOICES, coerce=int, empty_value=None
    )
    equipment = forms.MultipleChoiceField(
        label="Equipment you have",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick what you have to see only the programs that need nothing else.",
    )
    ordering = forms.ChoiceField(label="Sort by", required=False, choices=ORDERING_CHOICES)

    def __init__(self, *args: Any, equipment: Iterable[Equipment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["equipment"].choices = [(item.slug, item.name) for item in equipment]

    def tab_key(self) -> str:
        return getattr(self, "cleaned_data", {}).get("tab") or DEFAULT_TAB

    def filters(self) -> dict[str, Any]:
        """The valid, non-empty filters for `templates_filtered` (equipment only when some is ticked)."""
        cleaned = getattr(self, "cleaned_data", {})
        names = ("goal", "difficulty", "days_per_week", "equipment", "q")
        return {name: cleaned[name] for name in names if cleaned.get(name)}

    def ordering_key(self) -> str | None:
        return getattr(self, "cleaned_data", {}).get("ordering") or None


class ProgramRatingForm(ExerciseRatingForm):
    review = forms.CharField(
        label="Review",
        required=False,
        max_length=2000,
        help_text="What should others know about this program?",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Sets as text -------------------------------------------------------------------------------

# "5+" and "AMRAP" have no top: they are stored as this many reps at most (the model's ceiling).
AMRAP_MAX_REPS = 100
MAX_SETS_SPEC_LENGTH = 300
LB_TO_KG = Decimal("0.45359237")

SET_SYNTAX_HELP = (
    "One line per exercise, e.g. “3x8-10 @RPE8, 1xAMRAP”. Separate groups of sets with commas. "
    "Each group: how many sets x reps (8, 8-10, 5+ or AMRAP), then any of: a load (@80kg, @175lb "
    "or @75% of your one-rep max), @RPE8, rest 90s (or 2m, 1:30), tempo 3-1-1-0, and a set type "
    "(warmup, drop, failure, amrap)."
)

# How the error summary names a place: "Day 2 > Exercise 1 > Sets", with a typographic ">".
SEP = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "
EN_DASH = "\N{EN DASH}"
_GROUP_SEPARATOR = re.compile(r"[,;\n]+")
_NUMBER = r"(\d+(?:\.\d+)?)"
_COUNT = re.compile(r"(\d+)\s*[x\u00d7*]\s*")
_REPS = re.compile(
    r"(?P<amrap>amrap|max)\b|(?P<low>\d+)\s*(?:-|\u2013|to)\s*(?P<high>\d+)(?![\d-])|(?P<plus>\d+)\s*\+|(?P<exact>\d+)(?![\d.])"
)
# Tried in this order at each position: the RPE forms before the bare "@N" load they resemble.
_DETAILS: list[tuple[str, re.Pattern[str]]] = [
    ("rpe", re.compile(rf"@?\s*rpe\s*{_NUMBER}")),
    ("rpe", re.compile(rf"@\s*{_NUMBER}\s*rpe\b")),
    ("percent_1rm", re.compile(rf"@?\s*{_NUMBER}\s*%(?:\s*(?:of\s*)?1\s*rm)?")),
    ("weight", re.compile(rf"@\s*{_NUMBER}\s*(kg|kgs|lb|lbs)?\b|{_NUMBER}\s*(kg|kgs|lb|lbs)\b")),
    (
        "rest",
        re.compile(
            r"rest\s*(\d+)\s*:\s*(\d{1,2})\b|rest\s*(\d+)\s*(s|sec|secs|seconds|m|min|mins|minutes)?\b"
        ),
    ),
    ("tempo", re.compile(r"(?:tempo\s*)?([0-9x]{1,2}(?:\s*-\s*[0-9x]{1,2}){3})(?![\d-])")),
    ("set_type", re.compile(r"(warm-?ups?|drop(?:\s*sets?)?|(?:to\s+)?failure|amrap)\b")),
]
_SET_TYPE_WORDS = {
    "warm": TemplateSet.SetType.WARMUP,
    "drop": TemplateSet.SetType.DROP,
    "fail": TemplateSet.SetType.FAILURE,
    "to f": TemplateSet.SetType.FAILURE,
    "amra": TemplateSet.SetType.AMRAP,
}
_DETAIL_NAMES = {
    "rpe": "the RPE",
    "percent_1rm": "the % of one-rep max",
    "weight": "the weight",
    "rest": "the rest",
    "tempo": "the tempo",
    "set_type": "the set type",
}


@dataclass(frozen=True)
class SetGroup:
    """One comma-separated group as typed, and which sets of the exercise it became."""

    text: str
    first: int
    count: int

    def covers(self, index: int) -> bool:
        return self.first <= index < self.first + self.count


@dataclass
class ParsedSets:
    sets: list[dict[str, Any]] = field(default_factory=list)
    groups: list[SetGroup] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _kg_from_lb(text: str) -> str:
    return str((Decimal(text) * LB_TO_KG).quantize(Decimal("0.01")))


def _read_detail(kind: str, match: re.Match[str]) -> tuple[str, Any]:
    """The document field and value one detail stands for."""
    if kind == "rpe":
        return "rpe", match.group(1)
    if kind == "percent_1rm":
        return "percent_1rm", match.group(1)
    if kind == "weight":
        number, unit = (
            (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        )
        return "weight_kg", _kg_from_lb(number) if (unit or "").startswith("lb") else number
    if kind == "rest":
        if match.group(1) is not None:
            return "rest_seconds", int(match.group(1)) * 60 + int(match.group(2))
        unit = match.group(4) or "s"
        return "rest_seconds", int(match.group(3)) * (60 if unit.startswith("m") else 1)
    if kind == "tempo":
        return "tempo", re.sub(r"\s+", "", match.group(1)).upper()
    return "set_type", _SET_TYPE_WORDS[match.group(1)[:4]]


def _parse_group(text: str) -> tuple[int, dict[str, Any]]:
    """`3x8-10 @RPE8` → (3, one set); a `ValueError` says what could not be read."""
    lowered = text.lower()
    position = 0
    count = 1
    match = _COUNT.match(lowered)
    if match:
        count = int(match.group(1))
        position = match.end()
    match = _REPS.match(lowered, position)
    if not match:
        raise ValueError(f"“{text}”: start with the reps, e.g. 3x8, 8-10, 5+ or AMRAP.")
    item: dict[str, Any] = {"set_type": TemplateSet.SetType.WORKING}
    if match.group("amrap"):
        item.update(set_type=TemplateSet.SetType.AMRAP, reps_min=1, reps_max=AMRAP_MAX_REPS)
    elif match.group("low"):
        item.update(reps_min=int(match.group("low")), reps_max=int(match.group("high")))
    elif match.group("plus"):
        reps = int(match.group("plus"))
        item.update(set_type=TemplateSet.SetType.AMRAP, reps_min=reps, reps_max=AMRAP_MAX_REPS)
    else:
        reps = int(match.group("exact"))
        item.update(reps_min=reps, reps_max=reps)
    position = match.end()
    seen: set[str] = set()
    while True:
        while position < len(lowered) and lowered[position].isspace():
            position += 1
        if position >= len(lowered):
            break
        found = next(
            ((kind, m) for kind, pattern in _DETAILS if (m := pattern.match(lowered, position))), None
        )
        if found is None:
            rest = text[position:].split()[0]
            raise ValueError(f"“{text}”: “{rest}” is not something a set can have (see the syntax below).")
        kind, match = found
        if kind in seen:
            raise ValueError(f"“{text}” gives {_DETAIL_NAMES[kind]} twice.")
        seen.add(kind)
        name, value = _read_detail(kind, match)
        item[name] = value
        position = match.end()
    return count, item


def parse_sets(spec: str) -> ParsedSets:
    """Turn `3x8-10 @RPE8, 1xAMRAP` into set documents; bounds are left to the serializer."""
    parsed = ParsedSets()
    for chunk in _GROUP_SEPARATOR.split(spec or ""):
        text = " ".join(chunk.split())
        if not text:
            continue
        try:
            count, item = _parse_group(text)
        except ValueError as error:
            parsed.errors.append(str(error))
            continue
        if count < 1:
            parsed.errors.append(f"“{text}”: give at least one set.")
            continue
        if count > MAX_SETS_PER_EXERCISE:
            parsed.errors.append(f"“{text}”: an exercise has at most {MAX_SETS_PER_EXERCISE} sets.")
            continue
        parsed.groups.append(SetGroup(text=text, first=len(parsed.sets), count=count))
        parsed.sets.extend(dict(item) for _ in range(count))
    return parsed


def _number_text(value: Any) -> str:
    """80.00 → "80", 2.50 → "2.5": how a person writes the number."""
    number = Decimal(str(value)).normalize()
    return format(number, "f")


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name)


def reps_text(row: Any) -> str:
    """The reps of one set as the syntax writes them: 8, 8-10, 5+ or AMRAP."""
    low, high = _get(row, "reps_min"), _get(row, "reps_max")
    if _get(row, "set_type") == TemplateSet.SetType.AMRAP and high == AMRAP_MAX_REPS:
        return "AMRAP" if low == 1 else f"{low}+"
    return str(low) if low == high else f"{low}-{high}"


def _set_text(row: Any) -> str:
    parts = [reps_text(row)]
    set_type = _get(row, "set_type") or TemplateSet.SetType.WORKING
    implied_amrap = set_type == TemplateSet.SetType.AMRAP and _get(row, "reps_max") == AMRAP_MAX_REPS
    if set_type != TemplateSet.SetType.WORKING and not implied_amrap:
        parts.append(str(set_type))
    if _get(row, "weight_kg") is not None:
        parts.append(f"@{_number_text(_get(row, 'weight_kg'))}kg")
    if _get(row, "percent_1rm") is not None:
        parts.append(f"@{_number_text(_get(row, 'percent_1rm'))}%")
    if _get(row, "rpe") is not None:
        parts.append(f"@RPE{_number_text(_get(row, 'rpe'))}")
    if _get(row, "rest_seconds") is not None:
        parts.append(f"rest {_get(row, 'rest_seconds')}s")
    if _get(row, "tempo"):
        parts.append(f"tempo {_get(row, 'tempo')}")
    return " ".join(parts)


def format_sets(rows: Iterable[Any]) -> str:
    """A program's sets in the builder's syntax, equal neighbours grouped: "3x8-10 @RPE8, AMRAP"."""
    groups: list[list[Any]] = []  # [text, count]
    for row in rows:
        text = _set_text(row)
        if groups and groups[-1][0] == text:
            groups[-1][1] += 1
        else:
            groups.append([text, 1])
    return ", ".join(f"{count}x{text}" for text, count in groups)


# --- Exercises by name --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseOption:
    public_id: uuid.UUID
    name: str
    slug: str
    label: str


class ExerciseCatalog:
    """The exercises an author may put in a program, found by the name typed (or picked) or the slug.

    Names are compared by `name_key`, so "bench presses" finds "Bench Press"; `suggest` names the
    closest exercise when nothing matches (it is only called then).
    """

    def __init__(self, exercises: Iterable[Exercise], *, suggest: Callable[[str], str | None]) -> None:
        self.options: list[ExerciseOption] = []
        self._by_key: dict[str, ExerciseOption] = {}
        self._by_id: dict[uuid.UUID, ExerciseOption] = {}
        self._suggest = suggest
        # Approved exercises first, so a draft with the same name never hides the library's one.
        ordered = sorted(exercises, key=lambda e: (e.status != Exercise.Status.APPROVED, e.name.lower()))
        for exercise in ordered:
            muscles = ", ".join(muscle.name for muscle in exercise.primary_muscles.all())
            label = muscles if exercise.status == Exercise.Status.APPROVED else f"{muscles} (your draft)"
            option = ExerciseOption(exercise.public_id, exercise.name, exercise.slug, label.strip())
            self._by_id[option.public_id] = option
            self._by_key.setdefault(exercise.name_key or name_key(exercise.name), option)
            self._by_key.setdefault(f"slug:{exercise.slug}", option)
            if exercise.status != Exercise.Status.REJECTED:
                self.options.append(option)
        self.options.sort(key=lambda option: option.name.lower())

    def resolve(self, text: str) -> ExerciseOption | None:
        text = text.strip()
        return self._by_key.get(name_key(text)) or self._by_key.get(f"slug:{text.lower()}")

    def name_of(self, public_id: uuid.UUID) -> str | None:
        option = self._by_id.get(public_id)
        return option.name if option else None

    def unknown_message(self, text: str) -> str:
        suggestion = self._suggest(text)
        if suggestion:
            return f"No exercise called “{text}” in the library. Did you mean “{suggestion}”?"
        return f"No exercise called “{text}” in the library: pick one from the list as you type."


# --- Builder forms ------------------------------------------------------------------------------


def _text(label: str, *, maxlength: int, placeholder: str = "", **attrs: Any) -> forms.CharField:
    """A text input read as typed: the serializer alone decides what is valid."""
    widget_attrs = {"maxlength": maxlength, **attrs}
    if placeholder:
        widget_attrs["placeholder"] = placeholder
    return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=widget_attrs))


def _number(
    label: str, *, low: int | float, high: int | float, step: str = "1", **attrs: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"min": low, "max": high, "step": step, **attrs}),
    )


def _select(label: str, choices: Iterable[tuple[str, str]]) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=list(choices)))


class ProgramForm(forms.Form):
    name = _text("Program name", maxlength=120, placeholder="e.g. Strong Start")
    description = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000}),
        help_text="Who it is for and how to run it.",
    )
    goal = _select("Goal", Goal.choices)
    difficulty = _select("Difficulty", Difficulty.choices)
    visibility = _select("Who can see it", Visibility.choices)
    days_per_week = _number("Days per week", low=1, high=7)
    duration_weeks = _number("Weeks", low=1, high=52)
    tags = _text("Tags", maxlength=340, placeholder="e.g. barbell, full body")
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].help_text = "Separated by commas; at most 10."


class DayForm(forms.Form):
    name = _text("Name", maxlength=80, placeholder="e.g. Push")
    focus = _text("Focus", maxlength=120, placeholder="e.g. Chest, shoulders, triceps")
    week = _number("Week", low=1, high=52)


PROGRESSION_CHOICES = [
    ("none", "None"),
    ("linear", "Linear: add weight each session"),
    ("double", "Double: reps first, then weight"),
    ("percentage", "Percentage waves"),
]


class ExerciseRowForm(forms.Form):
    exercise = _text(
        "Exercise",
        maxlength=120,
        placeholder="Start typing a name",
        list="exercise-options",
        autocomplete="off",
    )
    sets = _text(
        "Sets", maxlength=MAX_SETS_SPEC_LENGTH, placeholder="3x8-10 @RPE8, 1xAMRAP", spellcheck="false"
    )
    superset_group = _text(
        "Superset",
        maxlength=1,
        placeholder="A",
        size=2,
        autocapitalize="characters",
        title="Exercises with the same letter are done back to back.",
        **{"class": "superset-input"},
    )
    rest_seconds = _number("Rest (s)", low=0, high=900, step="5")
    progression = _select("Progression", PROGRESSION_CHOICES)
    increment_kg = _number("Add (kg)", low=0, high=20, step="0.25")
    percentages = _text("% of 1RM by week", maxlength=120, placeholder="70, 75, 80")
    deload_every_weeks = _number("Deload every (weeks)", low=2, high=12)
    notes = _text("Notes", maxlength=500, placeholder="e.g. pause at the bottom")


PROGRAM_FIELDS = list(ProgramForm.base_fields)
DAY_FIELDS = list(DayForm.base_fields)
ROW_FIELDS = list(ExerciseRowForm.base_fields)
# What a row may hold without being worth saving: an empty row keeps its defaults.
ROW_CONTENT_FIELDS = (
    "exercise",
    "sets",
    "superset_group",
    "notes",
    "increment_kg",
    "percentages",
    "deload_every_weeks",
)
PROGRESSION_DETAIL_FIELDS = ("increment_kg", "percentages", "deload_every_weeks")

NEW_PROGRAM = {
    "goal": Goal.GENERAL_FITNESS,
    "difficulty": Difficulty.BEGINNER,
    "visibility": Visibility.PRIVATE,
    "days_per_week": "3",
    "duration_weeks": "4",
}
NEW_ROW = {"rest_seconds": "90", "progression": "none"}
NEW_DAY_ROWS = 3


def _blank_row() -> dict[str, str]:
    return {name: NEW_ROW.get(name, "") for name in ROW_FIELDS}


def _blank_day(rows: int = NEW_DAY_ROWS) -> dict[str, Any]:
    return {"fields": dict.fromkeys(DAY_FIELDS, ""), "rows": [_blank_row() for _ in range(rows)]}


def _bounded_count(value: str | None, limit: int) -> int:
    try:
        return max(0, min(int(value or 0), limit))
    except ValueError:
        return 0


@dataclass
class BuilderState:
    """The builder's inputs as typed: program fields, then days of exercise rows, all strings."""

    program: dict[str, str]
    days: list[dict[str, Any]]
    focus: str = ""  # the id of the part a button just added, to scroll to and focus

    @classmethod
    def blank(cls) -> "BuilderState":
        program = {name: NEW_PROGRAM.get(name, "") for name in PROGRAM_FIELDS}
        return cls(program=program, days=[_blank_day()])

    @classmethod
    def from_template(cls, template: WorkoutTemplate) -> "BuilderState":
        """A template loaded `with_program`, as the builder shows it."""
        program = {
            name: str(getattr(template, name)) for name in PROGRAM_FIELDS if name not in {"tags", "version"}
        }
        program["tags"] = ", ".join(template.tags or [])
        program["version"] = str(template.version)
        days = []
        for day in template.days.all():
            rows = []
            for item in day.exercises.all():
                progression = item.progression or {}
                rows.append(
                    {
                        "exercise": item.exercise.name,
                        "sets": format_sets(item.sets.all()),
                        "superset_group": item.superset_group,
                        "rest_seconds": str(item.rest_seconds),
                        "progression": progression.get("type") or "none",
                        "increment_kg": _optional_number(progression.get("increment_kg")),
                        "percentages": ", ".join(
                            _number_text(p) for p in progression.get("percentages") or []
                        ),
                        "deload_every_weeks": _optional_number(progression.get("deload_every_weeks")),
                        "notes": item.notes,
                    }
                )
            fields = {"name": day.name, "focus": day.focus, "week": "" if day.week is None else str(day.week)}
            days.append({"fields": fields, "rows": rows})
        return cls(program=program, days=days)

    @classmethod
    def from_post(cls, data: QueryDict) -> "BuilderState":
        program = {name: data.get(name, "").strip() for name in PROGRAM_FIELDS}
        days = []
        for d in range(_bounded_count(data.get("day_count"), MAX_DAYS)):
            fields = {name: data.get(f"d{d}-{name}", "").strip() for name in DAY_FIELDS}
            rows = [
                {name: data.get(f"d{d}-e{e}-{name}", "").strip() for name in ROW_FIELDS}
                for e in range(_bounded_count(data.get(f"d{d}-exercise_count"), MAX_EXERCISES_PER_DAY))
            ]
            days.append({"fields": fields, "rows": rows})
        return cls(program=program, days=days)

    def apply(self, data: QueryDict) -> bool:
        """Carry out an "add", "remove" or "up" button; False when the form was submitted to save."""
        if "add" in data:
            target = data["add"]
            if target == "day":
                if len(self.days) < MAX_DAYS:
                    self.days.append(_blank_day(rows=1))
                self.focus = f"d{len(self.days) - 1}"
                return True
            day = self._day(target)
            if day is not None:
                d = int(target[1:])
                if len(day["rows"]) < MAX_EXERCISES_PER_DAY:
                    day["rows"].append(_blank_row())
                self.focus = f"d{d}-e{len(day['rows']) - 1}"
            return True
        for command in ("remove", "up"):
            if command in data:
                self._move_or_remove(command, data[command])
                return True
        return False

    def _day(self, key: str) -> dict[str, Any] | None:
        match = re.fullmatch(r"d(\d+)", key)
        if match and int(match.group(1)) < len(self.days):
            return self.days[int(match.group(1))]
        return None

    def _move_or_remove(self, command: str, key: str) -> None:
        match = re.fullmatch(r"d(\d+)(?:-e(\d+))?", key)
        if not match or int(match.group(1)) >= len(self.days):
            return
        d = int(match.group(1))
        if match.group(2) is None:
            if command == "remove":
                del self.days[d]
                self.focus = f"d{max(0, d - 1)}" if self.days else ""
            return
        rows, e = self.days[d]["rows"], int(match.group(2))
        if e >= len(rows):
            return
        if command == "remove":
            del rows[e]
            self.focus = f"d{d}"
        elif e > 0:
            rows[e - 1], rows[e] = rows[e], rows[e - 1]
            self.focus = f"d{d}-e{e - 1}"


def _optional_number(value: Any) -> str:
    return "" if value is None else _number_text(value)


def _prefixed(values: Mapping[str, str], prefix: str) -> dict[str, str]:
    """A form's data under its prefix, as the page posts it."""
    return {f"{prefix}-{name}": value for name, value in values.items()}


def _is_blank_row(row: Mapping[str, str]) -> bool:
    return not any(row.get(name) for name in ROW_CONTENT_FIELDS)


@dataclass
class RowView:
    form: ExerciseRowForm
    key: str  # "d0-e1": the row's id on the page
    number: int
    details_open: bool = False


@dataclass
class DayView:
    form: DayForm
    key: str
    number: int
    rows: list[RowView]


@dataclass
class ErrorLine:
    """One line of the error summary above the form, linking to the input it is about."""

    where: str
    message: str
    anchor: str


# Which row input an error under `days[d].exercises[e].` belongs to.
_ROW_ERROR_FIELDS = {
    "exercise_id": "exercise",
    "superset_group": "superset_group",
    "notes": "notes",
    "rest_seconds": "rest_seconds",
    "sets": "sets",
    "progression": "progression",
    "progression.type": "progression",
    "progression.increment_kg": "increment_kg",
    "progression.percentages": "percentages",
    "progression.deload_every_weeks": "deload_every_weeks",
}
_PATH = re.compile(r"days\[(\d+)\](?:\.exercises\[(\d+)\])?(?:\.(.+))?")
_SET_PATH = re.compile(r"sets\[(\d+)\](?:\.(.+))?")
_LIST_ITEM = re.compile(r"^(.+?)\[(\d+)\]$")


class ProgramBuilder:
    """The builder page's forms for one `BuilderState`, the document they make, and its errors.

    Rows left empty are skipped, so the document's positions can differ from the page's: `_places`
    maps a document position back to the day and row on the page, and errors are told in the
    page's numbering ("Day 2, Exercise 1").
    """

    def __init__(self, state: BuilderState, *, catalog: ExerciseCatalog) -> None:
        self.state = state
        self.catalog = catalog
        self.summary: list[ErrorLine] = []
        self.days_errors: list[str] = []
        self.program_form = ProgramForm(data=state.program)
        self.program_form.is_valid()
        self.days: list[DayView] = []
        for d, day in enumerate(state.days):
            day_form = DayForm(data=_prefixed(day["fields"], f"d{d}"), prefix=f"d{d}")
            day_form.is_valid()
            rows = []
            for e, row in enumerate(day["rows"]):
                row_form = ExerciseRowForm(data=_prefixed(row, f"d{d}-e{e}"), prefix=f"d{d}-e{e}")
                row_form.is_valid()
                has_details = row.get("progression", "none") not in {"", "none"} or any(
                    row.get(name) for name in (*PROGRESSION_DETAIL_FIELDS, "notes")
                )
                rows.append(RowView(row_form, f"d{d}-e{e}", e + 1, details_open=has_details))
            self.days.append(DayView(day_form, f"d{d}", d + 1, rows))
        # Document day index → (page day index, [page row index for each document exercise]).
        self._places: list[tuple[int, list[int]]] = []
        self._set_groups: dict[tuple[int, int], list[SetGroup]] = {}
        if state.focus:
            self._autofocus(state.focus)

    def _autofocus(self, key: str) -> None:
        for day in self.days:
            if day.key == key:
                day.form.fields["name"].widget.attrs["autofocus"] = True
            for row in day.rows:
                if row.key == key:
                    row.form.fields["exercise"].widget.attrs["autofocus"] = True

    # --- The document ------------------------------------------------------------------------

    def document(self) -> dict[str, Any] | None:
        """The validated input document for `template_create`/`template_replace`, or None with errors."""
        program = self.state.program
        document: dict[str, Any] = {
            name: program[name]
            for name in ("description", "goal", "difficulty", "visibility", "duration_weeks")
            if program.get(name)
        }
        document["name"] = program.get("name", "")
        document["tags"] = [tag.strip() for tag in program.get("tags", "").split(",") if tag.strip()]
        local_errors = False
        days = []
        for d, day in enumerate(self.state.days):
            kept = [(e, row) for e, row in enumerate(day["rows"]) if not _is_blank_row(row)]
            if not kept and not any(day["fields"].values()):
                continue
            exercises = []
            for e, row in kept:
                item, has_errors = self._exercise_document(d, e, row)
                local_errors = local_errors or has_errors
                exercises.append(item)
            day_document: dict[str, Any] = {
                "name": day["fields"]["name"] or f"Day {d + 1}",
                "focus": day["fields"]["focus"],
                "exercises": exercises,
            }
            if day["fields"]["week"]:
                day_document["week"] = day["fields"]["week"]
            self._places.append((d, [e for e, _ in kept]))
            days.append(day_document)
        document["days"] = days
        document["days_per_week"] = program.get("days_per_week") or min(max(len(days), 1), 7)
        # Imported here: the admin imports this module while apps load, before DRF's views, and
        # `fitai.api.exceptions` imported that early closes an import cycle through DRF's parsers.
        from fitai.api.exceptions import flatten_error_paths

        serializer = TemplateInputSerializer(data=document)
        if not serializer.is_valid():
            self.add_errors(flatten_error_paths(serializer.errors))
            return None
        return None if local_errors else serializer.validated_data

    def _exercise_document(self, d: int, e: int, row: Mapping[str, str]) -> tuple[dict[str, Any], bool]:
        """One row as an exercise document; what cannot be read is reported on the row at once."""
        has_errors = False
        row_form = self.days[d].rows[e].form
        where = self._where(d, e)
        option = self.catalog.resolve(row["exercise"]) if row["exercise"] else None
        if option is None:
            message = (
                self.catalog.unknown_message(row["exercise"]) if row["exercise"] else "Choose an exercise."
            )
            self._error(row_form, "exercise", message, f"{where}{SEP}Exercise", f"id_d{d}-e{e}-exercise")
            has_errors = True
        parsed = parse_sets(row["sets"])
        for message in parsed.errors:
            self._error(row_form, "sets", message, f"{where}{SEP}Sets", f"id_d{d}-e{e}-sets")
            has_errors = True
        self._set_groups[(d, e)] = parsed.groups
        item: dict[str, Any] = {
            # A stand-in keeps the serializer checking the rest of the row.
            "exercise_id": str(option.public_id if option else uuid.UUID(int=0)),
            "superset_group": row["superset_group"].upper(),
            "notes": row["notes"],
            "sets": parsed.sets if not parsed.errors else [{"reps_min": 1, "reps_max": 1}],
        }
        if row["rest_seconds"]:
            item["rest_seconds"] = row["rest_seconds"]
        kind = row["progression"] or "none"
        if kind != "none" or any(row[name] for name in PROGRESSION_DETAIL_FIELDS):
            progression: dict[str, Any] = {"type": kind}
            if row["increment_kg"]:
                progression["increment_kg"] = row["increment_kg"]
            if row["percentages"]:
                progression["percentages"] = [
                    value.rstrip("%")
                    for value in re.split(r"[\s,;]+", row["percentages"])
                    if value.rstrip("%")
                ]
            if row["deload_every_weeks"]:
                progression["deload_every_weeks"] = row["deload_every_weeks"]
            item["progression"] = progression
        return item, has_errors

    # --- Errors ------------------------------------------------------------------------------

    def _where(self, d: int, e: int | None = None) -> str:
        return f"Day {d + 1}" if e is None else f"Day {d + 1}{SEP}Exercise {e + 1}"

    def _error(
        self, form: forms.Form | None, name: str | None, message: str, where: str, anchor: str
    ) -> None:
        if form is not None:
            form.add_error(name, message)
        else:
            self.days_errors.append(message)
        self.summary.append(ErrorLine(where, message, anchor))

    def add_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Show the serializer's or a service's errors, keyed by document path, next to their inputs."""
        set_errors: dict[tuple[int, int], dict[tuple[int, str, str], list[int]]] = {}
        for path, messages in errors.items():
            for message in messages:
                self._add_error(path, str(message), set_errors)
        for (d, e), grouped in set_errors.items():
            groups = self._set_groups.get((d, e), [])
            for (g, name, message), numbers in grouped.items():
                numbers = sorted(numbers)
                sets = (
                    f"Set {numbers[0]}" if len(numbers) == 1 else f"Sets {numbers[0]}{EN_DASH}{numbers[-1]}"
                )
                text = (
                    f"{sets} (“{groups[g].text}”): {name}: {message}"
                    if g >= 0
                    else f"{sets}: {name}: {message}"
                )
                self._error(self.days[d].rows[e].form, "sets", text, self._where(d, e), f"id_d{d}-e{e}-sets")

    def _add_error(self, path: str, message: str, set_errors: dict) -> None:
        match = _PATH.fullmatch(path)
        if not match:
            root = path.split(".")[0].split("[")[0]
            if root in self.program_form.fields and root != "version":
                label = self.program_form.fields[root].label
                self._error(self.program_form, root, message, str(label), f"id_{root}")
            else:
                self._error(None, None, message, "Days" if root == "days" else "Program", "days")
            return
        day_index, exercise_index, rest = match.groups()
        if int(day_index) >= len(self._places):
            self._error(None, None, message, "Days", "days")
            return
        d, rows = self._places[int(day_index)]
        day = self.days[d]
        if exercise_index is None:
            if rest in {"name", "focus", "week"}:
                label = day.form.fields[rest].label
                self._error(day.form, rest, message, f"{self._where(d)}{SEP}{label}", f"id_d{d}-{rest}")
            else:
                self._error(day.form, None, message, self._where(d), f"d{d}")
            return
        if int(exercise_index) >= len(rows):
            self._error(day.form, None, message, self._where(d), f"d{d}")
            return
        e = rows[int(exercise_index)]
        row_form = day.rows[e].form
        set_match = _SET_PATH.fullmatch(rest or "")
        if set_match:
            index = int(set_match.group(1))
            groups = self._set_groups.get((d, e), [])
            g = next((i for i, group in enumerate(groups) if group.covers(index)), -1)
            key = (g, set_match.group(2) or "set", message)
            set_errors.setdefault((d, e), {}).setdefault(key, []).append(index + 1)
            return
        name = _ROW_ERROR_FIELDS.get(rest or "")
        if name is None and rest:
            list_item = _LIST_ITEM.match(rest)  # progression.percentages[2]
            if list_item and list_item.group(1) in _ROW_ERROR_FIELDS:
                name = _ROW_ERROR_FIELDS[list_item.group(1)]
                message = f"Value {int(list_item.group(2)) + 1}: {message}"
        if name is not None:
            label = row_form.fields[name].label
            self._error(row_form, name, message, f"{self._where(d, e)}{SEP}{label}", f"id_d{d}-e{e}-{name}")
            if name in {"progression", *PROGRESSION_DETAIL_FIELDS}:
                day.rows[e].details_open = True
        else:
            self._error(row_form, None, message, self._where(d, e), f"d{d}-e{e}")
