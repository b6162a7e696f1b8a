"""Imports from public exercise data sets (free-exercise-db, wger): parse and check each row, then write.

Imported data is untrusted (SECURITY.md, API10). Every row is validated on its own into an
`ExerciseRecord`; a bad row becomes a `SkippedRow` with a reason and never stops the import. Text
is stored as plain text (HTML is reduced to its words, scripts and styles dropped), and media are
kept as http(s) links that pages show and the server never fetches.
"""

import html
import ipaddress
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils.html import strip_tags

from exercises.cache import library_changed
from exercises.models import Equipment, Exercise, Muscle
from exercises.text import name_key, slug_for

FREE_EXERCISE_DB = Exercise.Source.FREE_EXERCISE_DB.value
WGER = Exercise.Source.WGER.value
FORMATS = (FREE_EXERCISE_DB, WGER)

# free-exercise-db ships image paths relative to its `exercises/` folder; links point at the
# project's canonical copy on GitHub.
FREE_EXERCISE_DB_IMAGE_BASE = "https://raw.githubusercontent.com/yuhonas/free-exercise-db/main/exercises/"
FREE_EXERCISE_DB_LICENSE = "Unlicense (public domain)"
FREE_EXERCISE_DB_AUTHOR = "free-exercise-db"
WGER_ENGLISH = 2

NAME_MAX = Exercise._meta.get_field("name").max_length
SOURCE_ID_MAX = Exercise._meta.get_field("source_id").max_length
LICENSE_MAX = Exercise._meta.get_field("license").max_length
LICENSE_AUTHOR_MAX = Exercise._meta.get_field("license_author").max_length
HTML_MAX = 20_000
DESCRIPTION_MAX = 5_000
STEPS_MAX = 40
STEP_MAX = 2_000
MEDIA_MAX = 10
URL_MAX = 500

# Our muscle slugs (exercises/migrations/0002_catalogs.py) by the data set's name, lower-case.
# None: a name we know and deliberately leave out, so it is not reported as unknown.
FREE_EXERCISE_DB_MUSCLES: dict[str, str | None] = {
    "abdominals": "abdominals",
    "abductors": "abductors",
    "adductors": "adductors",
    "biceps": "biceps",
    "calves": "calves",
    "chest": "chest",
    "forearms": "forearms",
    "glutes": "glutes",
    "hamstrings": "hamstrings",
    "lats": "lats",
    "lower back": "lower-back",
    "middle back": "middle-back",
    "neck": "neck",
    "quadriceps": "quadriceps",
    "shoulders": "front-delts",
    "traps": "traps",
    "triceps": "triceps",
}
# wger names muscles in Latin (`name`) and, for most, in plain English (`name_en`); both are keys.
WGER_MUSCLES: dict[str, str | None] = {
    "biceps brachii": "biceps",
    "brachialis": "biceps",  # The other elbow flexor of the upper arm; we do not list it apart.
    "anterior deltoid": "front-delts",
    "pectoralis major": "chest",
    "triceps brachii": "triceps",
    "rectus abdominis": "abdominals",
    "obliquus externus abdominis": "obliques",
    "gastrocnemius": "calves",
    "soleus": "calves",
    "gluteus maximus": "glutes",
    "trapezius": "traps",
    "quadriceps femoris": "quadriceps",
    "biceps femoris": "hamstrings",
    "latissimus dorsi": "lats",
    # Trains in presses, rows, pulldowns and crunches alike: no one muscle group of ours fits,
    # and counting it as chest or abs would skew volume analytics. wger always lists others too.
    "serratus anterior": None,
    "biceps": "biceps",
    "shoulders": "front-delts",
    "chest": "chest",
    "triceps": "triceps",
    "abs": "abdominals",
    "calves": "calves",
    "glutes": "glutes",
    "quads": "quadriceps",
    "hamstrings": "hamstrings",
    "lats": "lats",
}
FREE_EXERCISE_DB_EQUIPMENT: dict[str, str | None] = {
    "barbell": "barbell",
    "dumbbell": "dumbbell",
    "body only": "bodyweight",
    "cable": "cable",
    "machine": "machine",
    "kettlebells": "kettlebell",
    "bands": "resistance-band",
    "medicine ball": "medicine-ball",
    "exercise ball": "stability-ball",
    "foam roll": "foam-roller",
    "e-z curl bar": "ez-bar",
    "other": None,
}
WGER_EQUIPMENT: dict[str, str | None] = {
    "none (bodyweight exercise)": "bodyweight",
    "barbell": "barbell",
    "dumbbell": "dumbbell",
    "kettlebell": "kettlebell",
    "sz-bar": "ez-bar",
    "bench": "bench",
    "incline bench": "bench",
    "pull-up bar": "pull-up-bar",
    "resistance band": "resistance-band",
    "swiss ball": "stability-ball",
    "gym mat": None,
}
FREE_EXERCISE_DB_CATEGORIES = {
    "strength": Exercise.Category.STRENGTH,
    "stretching": Exercise.Category.STRETCHING,
    "plyometrics": Exercise.Category.PLYOMETRICS,
    "powerlifting": Exercise.Category.POWERLIFTING,
    "olympic weightlifting": Exercise.Category.OLYMPIC_WEIGHTLIFTING,
    "strongman": Exercise.Category.STRONGMAN,
    "cardio": Exercise.Category.CARDIO,
}
LEVELS = {
    "beginner": Exercise.Difficulty.BEGINNER,
    "intermediate": Exercise.Difficulty.INTERMEDIATE,
    "expert": Exercise.Difficulty.ADVANCED,
}
MECHANICS = {"compound": Exercise.Mechanics.COMPOUND, "isolation": Exercise.Mechanics.ISOLATION}
FORCES = {"push": Exercise.Force.PUSH, "pull": Exercise.Force.PULL, "static": Exercise.Force.STATIC}

