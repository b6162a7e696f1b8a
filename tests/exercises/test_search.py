"""Exercise search: typo tolerance, ranking, the caller's filters, blank queries and cost.

These run on whichever database the suite uses: the rapidfuzz fallback in embedded mode, the
trigram and full-text query in stack mode. `tests/e2e/test_exercise_search_pg.py` adds what only
PostgreSQL has (the query plan and its index use).
"""

import itertools
from collections.abc import Sequence
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from exercises.models import Equipment, Exercise, Muscle
from exercises.search import search_exercise_ids
from exercises.text import name_key

pytestmark = pytest.mark.django_db

# Names that compete with each other for the acceptance queries below.
LIBRARY = {
    "Barbell Bench Press": (["chest", "triceps"], ["barbell", "bench"]),
    "Barbell Back Squat": (["quadriceps", "glutes"], ["barbell"]),
    "Barbell Row": (["middle-back", "lats"], ["barbell"]),
    "Barbell Curl": (["biceps"], ["barbell"]),
    "Dumbbell Curl": (["biceps"], ["dumbbell"]),
    "Dumbbell Bench Press": (["chest", "triceps"], ["dumbbell", "bench"]),
    "Incline Dumbbell Press": (["chest", "front-delts"], ["dumbbell", "bench"]),
    "Incline Dumbbell Curl": (["biceps"], ["dumbbell", "bench"]),
    "Hammer Curl": (["biceps", "forearms"], ["dumbbell"]),
    "EZ-Bar Curl": (["biceps"], ["ez-bar"]),
    "Cable Curl": (["biceps"], ["cable"]),
    "Front Squat": (["quadriceps"], ["barbell"]),
    "Goblet Squat": (["quadriceps", "glutes"], ["kettlebell"]),
    "Box Squat": (["quadriceps", "glutes"], ["barbell", "plyo-box"]),
    "Leg Press": (["quadriceps"], ["machine"]),
    "Bench Dip": (["triceps"], ["bench"]),
    "Decline Bench Press": (["chest"], ["barbell", "bench"]),
    "Close-Grip Bench Press": (["triceps", "chest"], ["barbell", "bench"]),
    "Overhead Press": (["front-delts"], ["barbell"]),
    "Deadlift": (["hamstrings", "lower-back"], ["barbell"]),
    "Romanian Deadlift": (["hamstrings"], ["barbell"]),
    "Pull-Up": (["lats"], ["pull-up-bar"]),
    "Lat Pulldown": (["lats"], ["cable"]),
}

ACCEPTANCE = [
    ("dumbel curl", "Dumbbell Curl"),
    ("benchpress", "Barbell Bench Press"),
    ("squats barbel", "Barbell Back Squat"),
]

_slugs = itertools.count()


def make_exercise(
    name: str,
    *,
    status: str = Exercise.Status.APPROVED,
    muscles: Sequence[str] = (),
    equipment: Sequence[str] = (),
    description: str = "",
    **fields,
) -> Exercise:
    """One exercise, with muscles and equipment from the catalogs of migration 0002 by slug."""
    ensure_catalogs()
    exercise = Exercise.objects.create(
        name=name,
        slug=f"{slugify(name)}-{next(_slugs)}",
        name_key=name_key(name),
        status=status,
        description=description,
        **fields,
    )
    exercise.primary_muscles.set(Muscle.objects.filter(slug__in=muscles))
    exercise.equipment.set(Equipment.objects.filter(slug__in=equipment))
    assert exercise.primary_muscles.count() == len(muscles), f"unknown muscle in {muscles}"
    assert exercise.equipment.count() == len(equipment), f"unknown equipment in {equipment}"
    return exercise


def ensure_catalogs() -> None:
    """The muscle and equipment catalogs, which a transactional test's flush empties, put back."""
    if not Muscle.objects.exists():
        import_module("exercises.migrations.0002_catalogs").create_catalogs(apps, None)


def make_library() -> dict[str, Exercise]:
    return {
        name: make_exercise(name, muscles=muscles, equipment=equipment)
        for name, (muscles, equipment) in LIBRARY.items()
    }


def names(ids: list[int]) -> list[str]:
    by_pk = Exercise.objects.in_bulk(ids)
    return [by_pk[pk].name for pk in ids]


def search(q: str, queryset=None, **kwargs) -> list[str]:
    return names(search_exercise_ids(q=q, queryset=queryset or Exercise.objects.approved(), **kwargs))


