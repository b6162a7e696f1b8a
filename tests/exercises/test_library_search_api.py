"""The acceptance queries of the exercise search, through the API, over the real seed library.

Runs on SQLite in `make test` and on PostgreSQL in `make test-stack`.
"""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    call_command("seed_exercises", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("dumbel curl", "Dumbbell Curl"),
        ("benchpress", "Barbell Bench Press"),
        ("squats barbel", "Barbell Back Squat"),
    ],
)
def test_typos_find_the_intended_exercise_in_the_top_three(library, auth_client, q, expected):
    response = auth_client().get("/api/v1/exercises/search", {"q": q})
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"][:3]]
    assert expected in names


def test_search_combines_with_filters(library, auth_client):
    body = auth_client().get("/api/v1/exercises/search", {"q": "curl", "equipment": "ez-bar"}).json()
    assert body["results"]
    assert all(any(e["slug"] == "ez-bar" for e in row["equipment"]) for row in body["results"])


@pytest.mark.parametrize("q", ["", " ", "x" * 101])
def test_bad_queries_are_400(auth_client, q):
    assert auth_client().get("/api/v1/exercises/search", {"q": q}).status_code == 400
