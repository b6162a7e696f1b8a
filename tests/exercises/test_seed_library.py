"""FitAI's own exercise library: the JSON's rules, the idempotent loader, demo exercises, name keys."""

import importlib
import json
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from exercises.models import Exercise
from exercises.seed import LIBRARY_PATH, library_load, library_read
from exercises.text import name_key, slug_for
from tests.exercises.factories import ExerciseFactory

CATALOGS = importlib.import_module("exercises.migrations.0002_catalogs")
MUSCLES = {slug for slug, *_ in CATALOGS.MUSCLES}
EQUIPMENT = {slug for slug, *_ in CATALOGS.EQUIPMENT}
LIBRARY = library_read()
BY_SLUG = {entry["slug"]: entry for entry in LIBRARY}
WELL_KNOWN = [
    "Barbell Back Squat", "Front Squat", "Conventional Deadlift", "Romanian Deadlift", "Sumo Deadlift",
    "Barbell Bench Press", "Incline Dumbbell Press", "Overhead Press", "Push Press", "Barbell Row",
    "Pull-Up", "Chin-Up", "Lat Pulldown", "Seated Cable Row", "Dumbbell Curl", "Hammer Curl", "EZ-Bar Curl",
    "Triceps Pushdown", "Skull Crusher", "Dips", "Push-Up", "Plank", "Hanging Leg Raise", "Cable Crunch",
    "Russian Twist", "Walking Lunge", "Bulgarian Split Squat", "Leg Press", "Leg Extension", "Lying Leg Curl",
    "Hip Thrust", "Glute Bridge", "Standing Calf Raise", "Seated Calf Raise", "Face Pull", "Lateral Raise",
    "Rear Delt Fly", "Shrug", "Kettlebell Swing", "Turkish Get-Up", "Goblet Squat", "Clean", "Snatch",
    "Clean and Jerk", "Farmer's Carry", "Sled Push", "Box Jump", "Burpee", "Jump Rope", "Treadmill Run",
    "Rowing Machine", "Stationary Bike", "Elliptical", "Stair Climber", "Battle Rope Waves",
    "World's Greatest Stretch", "Hip Flexor Stretch", "Foam Roll Thoracic Spine", "Cat-Cow",
    "Band Pull-Apart",
]  # fmt: skip


def load(**kwargs) -> str:
    out = StringIO()
    call_command("seed_exercises", stdout=out, **kwargs)
    return out.getvalue()


def report_counts(output: str) -> tuple[int, int, int]:
    match = re.search(r"(\d+) created, (\d+) updated, (\d+) unchanged", output)
    assert match, f"no load report in the output:\n{output}"
    return tuple(int(group) for group in match.groups())


# --- The library file ------------------------------------------------------------------------------


def test_library_has_at_least_160_exercises_with_unique_slugs_and_names():
    assert len(LIBRARY) >= 160
    assert len(BY_SLUG) == len(LIBRARY), "two entries share a slug"
    keys = Counter(name_key(entry["name"]) for entry in LIBRARY)
    assert [key for key, count in keys.items() if count > 1] == [], (
        "two entries have the same normalised name"
    )


def test_every_slug_is_the_slug_of_its_name():
    wrong = [entry["slug"] for entry in LIBRARY if entry["slug"] != slug_for(entry["name"])]
    assert wrong == [], "set each slug to exercises.text.slug_for(name)"


def test_the_well_known_lifts_are_in_the_library():
    names = {entry["name"] for entry in LIBRARY}
    assert [name for name in WELL_KNOWN if name not in names] == []


def test_every_muscle_and_equipment_slug_is_in_the_catalogs():
    for entry in LIBRARY:
        assert set(entry["primary_muscles"] + entry["secondary_muscles"]) <= MUSCLES, entry["slug"]
        assert set(entry["equipment"]) <= EQUIPMENT, entry["slug"]
        assert entry["primary_muscles"], f"{entry['slug']} needs a primary muscle"
        assert not set(entry["primary_muscles"]) & set(entry["secondary_muscles"]), entry["slug"]


def test_every_muscle_is_a_primary_muscle_somewhere_and_all_equipment_is_used():
    assert {muscle for entry in LIBRARY for muscle in entry["primary_muscles"]} == MUSCLES
    assert {item for entry in LIBRARY for item in entry["equipment"]} == EQUIPMENT


