"""FitAI's own exercise library, written for this project, and synthetic exercises for benchmarks.

`seed_data/library.json` is the source of truth: every entry becomes an exercise with source "seed" and
source_id = its slug, so loading again updates in place and never duplicates. `manage.py seed` (through
`seed()`) and `manage.py seed_exercises` both load it.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from io import TextIOBase
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction

from exercises.cache import library_changed
from exercises.models import Equipment, Exercise, Muscle
from exercises.text import name_key, slug_for

LIBRARY_PATH = Path(__file__).resolve().parent / "seed_data" / "library.json"
LICENSE = "FitAI"
LICENSE_AUTHOR = "FitAI"
PROGRESS_EVERY = 50
DEMO_PREFIX = "demo-"
DEMO_BATCH_SIZE = 1000

ENTRY_KEYS = (
    "slug",
    "name",
    "description",
    "instructions",
    "primary_muscles",
    "secondary_muscles",
    "equipment",
    "category",
    "mechanics",
    "force",
    "difficulty",
    "safety_notes",
    "contraindications",
    "variations",
)
CHOICES = {
    "category": (set(Exercise.Category.values), False),
    "mechanics": (set(Exercise.Mechanics.values), True),
    "force": (set(Exercise.Force.values), True),
    "difficulty": (set(Exercise.Difficulty.values), False),
}
RELATIONS = ("primary_muscles", "secondary_muscles", "equipment")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class LoadReport:
    """What one load of the library did, counted per exercise."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links_added: int = 0
    links_removed: int = 0

    def __str__(self) -> str:
        return (
            f"Exercise library: {self.created} created, {self.updated} updated, {self.unchanged} unchanged "
            f"(variation links +{self.links_added} -{self.links_removed})."
        )


def _write(stdout: TextIOBase | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def library_read(path: Path | None = None) -> list[dict[str, Any]]:
    """Return the library's entries as stored; the file must hold a JSON list."""
    path = path or LIBRARY_PATH
    try:
        with path.open(encoding="utf-8") as handle:
            entries = json.load(handle)
    except OSError as error:
        raise CommandError(f"Cannot read the exercise library {path}: {error.strerror or error}.") from None
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    if not isinstance(entries, list):
        raise CommandError(f"{path} must hold a JSON list of exercises, not {type(entries).__name__}.")
    return entries


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)


def _entry_problems(entry: Any, *, muscles: set[str], equipment: set[str]) -> list[str]:
    if not isinstance(entry, dict):
        return ["must be a JSON object"]
    problems = []
    missing = [key for key in ENTRY_KEYS if key not in entry]
    unknown = sorted(set(entry) - set(ENTRY_KEYS))
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}")
    if missing:
        return problems
    slug, name = entry["slug"], entry["name"]
    if not isinstance(slug, str) or not _SLUG.match(slug) or len(slug) > 110:
        problems.append("slug must be lower-case letters, digits and single hyphens, at most 110 long")
    elif slug.startswith(DEMO_PREFIX):
        problems.append(f'slug must not start with "{DEMO_PREFIX}", which demo exercises use')
    if not isinstance(name, str) or not name_key(name) or len(name) > 120:
        problems.append("name must be text of 1-120 characters")
    for field in ("description", "safety_notes"):
        if not isinstance(entry[field], str):
            problems.append(f"{field} must be text")
    for field in ("instructions", "contraindications"):
        if not _is_strings(entry[field]):
            problems.append(f"{field} must be a list of non-empty strings")
    if not entry["instructions"]:
        problems.append("instructions must have at least one step")
    for field, (allowed, blank) in CHOICES.items():
        if entry[field] not in allowed and not (blank and entry[field] == ""):
            problems.append(f'{field} "{entry[field]}" is not one of {", ".join(sorted(allowed))}')
    for field, catalog, label in (
        ("primary_muscles", muscles, "muscle"),
        ("secondary_muscles", muscles, "muscle"),
        ("equipment", equipment, "equipment"),
    ):
        if not _is_strings(entry[field]):
            problems.append(f"{field} must be a list of slugs")
            continue
        problems += [
            f'unknown {label} slug "{slug}" in {field}' for slug in entry[field] if slug not in catalog
        ]
    if not entry["primary_muscles"]:
        problems.append("primary_muscles must name at least one muscle")
    elif _is_strings(entry["primary_muscles"]) and _is_strings(entry["secondary_muscles"]):
        both = sorted(set(entry["primary_muscles"]) & set(entry["secondary_muscles"]))
        if both:
            problems.append(f"{', '.join(both)} both primary and secondary")
    if not _is_strings(entry["variations"]):
        problems.append("variations must be a list of slugs")
    elif slug in entry["variations"]:
        problems.append("lists itself as a variation")
    return problems