@pytest.mark.parametrize(("q", "expected"), ACCEPTANCE)
def test_typos_and_missing_spaces_find_the_exercise_in_the_top_three(q, expected):
    make_library()
    found = search(q)
    assert expected in found[:3], f"{q!r} ranked {expected!r} outside the top 3: {found[:6]}"


@pytest.mark.parametrize(
    "name", ["Barbell Bench Press", "Dumbbell Curl", "Front Squat", "Hammer Curl", "Leg Press", "Deadlift"]
)
def test_the_exact_name_ranks_first(name):
    make_library()
    assert search(name)[0] == name
    assert search(name.lower().replace("-", " "))[0] == name


def test_plural_and_case_do_not_matter():
    make_library()
    assert search("HAMMER CURLS")[0] == "Hammer Curl"
    assert search("deadlifts")[0] == "Deadlift"


def test_a_single_word_finds_every_exercise_named_with_it():
    make_library()
    curls = {name for name in LIBRARY if name.endswith("Curl")}
    found = search("curl")
    assert set(found[: len(curls)]) == curls, found


def test_nothing_like_the_query_finds_nothing():
    make_library()
    assert search("zzqxv wombat") == []


def test_exercises_outside_the_queryset_never_appear():
    make_library()
    pending = make_exercise("Dumbel Curl", status=Exercise.Status.PENDING)
    deleted = make_exercise("Dumbbell Curls", deleted_at=timezone.now())
    found = search_exercise_ids(q="dumbel curl", queryset=Exercise.objects.approved())
    assert pending.pk not in found
    assert deleted.pk not in found
    # The same exercise is found (first) once the caller lets it in.
    assert search_exercise_ids(q="dumbel curl", queryset=Exercise.objects.alive())[0] == pending.pk


def test_a_queryset_filtered_through_a_join_is_honoured_without_duplicates():
    library = make_library()
    library["Hammer Curl"].secondary_muscles.set(Muscle.objects.filter(slug="biceps"))
    biceps = Exercise.objects.approved().filter(primary_muscles__slug__in=["biceps", "forearms"])
    found = search("dumbel curl", biceps)
    assert found[0] == "Dumbbell Curl"
    assert len(found) == len(set(found)), "an exercise with two matching muscles must appear once"
    assert set(found) <= {name for name, (muscles, _) in LIBRARY.items() if "biceps" in muscles}
    assert search("dumbel curl", biceps.distinct())[0] == "Dumbbell Curl"
    assert search("bench press", biceps) == []


def test_a_sliced_queryset_is_searched_within_its_slice():
    library = make_library()
    first_two = Exercise.objects.approved().order_by("name")[:2]  # Barbell Back Squat, Barbell Bench Press
    assert search("benchpress", first_two) == ["Barbell Bench Press"]
    assert library["Barbell Bench Press"].pk in search_exercise_ids(q="bench", queryset=first_two)


def test_the_limit_caps_the_results():
    make_library()
    assert len(search("curl", limit=2)) == 2
    assert search("curl", limit=0) == []


def test_ties_are_broken_by_name_then_pk():
    second = make_exercise("Side Plank")
    first = make_exercise("Side Plank")
    make_exercise("Plank")
    ids = search_exercise_ids(q="side plank", queryset=Exercise.objects.approved())
    assert ids[:2] == sorted([first.pk, second.pk])
    assert search_exercise_ids(q="side plank", queryset=Exercise.objects.approved()) == ids


@pytest.mark.parametrize("q", ["", "   ", "\t\n", "-- !!"])
def test_a_blank_query_finds_nothing_without_a_query(q, django_assert_num_queries):
    make_library()
    with django_assert_num_queries(0):
        assert search_exercise_ids(q=q, queryset=Exercise.objects.approved()) == []


def test_the_query_is_trimmed():
    make_library()
    assert search("   dumbel curl \n")[0] == "Dumbbell Curl"


def test_the_embedded_search_reads_the_names_in_one_query(django_assert_num_queries):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded fallback runs on SQLite; the PostgreSQL cost is pinned in tests/e2e")
    make_library()
    queryset = Exercise.objects.approved().filter(primary_muscles__slug="biceps")
    with django_assert_num_queries(1) as captured:
        ids = search_exercise_ids(q="dumbel curl", queryset=queryset)
    assert names(ids)[0] == "Dumbbell Curl"
    sql = captured.captured_queries[0]["sql"]
    assert '"description"' not in sql, "the fallback fetches only pk, name and name_key"
