"""Exercise search on PostgreSQL: trigram and full-text ranking through the GIN indexes of 0003."""

import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from exercises import search
from exercises.models import Exercise
from exercises.text import name_key
from tests.exercises.test_search import ACCEPTANCE, make_exercise, make_library, names

pytestmark = pytest.mark.django_db(transaction=True)

INDEXES = {
    "exercises_exercise_name_trgm",
    "exercises_exercise_name_key_compact_trgm",
    "exercises_exercise_search_vector",
}


@pytest.fixture(autouse=True)
def _postgresql():
    assert connection.vendor == "postgresql", "the stack suite runs on PostgreSQL"


def found(q: str, queryset=None, **kwargs) -> list[str]:
    queryset = Exercise.objects.approved() if queryset is None else queryset
    return names(search.search_exercise_ids(q=q, queryset=queryset, **kwargs))


def search_sql(q: str) -> str:
    """The SQL of the one query that reads the exercises for `q`."""
    with CaptureQueriesContext(connection) as captured:
        search.search_exercise_ids(q=q, queryset=Exercise.objects.approved())
    selects = [query["sql"] for query in captured if 'FROM "exercises_exercise"' in query["sql"]]
    assert len(selects) == 1, selects
    return selects[0]


def add_fillers(count: int) -> None:
    """`count` approved exercises with made-up names, for a table the planner takes seriously."""
    rng = random.Random(20261125)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 9))) for _ in range(800)]
    fillers = []
    for n in range(count):
        name = " ".join(rng.choice(words).title() for _ in range(rng.randint(2, 3)))
        fillers.append(
            Exercise(
                name=name,
                slug=f"{slugify(name)}-filler-{n}",
                name_key=name_key(name),
                status=Exercise.Status.APPROVED,
                description="A made-up movement that pads the library.",
            )
        )
    Exercise.objects.bulk_create(fillers, batch_size=1000)


@pytest.mark.parametrize(("q", "expected"), ACCEPTANCE)
def test_typos_and_missing_spaces_find_the_exercise_in_the_top_three(q, expected):
    make_library()
    results = found(q)
    assert expected in results[:3], f"{q!r} ranked {expected!r} outside the top 3: {results[:6]}"


def test_the_exact_name_ranks_first():
    make_library()
    for name in ("Barbell Bench Press", "Dumbbell Curl", "Front Squat", "Deadlift"):
        assert found(name)[0] == name
        assert found(name.upper())[0] == name


def test_the_description_is_searched_too():
    make_library()
    make_exercise("Zercher Carry", description="Hold the bar in the crook of the elbows and walk.")
    assert found("crook elbows") == ["Zercher Carry"]


def test_exercises_outside_the_queryset_never_appear():
    make_library()
    pending = make_exercise("Dumbel Curl", status=Exercise.Status.PENDING)
    assert pending.pk not in search.search_exercise_ids(q="dumbel curl", queryset=Exercise.objects.approved())
    biceps = Exercise.objects.approved().filter(primary_muscles__slug="biceps")
    assert "Barbell Bench Press" not in found("benchpress", biceps)


def test_a_search_is_one_query_plus_the_similarity_threshold(django_assert_max_num_queries):
    make_library()
    with django_assert_max_num_queries(4) as captured:  # BEGIN, set_config, the search, COMMIT
        search.search_exercise_ids(q="dumbel curl", queryset=Exercise.objects.approved())
    assert sum('FROM "exercises_exercise"' in query["sql"] for query in captured) == 1


def test_the_candidates_come_from_the_gin_indexes_on_a_5000_row_library():
    make_library()
    add_fillers(5000 - Exercise.objects.count())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE exercises_exercise")
    assert found("benchpress")[0] == "Barbell Bench Press"
    for q in ("dumbel curl", "benchpress", "squats barbel"):
        sql = search_sql(q)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                [str(search.WORD_SIMILARITY_THRESHOLD)],
            )
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        missing = {index for index in INDEXES if index not in plan}
        assert not missing, (
            f"{q!r} does not use {missing}: the expressions in exercises/search.py must stay exactly "
            f"those that migration 0003 indexes.\n{plan}"
        )
        assert "Seq Scan" not in plan, plan