def library_validate(entries: list[Any], *, muscles: Iterable[str], equipment: Iterable[str]) -> None:
    """Raise a CommandError listing every entry that is malformed or refers to something unknown.

    Checked before anything is written, so a bad library changes nothing.
    """
    muscles, equipment = set(muscles), set(equipment)
    problems: list[str] = []
    seen_slugs: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        label = (
            f'entry {number} ("{entry.get("slug", "?")}")' if isinstance(entry, dict) else f"entry {number}"
        )
        entry_problems = _entry_problems(entry, muscles=muscles, equipment=equipment)
        problems += [f"{label}: {problem}" for problem in entry_problems]
        if entry_problems:
            continue
        for seen, value, what in (
            (seen_slugs, entry["slug"], "slug"),
            (seen_keys, name_key(entry["name"]), "name"),
        ):
            if value in seen:
                problems.append(f"{label}: same {what} as entry {seen[value]}")
            seen.setdefault(value, number)
    for number, entry in enumerate(entries, start=1):
        if isinstance(entry, dict) and _is_strings(entry.get("variations")):
            problems += [
                f'entry {number} ("{entry.get("slug", "?")}"): variation "{slug}" is not in the library'
                for slug in entry["variations"]
                if slug not in seen_slugs
            ]
    if problems:
        shown = "\n  ".join(problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise CommandError(f"The exercise library has {len(problems)} problem(s):\n  {shown}{more}")


def _field_values(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": entry["name"],
        "name_key": name_key(entry["name"]),
        "description": entry["description"],
        "instructions": entry["instructions"],
        "category": entry["category"],
        "mechanics": entry["mechanics"],
        "force": entry["force"],
        "difficulty": entry["difficulty"],
        "safety_notes": entry["safety_notes"],
        "contraindications": entry["contraindications"],
        "license": LICENSE,
        "license_author": LICENSE_AUTHOR,
    }


def _free_slug(slug: str, taken: set[str]) -> str:
    """The library slug, or `slug-2`, `slug-3`… when something outside the library already uses it."""
    candidate, n = slug, 1
    # `taken` already holds every library slug in use elsewhere; only suffixed ones need a query.
    while candidate in taken or (candidate != slug and Exercise.objects.filter(slug=candidate).exists()):
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def _sync_variations(entries: list[dict[str, Any]], pk_by_slug: dict[str, int]) -> tuple[set[int], int, int]:
    """Make the variation links between library exercises exactly the library's; links to other
    exercises (added by moderators) are left alone. Return the exercises touched, links added, removed.

    `Exercise.variations` is symmetrical, so each link is two rows and a one-sided entry still links both.
    """
    through = Exercise.variations.through
    pks = set(pk_by_slug.values())
    wanted = {
        frozenset((pk_by_slug[entry["slug"]], pk_by_slug[other]))
        for entry in entries
        for other in entry["variations"]
    }
    current = {
        frozenset(pair)
        for pair in through.objects.filter(from_exercise_id__in=pks, to_exercise_id__in=pks).values_list(
            "from_exercise_id", "to_exercise_id"
        )
    }
    added, removed = wanted - current, current - wanted
    through.objects.bulk_create(
        [
            through(from_exercise_id=a, to_exercise_id=b)
            for pair in added
            for a, b in (tuple(pair), tuple(pair)[::-1])
        ]
    )
    for pair in removed:
        a, b = tuple(pair)
        through.objects.filter(from_exercise_id__in=(a, b), to_exercise_id__in=(a, b)).delete()
    touched = {pk for pair in added | removed for pk in pair}
    return touched, len(added), len(removed)


@transaction.atomic
def library_load(*, stdout: TextIOBase | None = None, path: Path | None = None) -> LoadReport:
    """Create or update every library exercise; running it again changes nothing.

    Fields, muscles and equipment follow the file on every run. Status and slug are set only on
    creation, so a moderator's decision and published URLs survive a reload; exercises dropped from
    the file are kept, since programs and workouts may use them.
    """
    entries = library_read(path)
    muscles = dict(Muscle.objects.values_list("slug", "pk"))
    equipment = dict(Equipment.objects.values_list("slug", "pk"))
    library_validate(entries, muscles=muscles, equipment=equipment)
    slugs = [entry["slug"] for entry in entries]
    existing = {
        exercise.source_id: exercise
        for exercise in Exercise.objects.filter(
            source=Exercise.Source.SEED, source_id__in=slugs
        ).prefetch_related(*RELATIONS)
    }
    own_pks = [exercise.pk for exercise in existing.values()]
    taken = set(
        Exercise.objects.filter(slug__in=slugs).exclude(pk__in=own_pks).values_list("slug", flat=True)
    )
    report = LoadReport()
    outcome: dict[int, str] = {}
    pk_by_slug: dict[str, int] = {}
    for done, entry in enumerate(entries, start=1):
        values = _field_values(entry)
        relations = {
            "primary_muscles": {muscles[slug] for slug in entry["primary_muscles"]},
            "secondary_muscles": {muscles[slug] for slug in entry["secondary_muscles"]},
            "equipment": {equipment[slug] for slug in entry["equipment"]},
        }
        exercise = existing.get(entry["slug"])
        if exercise is None:
            exercise = Exercise.objects.create(
                slug=_free_slug(entry["slug"], taken),
                status=Exercise.Status.APPROVED,
                source=Exercise.Source.SEED,
                source_id=entry["slug"],
                **values,
            )
            for relation, ids in relations.items():
                getattr(exercise, relation).set(ids)
            outcome[exercise.pk] = "created"
        else:
            changed = [field for field, value in values.items() if getattr(exercise, field) != value]
            if changed:
                for field in changed:
                    setattr(exercise, field, values[field])
                exercise.save(update_fields=[*changed, "updated_at"])
            for relation, ids in relations.items():
                if {item.pk for item in getattr(exercise, relation).all()} != ids:
                    getattr(exercise, relation).set(ids)
                    changed.append(relation)
            outcome[exercise.pk] = "updated" if changed else "unchanged"
        pk_by_slug[entry["slug"]] = exercise.pk
        if done % PROGRESS_EVERY == 0 or done == len(entries):
            _write(stdout, f"  exercises: {done}/{len(entries)}")
    touched, report.links_added, report.links_removed = _sync_variations(entries, pk_by_slug)
    for pk in touched:
        if outcome[pk] == "unchanged":
            outcome[pk] = "updated"
    report.created = sum(1 for value in outcome.values() if value == "created")
    report.updated = sum(1 for value in outcome.values() if value == "updated")
    report.unchanged = sum(1 for value in outcome.values() if value == "unchanged")
    if report.created or report.updated:
        transaction.on_commit(library_changed)
    _write(stdout, str(report))
    return report


def demo_source_id(number: int) -> str:
    return f"{DEMO_PREFIX}{number:05d}"


@transaction.atomic
def demo_exercises_create(*, count: int, stdout: TextIOBase | None = None) -> int:
    """Make sure demo exercises 1..count exist, creating the missing ones; return how many were created.

    Demo exercise n is always "Demo Exercise 0000n <muscle> <equipment>" (catalogs in slug order), so
    benchmarks see the same library on every machine. They are approved, source "seed", source_id
    "demo-0000n".
    """
    if count <= 0:
        return 0
    muscles = list(Muscle.objects.order_by("slug"))
    equipment = list(Equipment.objects.order_by("slug"))
    if not muscles or not equipment:
        raise CommandError("The muscle and equipment catalogs are empty: run `manage.py migrate` first.")
    existing = set(
        Exercise.objects.filter(source=Exercise.Source.SEED, source_id__startswith=DEMO_PREFIX).values_list(
            "source_id", flat=True
        )
    )
    missing = [n for n in range(1, count + 1) if demo_source_id(n) not in existing]
    categories, difficulties = Exercise.Category.values, Exercise.Difficulty.values
    mechanics, forces = Exercise.Mechanics.values, Exercise.Force.values
    muscle_through = Exercise.primary_muscles.through
    equipment_through = Exercise.equipment.through
    for start in range(0, len(missing), DEMO_BATCH_SIZE):
        batch = missing[start : start + DEMO_BATCH_SIZE]
        exercises, picks = [], {}
        for n in batch:
            muscle = muscles[(n - 1) % len(muscles)]
            item = equipment[((n - 1) // len(muscles)) % len(equipment)]
            name = f"Demo Exercise {n:05d} {muscle.name} {item.name}"
            picks[demo_source_id(n)] = (muscle.pk, item.pk)
            exercises.append(
                Exercise(
                    slug=slug_for(name),
                    name=name,
                    name_key=name_key(name),
                    description=f"Synthetic exercise for benchmarks, training the {muscle.name.lower()}.",
                    instructions=["Set up.", "Do the movement.", "Return to the start."],
                    category=categories[n % len(categories)],
                    mechanics=mechanics[n % len(mechanics)],
                    force=forces[n % len(forces)],
                    difficulty=difficulties[n % len(difficulties)],
                    status=Exercise.Status.APPROVED,
                    source=Exercise.Source.SEED,
                    source_id=demo_source_id(n),
                    license=LICENSE,
                    license_author=LICENSE_AUTHOR,
                )
            )
        Exercise.objects.bulk_create(exercises)
        # Not every database returns primary keys from a bulk insert; read them back by source_id.
        created = Exercise.objects.filter(source=Exercise.Source.SEED, source_id__in=list(picks)).values_list(
            "source_id", "pk"
        )
        muscle_rows, equipment_rows = [], []
        for source_id, pk in created:
            muscle_pk, equipment_pk = picks[source_id]
            muscle_rows.append(muscle_through(exercise_id=pk, muscle_id=muscle_pk))
            equipment_rows.append(equipment_through(exercise_id=pk, equipment_id=equipment_pk))
        muscle_through.objects.bulk_create(muscle_rows)
        equipment_through.objects.bulk_create(equipment_rows)
        _write(stdout, f"  demo exercises: {start + len(batch)}/{len(missing)}")
    if missing:
        transaction.on_commit(library_changed)
    _write(stdout, f"Demo exercises: {len(missing)} created, {count - len(missing)} already there.")
    return len(missing)


def seed(stdout: TextIOBase) -> None:
    """Load the exercise library (`manage.py seed` calls this on every `make run`)."""
    library_load(stdout=stdout)