def test_every_category_difficulty_mechanics_and_force_is_used_and_valid():
    def used(field: str) -> set[str]:
        return {entry[field] for entry in LIBRARY}

    assert used("category") == set(Exercise.Category.values)
    assert used("difficulty") == set(Exercise.Difficulty.values)
    assert used("mechanics") - {""} == set(Exercise.Mechanics.values)
    assert used("force") - {""} == set(Exercise.Force.values)
    strength = {"strength", "powerlifting", "olympic_weightlifting", "strongman"}
    blank_mechanics = [e["slug"] for e in LIBRARY if e["category"] in strength and not e["mechanics"]]
    assert blank_mechanics == [], "only cardio, stretching and mobility may leave mechanics blank"


def test_every_variation_is_another_library_exercise_and_mutual():
    for entry in LIBRARY:
        for other in entry["variations"]:
            assert other in BY_SLUG, f"{entry['slug']}: {other} is not in the library"
            assert other != entry["slug"], f"{other} lists itself"
            # Exercise.variations is symmetrical: a one-sided entry would be undone by a reload.
            assert entry["slug"] in BY_SLUG[other]["variations"], f"add {entry['slug']} to {other}"


def test_every_entry_is_complete_and_readable():
    for entry in LIBRARY:
        slug = entry["slug"]
        assert 3 <= len(entry["instructions"]) <= 7, slug
        assert all(step.strip() and step[0].isupper() for step in entry["instructions"]), slug
        assert entry["description"].strip(), slug
        assert entry["safety_notes"].strip(), slug
        assert len(entry["contraindications"]) <= 4, slug
        assert all(item.strip() for item in entry["contraindications"]), slug
        assert entry["variations"], f"{slug} has no variations"


def test_the_file_keeps_its_canonical_formatting():
    """Keep the file UTF-8, two-space indented and in entry key order, so diffs stay small."""
    text = LIBRARY_PATH.read_text(encoding="utf-8")
    assert text == json.dumps(LIBRARY, indent=2, ensure_ascii=False) + "\n"


# --- Loading -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_exercises_loads_every_entry_approved_with_its_relations():
    output = load()
    assert report_counts(output) == (len(LIBRARY), 0, 0)
    assert f"exercises: 50/{len(LIBRARY)}" in output
    seeded = Exercise.objects.filter(source=Exercise.Source.SEED)
    assert seeded.count() == len(LIBRARY)
    assert set(seeded.values_list("status", flat=True)) == {Exercise.Status.APPROVED}
    assert set(seeded.values_list("license", "license_author")) == {("FitAI", "FitAI")}

    bench = Exercise.objects.get(source_id="barbell-bench-press")
    entry = BY_SLUG["barbell-bench-press"]
    assert (bench.slug, bench.name, bench.name_key) == (
        entry["slug"],
        "Barbell Bench Press",
        "barbell bench pres",
    )
    assert bench.instructions == entry["instructions"]
    assert bench.contraindications == entry["contraindications"]
    assert set(bench.primary_muscles.values_list("slug", flat=True)) == set(entry["primary_muscles"])
    assert set(bench.secondary_muscles.values_list("slug", flat=True)) == set(entry["secondary_muscles"])
    assert set(bench.equipment.values_list("slug", flat=True)) == set(entry["equipment"])
    assert set(bench.variations.values_list("slug", flat=True)) == set(entry["variations"])
    assert bench in Exercise.objects.get(slug="incline-barbell-bench-press").variations.all()


@pytest.mark.django_db
def test_seed_exercises_twice_creates_and_updates_nothing():
    load()
    before = Exercise.objects.count()
    assert report_counts(load()) == (0, 0, len(LIBRARY))
    assert Exercise.objects.count() == before


@pytest.mark.django_db
def test_seed_exercises_restores_edited_fields_but_keeps_a_moderators_status():
    load()
    curl = Exercise.objects.get(source_id="dumbbell-curl")
    curl.description = "Edited by hand."
    curl.status = Exercise.Status.REJECTED
    curl.save()
    curl.equipment.clear()
    curl.variations.remove(Exercise.objects.get(source_id="hammer-curl"))

    assert report_counts(load()) == (0, 2, len(LIBRARY) - 2)  # the curl, and the hammer curl's link
    curl.refresh_from_db()
    assert curl.description == BY_SLUG["dumbbell-curl"]["description"]
    assert curl.status == Exercise.Status.REJECTED
    assert list(curl.equipment.values_list("slug", flat=True)) == ["dumbbell"]
    assert curl.variations.filter(source_id="hammer-curl").exists()