# Control and invisible formatting characters (bidi overrides, zero-width) never belong in names.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_SPACE_RE = re.compile(r"\s+")
_SOURCE_ID_RE = re.compile(r"[A-Za-z0-9_.:\-]+")
_MARKUP_RE = re.compile(r"<\s*[A-Za-z/!?]")
_IMAGE_PATH_RE = re.compile(r"[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)*")
_STEP_PREFIX_RE = re.compile(r"^(?:[-\u2013\u2022*]\s*|\d{1,2}[.)]\s+)")
# Elements whose content is code, not text: dropped whole (an unclosed one runs to the end).
_DROP_ELEMENT_RE = re.compile(
    r"<\s*(script|style|template|iframe|object|embed|noscript|svg|math|textarea)\b[^>]*>.*?(?:<\s*/\s*\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_LI_OPEN_RE = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_LI_CLOSE_RE = re.compile(r"<\s*/\s*li\s*>", re.IGNORECASE)
_BLOCK_RE = re.compile(
    r"<\s*/?\s*(?:p|div|ul|ol|h[1-6]|br|hr|tr|td|table|blockquote|pre|section|article)\b[^>]*>",
    re.IGNORECASE,
)
# Markers placed where block elements were; the control characters were removed from the input
# first, so the data cannot forge them.
_LI_START, _LI_END, _BREAK = "\x01", "\x02", "\x03"


class ImportFormatError(ValueError):
    """The file as a whole is not in the format asked for (a bad row is skipped instead)."""


class RowError(ValueError):
    """Why one row cannot be imported; `code` groups the reasons in the report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ExerciseRecord:
    """One validated, normalised exercise from a data set, in our vocabulary (slugs and choices)."""

    source: str
    source_id: str
    name: str
    category: str
    primary_muscles: tuple[str, ...]
    secondary_muscles: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    description: str = ""
    instructions: tuple[str, ...] = ()
    mechanics: str = ""
    force: str = ""
    difficulty: str = Exercise.Difficulty.BEGINNER
    media: tuple[dict[str, str], ...] = ()
    license: str = ""
    license_author: str = ""
    row: int = field(default=0, compare=False)  # 1-based position in the file, for the report.

    @property
    def name_key(self) -> str:
        return name_key(self.name)

    def field_values(self) -> dict[str, Any]:
        """The model fields an import sets, as the model stores them."""
        return {
            "name": self.name,
            "name_key": self.name_key,
            "description": self.description,
            "instructions": list(self.instructions),
            "category": self.category,
            "mechanics": self.mechanics,
            "force": self.force,
            "difficulty": self.difficulty,
            "media": [dict(item) for item in self.media],
            "license": self.license,
            "license_author": self.license_author,
            "source_id": self.source_id,
        }


@dataclass(frozen=True)
class SkippedRow:
    """A row left out of the import, and why."""

    row: int  # 1-based position in the file's list of entries.
    source_id: str
    name: str
    code: str
    reason: str

    def __str__(self) -> str:
        label = f"row {self.row}"
        if self.name:
            label += f" “{self.name[:60]}”"
        if self.source_id:
            label += f" ({self.source_id[:60]})"
        return f"{label}: {self.reason}"


@dataclass
class ParseResult:
    """A file's valid records and its skipped rows, before anything is written."""

    source: str
    rows: int
    records: list[ExerciseRecord] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    # Names in imported rows that we do not map ("muscle 'x'" → rows), for the report.
    ignored: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did: counts, skipped rows with reasons, names it could not map."""

    source: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    def skipped_by_code(self) -> Counter[str]:
        return Counter(skip.code for skip in self.skipped)


# --- Row helpers ---------------------------------------------------------------------------------


def _plain(value: str) -> str:
    """One line of plain text: no control or invisible characters, whitespace collapsed."""
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub("", value)).strip()


def _short(value: Any) -> str:
    """A value quoted for a report line, cut short: imported text must not flood the output."""
    text = _plain(value) if isinstance(value, str) else type(value).__name__
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def _object(row: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise RowError("not_an_object", f"the entry is a {type(row).__name__}, not an object")
    return row


def _source_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError("bad_id", "missing id" if value is None else "the id is not a string")
    value = str(value).strip()
    if not value:
        raise RowError("bad_id", "missing id")
    if len(value) > SOURCE_ID_MAX or not _SOURCE_ID_RE.fullmatch(value):
        raise RowError(
            "bad_id", f"id {_short(value)} is not a plain identifier of up to {SOURCE_ID_MAX} characters"
        )
    return value


def _name(value: Any) -> str:
    if value is None:
        raise RowError("bad_name", "missing name")
    if not isinstance(value, str):
        raise RowError("bad_name", "the name is not a string")
    name = _plain(value)
    if not name:
        raise RowError("bad_name", "missing name")
    if len(name) > NAME_MAX:
        raise RowError("bad_name", f"name longer than {NAME_MAX} characters")
    if _MARKUP_RE.search(name):
        raise RowError("bad_name", "the name contains HTML")
    if not name_key(name):
        raise RowError("bad_name", "the name has no letters or digits")
    return name


def _choice(value: Any, choices: dict[str, str], label: str, *, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise RowError(f"bad_{label}", f"missing {label}")
        return ""
    if not isinstance(value, str):
        raise RowError(f"bad_{label}", f"the {label} is not a string")
    try:
        return choices[_plain(value).lower()]
    except KeyError:
        raise RowError(f"bad_{label}", f"unknown {label} {_short(value)}") from None


def _list(value: Any, label: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowError("bad_type", f"{label} is not a list")
    return value


def _map_names(
    names: Iterable[str], mapping: dict[str, str | None], kind: str, ignored: Counter[str]
) -> tuple[str, ...]:
    """Our slugs for these names, in order and without repeats; unknown names are counted."""
    slugs: dict[str, None] = {}
    for name in names:
        key = _plain(name).lower()
        if key in mapping:
            if mapping[key]:
                slugs[mapping[key]] = None
        elif key:
            ignored[f"{kind} {_short(key)}"] += 1
    return tuple(slugs)


def _strings(value: Any, label: str) -> list[str]:
    items = _list(value, label)
    if not all(isinstance(item, str) for item in items):
        raise RowError("bad_type", f"{label} must be a list of strings")
    return items


def _muscles(
    primary: Sequence[str], secondary: Sequence[str], mapping: dict[str, str | None], ignored: Counter[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    primary_slugs = _map_names(primary, mapping, "muscle", ignored)
    if not primary_slugs:
        if primary:
            raise RowError(
                "no_muscles", f"no primary muscle we can map (got {', '.join(map(_short, primary))})"
            )
        raise RowError("no_muscles", "no primary muscle")
    secondary_slugs = _map_names(secondary, mapping, "muscle", ignored)
    return primary_slugs, tuple(slug for slug in secondary_slugs if slug not in primary_slugs)


def _steps(texts: Iterable[str]) -> tuple[str, ...]:
    steps = []
    for text in texts:
        step = _STEP_PREFIX_RE.sub("", _plain(text))
        if not step:
            continue
        if len(step) > STEP_MAX:
            raise RowError("too_long", f"an instruction step is longer than {STEP_MAX} characters")
        steps.append(step)
    if len(steps) > STEPS_MAX:
        raise RowError("too_long", f"more than {STEPS_MAX} instruction steps")
    return tuple(steps)


def _safe_url(value: Any) -> str | None:
    """The URL if it is a plain http(s) link to a public host, else None."""
    if (
        not isinstance(value, str)
        or len(value) > URL_MAX
        or _CONTROL_RE.search(value)
        or _SPACE_RE.search(value)
    ):
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not host or parts.username or parts.password:
        return None
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return None
    try:
        if not ipaddress.ip_address(host).is_global:
            return None
    except ValueError:
        pass  # A host name, not an address.
    return value


def html_to_blocks(value: str) -> list[tuple[str, str]]:
    """Plain-text blocks of an HTML fragment: ("li", text) for list items, ("p", text) otherwise.

    Script, style and similar elements are dropped with their content; entities are decoded after
    the tags are gone, and anything that decodes into markup is stripped again.
    """
    value = _CONTROL_RE.sub(" ", value)
    value = _DROP_ELEMENT_RE.sub(" ", value)
    value = _LI_OPEN_RE.sub(_LI_START, value)
    value = _LI_CLOSE_RE.sub(_LI_END, value)
    value = _BLOCK_RE.sub(_BREAK, value)
    try:
        value = strip_tags(value)
    except SuspiciousOperation:
        raise RowError("bad_html", "the description's HTML is nested too deeply") from None
    blocks: list[tuple[str, str]] = []
    in_item = False
    for part in re.split(f"([{_LI_START}{_LI_END}{_BREAK}])", value):
        if part == _LI_START:
            in_item = True
        elif part == _LI_END:
            in_item = False
        elif part != _BREAK:
            text = html.unescape(part)
            if _MARKUP_RE.search(text):  # Markup that was escaped once: still not text.
                try:
                    text = strip_tags(_DROP_ELEMENT_RE.sub(" ", text))
                except SuspiciousOperation:
                    raise RowError("bad_html", "the description's HTML is nested too deeply") from None
            text = _plain(text)
            if text:
                blocks.append(("li" if in_item else "p", text))
    return blocks


def _description_and_steps(value: Any) -> tuple[str, tuple[str, ...]]:
    """List items become the steps and the other paragraphs the description; without a list,
    several paragraphs are the steps and a single one is the description."""
    if value is None:
        return "", ()
    if not isinstance(value, str):
        raise RowError("bad_type", "the description is not a string")
    if len(value) > HTML_MAX:
        raise RowError("too_long", f"description longer than {HTML_MAX} characters")
    blocks = html_to_blocks(value)
    items = [text for kind, text in blocks if kind == "li"]
    paragraphs = [text for kind, text in blocks if kind != "li"]
    if items:
        description, steps = "\n\n".join(paragraphs), _steps(items)
    elif len(paragraphs) > 1:
        description, steps = "", _steps(paragraphs)
    else:
        description, steps = "".join(paragraphs), ()
    if len(description) > DESCRIPTION_MAX:
        raise RowError("too_long", f"description longer than {DESCRIPTION_MAX} characters")
    return description, steps


# --- free-exercise-db ----------------------------------------------------------------------------


def _free_exercise_db_media(paths: list[str], name: str, base: str, ignored: Counter[str]) -> tuple:
    media = []
    for path in paths[:MEDIA_MAX]:
        parts = path.split("/")
        if not _IMAGE_PATH_RE.fullmatch(path) or any(part in {".", ".."} for part in parts):
            ignored[f"image path {_short(path)}"] += 1
            continue
        media.append({"type": "image", "url": base + quote(path), "title": name})
    return tuple(media)


def parse_free_exercise_db_row(
    row: Any, *, ignored: Counter[str], image_base: str = FREE_EXERCISE_DB_IMAGE_BASE
) -> ExerciseRecord:
    """One free-exercise-db entry as a record; raises RowError when it cannot be imported."""
    row = _object(row)
    source_id = _source_id(row.get("id"))
    name = _name(row.get("name"))
    primary, secondary = _muscles(
        _strings(row.get("primaryMuscles"), "primaryMuscles"),
        _strings(row.get("secondaryMuscles"), "secondaryMuscles"),
        FREE_EXERCISE_DB_MUSCLES,
        ignored,
    )
    equipment = row.get("equipment")
    if equipment is not None and not isinstance(equipment, str):
        raise RowError("bad_type", "equipment is not a string")
    return ExerciseRecord(
        source=FREE_EXERCISE_DB,
        source_id=source_id,
        name=name,
        category=_choice(row.get("category"), FREE_EXERCISE_DB_CATEGORIES, "category", required=True),
        difficulty=_choice(row.get("level"), LEVELS, "level", required=True),
        mechanics=_choice(row.get("mechanic"), MECHANICS, "mechanic"),
        force=_choice(row.get("force"), FORCES, "force"),
        primary_muscles=primary,
        secondary_muscles=secondary,
        equipment=_map_names(
            [equipment] if equipment else [], FREE_EXERCISE_DB_EQUIPMENT, "equipment", ignored
        ),
        instructions=_steps(_strings(row.get("instructions"), "instructions")),
        media=_free_exercise_db_media(_strings(row.get("images"), "images"), name, image_base, ignored),
        license=FREE_EXERCISE_DB_LICENSE,
        license_author=FREE_EXERCISE_DB_AUTHOR,
    )


# --- wger ----------------------------------------------------------------------------------------


def _wger_names(items: Any, label: str, keys: tuple[str, ...], mapping: dict[str, str | None]) -> list[str]:
    """The names of wger's nested objects ({name, name_en, ...}); the first key that maps wins."""
    names = []
    for item in _list(items, label):
        if not isinstance(item, dict):
            raise RowError("bad_type", f"{label} must be a list of objects")
        candidates = [item.get(key) for key in keys if isinstance(item.get(key), str) and item.get(key)]
        if not candidates:
            raise RowError("bad_type", f"an entry of {label} has no name")
        known = [name for name in candidates if _plain(name).lower() in mapping]
        names.append(known[0] if known else candidates[0])
    return names


def _wger_english(translations: Any) -> dict[str, Any]:
    for translation in _list(translations, "translations"):
        language = translation.get("language") if isinstance(translation, dict) else None
        if type(language) is int and language == WGER_ENGLISH:
            return translation
    raise RowError("no_english", "no English translation")


def _wger_license(row: dict[str, Any], translation: dict[str, Any]) -> tuple[str, str]:
    terms = row.get("license")
    short_name = terms.get("short_name") if isinstance(terms, dict) else None
    if not isinstance(short_name, str) or not _plain(short_name):
        raise RowError("no_license", "no license")
    short_name = _plain(short_name)
    author = row.get("license_author") or translation.get("license_author") or ""
    if not isinstance(author, str):
        raise RowError("bad_type", "license_author is not a string")
    author = _plain(author)
    if len(short_name) > LICENSE_MAX or len(author) > LICENSE_AUTHOR_MAX:
        raise RowError("too_long", "license or license_author too long")
    return short_name, author


def _wger_media(row: dict[str, Any], name: str, ignored: Counter[str]) -> tuple:
    media = []
    for kind, key in (("image", "image"), ("video", "video")):
        for item in _list(row.get(f"{kind}s"), f"{kind}s"):
            url = item.get(key) if isinstance(item, dict) else None
            if _safe_url(url) is None:
                ignored[f"{kind} link {_short(url)}"] += 1
            elif len(media) < MEDIA_MAX:
                media.append({"type": kind, "url": url, "title": name})
    return tuple(media)


def parse_wger_row(row: Any, *, ignored: Counter[str]) -> ExerciseRecord:
    """One wger exerciseinfo result as a record; raises RowError when it cannot be imported."""
    row = _object(row)
    source_id = _source_id(row.get("uuid"))
    translation = _wger_english(row.get("translations"))
    name = _name(translation.get("name"))
    category = row.get("category")
    category_name = category.get("name") if isinstance(category, dict) else None
    if not isinstance(category_name, str) or not _plain(category_name):
        raise RowError("bad_category", "missing category")
    primary, secondary = _muscles(
        _wger_names(row.get("muscles"), "muscles", ("name", "name_en"), WGER_MUSCLES),
        _wger_names(row.get("muscles_secondary"), "muscles_secondary", ("name", "name_en"), WGER_MUSCLES),
        WGER_MUSCLES,
        ignored,
    )
    description, steps = _description_and_steps(translation.get("description"))
    terms, author = _wger_license(row, translation)
    return ExerciseRecord(
        source=WGER,
        source_id=source_id,
        name=name,
        # wger's categories are body parts; only "Cardio" says what kind of exercise it is.
        category=(
            Exercise.Category.CARDIO
            if _plain(category_name).lower() == "cardio"
            else Exercise.Category.STRENGTH
        ),
        primary_muscles=primary,
        secondary_muscles=secondary,
        equipment=_map_names(
            _wger_names(row.get("equipment"), "equipment", ("name",), WGER_EQUIPMENT),
            WGER_EQUIPMENT,
            "equipment",
            ignored,
        ),
        description=description,
        instructions=steps,
        media=_wger_media(row, name, ignored),
        license=terms,
        license_author=author,
    )


# --- Files ---------------------------------------------------------------------------------------


def _entries(data: Any, source: str) -> tuple[list[Any], list[str]]:
    if source == FREE_EXERCISE_DB:
        if not isinstance(data, list):
            raise ImportFormatError(
                f"A free-exercise-db file is a JSON list of exercises; this one is a {_json_type(data)}."
            )
        return data, []
    if source == WGER:
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ImportFormatError(
                "A wger file is an exerciseinfo API page: a JSON object with a `results` list "
                f"({_json_type(data)} found{' without a results list' if isinstance(data, dict) else ''})."
            )
        notes = []
        if data.get("next"):
            notes.append(
                f"The file is one page of {data.get('count', '?')} results; fetch all of them at once "
                "(/api/v2/exerciseinfo/?limit=1000) to import the rest."
            )
        return data["results"], notes
    raise ImportFormatError(f"Unknown format {source!r}; use one of: {', '.join(FORMATS)}.")


def _json_type(data: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(data), "number"
    )


def parse(data: Any, *, source: str) -> ParseResult:
    """Validate every entry of a loaded file; raises ImportFormatError only for the file's shape.

    Two entries with the same id or the same normalised name keep the first and skip the other.
    """
    entries, notes = _entries(data, source)
    result = ParseResult(source=source, rows=len(entries), notes=notes)
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, tuple[int, str]] = {}
    for number, row in enumerate(entries, start=1):
        ignored: Counter[str] = Counter()
        try:
            if source == FREE_EXERCISE_DB:
                record = parse_free_exercise_db_row(row, ignored=ignored)
            else:
                record = parse_wger_row(row, ignored=ignored)
            if record.source_id in seen_ids:
                raise RowError("duplicate_in_file", f"same id as row {seen_ids[record.source_id]}")
            if record.name_key in seen_names:
                first, first_id = seen_names[record.name_key]
                raise RowError("duplicate_in_file", f"same name as row {first} ({first_id})")
        except RowError as error:
            result.skipped.append(_skip(number, row, error, source))
            continue
        seen_ids[record.source_id] = number
        seen_names[record.name_key] = (number, record.source_id)
        result.records.append(replace(record, row=number))
        result.ignored.update(ignored)
    return result