@pytest.mark.django_db
def test_seed_exercises_keeps_variation_links_to_exercises_outside_the_library():
    load()
    member = ExerciseFactory(name="Tempo Curl", source=Exercise.Source.MEMBER)
    curl = Exercise.objects.get(source_id="dumbbell-curl")
    curl.variations.add(member)
    load()
    assert curl.variations.filter(pk=member.pk).exists()


@pytest.mark.django_db
def test_seed_exercises_gives_a_new_slug_when_another_exercise_took_it():
    member = ExerciseFactory(name="Plank", source=Exercise.Source.MEMBER)
    load()
    plank = Exercise.objects.get(source=Exercise.Source.SEED, source_id="plank")
    assert (member.slug, plank.slug) == ("plank", "plank-2")
    assert report_counts(load())[0] == 0


@pytest.mark.django_db
def test_an_unknown_muscle_stops_the_load_naming_the_entry_and_writes_nothing(tmp_path):
    broken = [dict(entry) for entry in LIBRARY]
    broken[3] = {**broken[3], "primary_muscles": ["pecs"]}
    broken[7] = {**broken[7], "equipment": ["hoverboard"]}
    path = tmp_path / "library.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    slug3, slug7 = broken[3]["slug"], broken[7]["slug"]
    with pytest.raises(CommandError, match=rf'entry 4 \("{slug3}"\): unknown muscle slug "pecs"') as error:
        library_load(path=path)
    assert f'entry 8 ("{slug7}"): unknown equipment slug "hoverboard"' in str(error.value)
    assert not Exercise.objects.exists()


@pytest.mark.django_db
def test_a_variation_outside_the_library_stops_the_load(tmp_path):
    path = tmp_path / "library.json"
    path.write_text(json.dumps([{**LIBRARY[0], "variations": ["no-such-lift"]}]), encoding="utf-8")
    with pytest.raises(CommandError, match=r'variation "no-such-lift" is not in the library'):
        library_load(path=path)


@pytest.mark.django_db
def test_manage_py_seed_loads_the_library():
    call_command("seed", stdout=StringIO())
    assert Exercise.objects.approved().filter(source=Exercise.Source.SEED).count() == len(LIBRARY)


# --- Demo exercises ------------------------------------------------------------------------------------


def demo_exercises():
    return Exercise.objects.filter(source=Exercise.Source.SEED, source_id__startswith="demo-")


@pytest.mark.django_db
def test_demo_creates_n_approved_exercises_once():
    output = load(demo=50)
    assert "Demo exercises: 50 created, 0 already there." in output
    assert demo_exercises().count() == 50
    assert set(demo_exercises().values_list("status", flat=True)) == {Exercise.Status.APPROVED}
    first = demo_exercises().get(source_id="demo-00001")
    assert first.name == "Demo Exercise 00001 Abdominals Barbell"
    assert list(first.primary_muscles.values_list("slug", flat=True)) == ["abdominals"]
    assert list(first.equipment.values_list("slug", flat=True)) == ["barbell"]

    assert "Demo exercises: 0 created, 50 already there." in load(demo=50)
    assert "Demo exercises: 10 created, 50 already there." in load(demo=60)
    assert demo_exercises().count() == 60


@pytest.mark.django_db
def test_demo_refuses_a_negative_count():
    with pytest.raises(CommandError, match="zero or more"):
        load(demo=-1)


# --- Names -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Dumbbell Curls", "dumbbell curl"),
        ("  dumbbell   CURL ", "dumbbell curl"),
        ("Farmer's Carry", "farmer s carry"),
        ("Pull-Ups", "pull ups"),  # "ups" has three letters: kept
        ("Barbell Bench Press", "barbell bench pres"),
        ("Abs", "abs"),
        ("Dips", "dip"),
        ("Über-Curls", "über curl"),
        ("90/90 hip_switch", "90 90 hip switch"),
        ("!!!", ""),
    ],
)
def test_name_key(name, key):
    assert name_key(name) == key


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Barbell Bench Press", "barbell-bench-press"),
        ("Farmer's Carry", "farmers-carry"),
        ("World's Greatest Stretch", "worlds-greatest-stretch"),
        ("EZ-Bar Curl", "ez-bar-curl"),
        ("Über Curl", "uber-curl"),
    ],
)
def test_slug_for(name, slug):
    assert slug_for(name) == slug