def _skip(number: int, row: Any, error: RowError, source: str) -> SkippedRow:
    """A skipped row, labelled with whatever id and name it has, shortened for the report."""
    source_id = name = ""
    if isinstance(row, dict):
        raw_id = row.get("uuid" if source == WGER else "id")
        source_id = _plain(str(raw_id))[:SOURCE_ID_MAX] if isinstance(raw_id, str | int) else ""
        raw_name = row.get("name")
        if raw_name is None and isinstance(row.get("translations"), list):
            english = [
                t for t in row["translations"] if isinstance(t, dict) and t.get("language") == WGER_ENGLISH
            ]
            raw_name = english[0].get("name") if english else None
        name = _plain(raw_name)[:NAME_MAX] if isinstance(raw_name, str) else ""
    return SkippedRow(row=number, source_id=source_id, name=name, code=error.code, reason=str(error))


# --- Writing -------------------------------------------------------------------------------------


RELATIONS = ("primary_muscles", "secondary_muscles", "equipment")


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _NameOwner(NamedTuple):
    pk: int
    name: str
    source: str
    source_id: str


class _Library:
    """What the import needs to know about the library, loaded once and kept current as it writes."""

    def __init__(self, source: str) -> None:
        self.muscles = dict(Muscle.objects.values_list("slug", "pk"))
        self.equipment = dict(Equipment.objects.values_list("slug", "pk"))
        self.by_source_id = {
            exercise.source_id: exercise
            for exercise in Exercise.objects.filter(source=source)
            .exclude(source_id="")
            .prefetch_related("primary_muscles", "secondary_muscles", "equipment")
        }
        # Soft-deleted and rejected exercises do not block a name, as in exercise_find_duplicate.
        self.by_name_key: dict[str, list[_NameOwner]] = {}
        live = Exercise.objects.alive().exclude(status=Exercise.Status.REJECTED).order_by("pk")
        for key, *owner in live.values_list("name_key", "pk", "name", "source", "source_id"):
            self.by_name_key.setdefault(key, []).append(_NameOwner(*owner))
        self.slugs = set(Exercise.objects.values_list("slug", flat=True))

    def relation_ids(self, record: ExerciseRecord) -> dict[str, set[int]]:
        missing = [
            slug for slug in record.primary_muscles + record.secondary_muscles if slug not in self.muscles
        ]
        missing += [slug for slug in record.equipment if slug not in self.equipment]
        if missing:
            raise RowError("not_in_catalog", f"not in our catalogs: {', '.join(missing)}")
        return {
            "primary_muscles": {self.muscles[slug] for slug in record.primary_muscles},
            "secondary_muscles": {self.muscles[slug] for slug in record.secondary_muscles},
            "equipment": {self.equipment[slug] for slug in record.equipment},
        }

    def unique_slug(self, name: str) -> str:
        base = slug_for(name)[:110].strip("-") or "exercise"
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        return slug

    def name_owner(self, key: str, *, source: str, exclude_pk: int | None = None) -> _NameOwner | None:
        """The live exercise that has this name: one from another source first, as that makes a
        duplicate whatever else has the name."""
        owners = [owner for owner in self.by_name_key.get(key, []) if owner.pk != exclude_pk]
        owners.sort(key=lambda owner: owner.source == source)
        return owners[0] if owners else None

    def remember(self, exercise: Exercise, old_key: str | None = None) -> None:
        if old_key is not None:
            owners = self.by_name_key.get(old_key, [])
            owners[:] = [owner for owner in owners if owner.pk != exercise.pk]
        self.by_name_key.setdefault(exercise.name_key, []).append(
            _NameOwner(exercise.pk, exercise.name, exercise.source, exercise.source_id)
        )
        self.by_source_id[exercise.source_id] = exercise


def _current_relations(exercise: Exercise) -> dict[str, set[int]]:
    return {relation: {item.pk for item in getattr(exercise, relation).all()} for relation in RELATIONS}


def exercises_import(
    *,
    parsed: ParseResult,
    status: str = Exercise.Status.APPROVED,
    dry_run: bool = False,
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Create or update the library from parsed records; running it again changes nothing.

    A record matches the exercise with its (source, id), else a live exercise of the same source
    with the same normalised name (the data set renamed its id). A live exercise from anywhere
    else with that name makes it a duplicate, skipped. Only changed fields are written, status
    and slug only on creation, so moderators' decisions and URLs survive re-imports. Each batch
    is one transaction; a dry run rolls everything back.
    """
    started = time.monotonic()
    report = ImportReport(
        source=parsed.source,
        rows=parsed.rows,
        skipped=list(parsed.skipped),
        ignored=Counter(parsed.ignored),
        notes=list(parsed.notes),
        dry_run=dry_run,
    )
    file_ids = {record.source_id for record in parsed.records}
    total, done = len(parsed.records), 0
    # One transaction per batch; a dry run nests them all in one that it rolls back.
    with transaction.atomic() if dry_run else nullcontext():
        library = _Library(parsed.source)
        for batch in _batches(parsed.records, batch_size):
            with transaction.atomic():
                new_links: list[tuple[Exercise, dict[str, set[int]]]] = []
                changed = False
                for record in batch:
                    try:
                        outcome = _import_record(record, library=library, status=status, file_ids=file_ids)
                    except RowError as error:
                        report.skipped.append(
                            SkippedRow(
                                row=record.row,
                                source_id=record.source_id,
                                name=record.name,
                                code=error.code,
                                reason=str(error),
                            )
                        )
                        outcome = None
                    if outcome is not None:
                        kind, exercise, links = outcome
                        setattr(report, kind, getattr(report, kind) + 1)
                        changed = changed or kind != "unchanged"
                        if kind == "created":
                            new_links.append((exercise, links))
                    done += 1
                    if progress is not None:
                        progress(done, total)
                _link_created(new_links)
                if changed:
                    transaction.on_commit(library_changed)
        if dry_run:
            transaction.set_rollback(True)
    report.skipped.sort(key=lambda skip: skip.row)
    report.seconds = time.monotonic() - started
    return report


def _import_record(
    record: ExerciseRecord, *, library: _Library, status: str, file_ids: set[str]
) -> tuple[str, Exercise, dict[str, set[int]]]:
    links = library.relation_ids(record)
    values = record.field_values()
    exercise = library.by_source_id.get(record.source_id)
    if exercise is None:
        owner = library.name_owner(record.name_key, source=record.source)
        if owner is not None:
            if owner.source != record.source:
                raise RowError("duplicate", f"same name as the {owner.source} exercise “{owner.name}”")
            if owner.source_id in file_ids:
                raise RowError(
                    "duplicate", f"same name as “{owner.name}” ({owner.source_id}), also in this file"
                )
            # The data set gave this exercise a new id: follow it rather than add a twin.
            exercise = Exercise.objects.prefetch_related(*RELATIONS).get(pk=owner.pk)
            library.by_source_id.pop(exercise.source_id, None)
    if exercise is None:
        exercise = Exercise(
            **values, slug=library.unique_slug(record.name), source=record.source, status=status
        )
        exercise.save()
        library.remember(exercise)
        return "created", exercise, links
    old_key = exercise.name_key
    if record.name_key != old_key:
        owner = library.name_owner(record.name_key, source=record.source, exclude_pk=exercise.pk)
        if owner is not None:
            raise RowError("duplicate", f"renamed to the name of the {owner.source} exercise “{owner.name}”")
    fields = [name for name, value in values.items() if getattr(exercise, name) != value]
    for name in fields:
        setattr(exercise, name, values[name])
    if fields:
        exercise.save(update_fields=[*fields, "updated_at"])
    current = _current_relations(exercise)
    for relation in RELATIONS:
        if current[relation] != links[relation]:
            getattr(exercise, relation).set(links[relation])
            fields.append(relation)
    library.remember(exercise, old_key=old_key)
    return ("updated" if fields else "unchanged"), exercise, links


def _link_created(created: list[tuple[Exercise, dict[str, set[int]]]]) -> None:
    """Add the new exercises' muscles and equipment in three inserts rather than three per row."""
    for relation, target in (
        ("primary_muscles", "muscle"),
        ("secondary_muscles", "muscle"),
        ("equipment", "equipment"),
    ):
        through = getattr(Exercise, relation).through
        through.objects.bulk_create(
            [
                through(**{"exercise_id": exercise.pk, f"{target}_id": target_id})
                for exercise, links in created
                for target_id in sorted(links[relation])
            ]
        )
