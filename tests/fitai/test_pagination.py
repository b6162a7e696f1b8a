"""Page and cursor pagination: shape, clamping, constant query counts, and bad cursors as 400."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Activity
from tests.community import post, verified
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.fitai.urls")]


def test_page_pagination_shape(auth_client):
    UserFactory.create_batch(4)
    body = auth_client().get("/api/v1/_probe/users", {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    assert body["previous"] is None
    assert set(body["results"][0]) == {"public_id", "username"}


def test_page_size_above_100_is_clamped(auth_client):
    UserFactory.create_batch(104)
    body = auth_client().get("/api/v1/_probe/users", {"page_size": 100_000}).json()
    assert len(body["results"]) == 100


def test_page_out_of_range_is_404_in_the_envelope(auth_client):
    response = auth_client().get("/api/v1/_probe/users", {"page": 10**30})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("size", [5, 50])
def test_page_query_count_does_not_grow_with_page_size(auth_client, django_assert_max_num_queries, size):
    client = auth_client()
    UserFactory.create_batch(size)
    # The token's user, the count and the page itself.
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/_probe/users", {"page_size": size}).status_code == 200


def test_cursor_pagination_walks_every_row_once(auth_client):
    client = auth_client()
    UserFactory.create_batch(5)
    seen, url = [], "/api/v1/_probe/users-cursor?page_size=2"
    while url:
        body = client.get(url).json()
        assert "count" not in body
        seen += [row["username"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 6


# --- bad cursors --------------------------------------------------------------------------------


def _forged(query: str) -> str:
    """A cursor DRF can decode but that points at a position no list has (wrong type of value)."""
    return base64.b64encode(query.encode()).decode()


BAD_CURSORS = [
    pytest.param("garbage", id="not-base64"),
    pytest.param(_forged("o=x&r=1"), id="offset-not-a-number"),
    pytest.param(_forged("o=-5&r=1"), id="negative-offset"),
    pytest.param("", id="empty"),
]
# Every real list orders by a datetime: positions that are no datetime, or a naive one (which
# DRF passed to the filter: a validation error about a date, or a warning), are forged.
FORGED_ON_EVERY_LIST = [
    "garbage",
    _forged("o=x&r=0"),
    _forged("o=0&r=0&p=notadate"),
    _forged("o=0&r=1&p=2024-01-01"),
    _forged("o=0&r=0&p=" + "9" * 40),
]


def assert_invalid_cursor(response) -> None:
    assert response.status_code == 400, response.content[:300]
    assert response.json() == {
        "error": {"code": "invalid_cursor", "message": "Send a cursor this list returned."}
    }


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_bad_cursor_is_400_invalid_cursor_in_the_envelope(auth_client, cursor):
    client = auth_client()
    UserFactory.create_batch(3)
    response = client.get("/api/v1/_probe/users-cursor", {"cursor": cursor})
    if cursor == "":
        # An empty cursor is no cursor: the first page.
        assert response.status_code == 200
    else:
        assert_invalid_cursor(response)


def _walk_then_forge(client, url: str, create) -> None:
    """The list pages with its own cursor (so the fix did not break it); a forged one is a 400."""
    for _ in range(3):
        create()
    first = client.get(url, {"page_size": 2})
    assert first.status_code == 200, first.content[:300]
    assert len(first.json()["results"]) == 2
    second = client.get(first.json()["next"])
    assert second.status_code == 200
    assert len(second.json()["results"]) == 1
    back = client.get(second.json()["previous"])  # a position the list wrote itself is accepted
    assert back.json()["results"] == first.json()["results"]
    for cursor in FORGED_ON_EVERY_LIST:
        assert_invalid_cursor(client.get(url, {"cursor": cursor}))


def test_workout_list_answers_a_bad_cursor_with_400(auth_client):
    client = auth_client()

    def create():
        assert client.post("/api/v1/workouts", {"name": "Legs"}, format="json").status_code == 201

    _walk_then_forge(client, "/api/v1/workouts", create)


def test_body_metric_list_answers_a_bad_cursor_with_400(auth_client):
    client = auth_client()
    days = iter(range(1, 10))

    def create():
        measured = (timezone.now() - timedelta(days=next(days))).isoformat()
        payload = {"kind": "weight", "value": 80, "measured_at": measured}
        assert client.post("/api/v1/users/metrics", payload, format="json").status_code == 201

    _walk_then_forge(client, "/api/v1/users/metrics", create)


def test_check_in_list_answers_a_bad_cursor_with_400(auth_client):
    client = auth_client()
    days = iter(range(1, 10))

    def create():
        measured = (timezone.now() - timedelta(days=next(days))).isoformat()
        payload = {"measured_at": measured, "weight_kg": 80}
        response = client.post("/api/v1/progress/body", payload, format="json")
        assert response.status_code == 201, response.content[:300]

    _walk_then_forge(client, "/api/v1/progress/body", create)


def test_community_activity_list_answers_a_bad_cursor_with_400(auth_client):
    me = verified()
    client = auth_client(me)

    def create():
        post(me, visibility="public")

    _walk_then_forge(client, "/api/v1/community/activities", create)
    assert Activity.objects.count() == 3


def test_a_bad_since_on_workout_events_is_400_not_404_or_500(auth_client):
    client = auth_client()
    assert client.post("/api/v1/workouts", {"name": "Legs"}, format="json").status_code == 201
    good = client.get("/api/v1/workouts/events")
    assert good.status_code == 200
    assert len(good.json()["events"]) == 1
    for since in ["garbage", _forged("o=x"), good.json()["cursor"] + "x"]:
        response = client.get("/api/v1/workouts/events", {"since": since})
        assert response.status_code == 400, (since, response.content[:300])
        assert response.json()["error"]["fields"] == {"since": ["Send a cursor this feed returned."]}
    # Another user's cursor is refused too: cursors are signed for their owner.
    other = auth_client().get("/api/v1/workouts/events", {"since": good.json()["cursor"]})
    assert other.status_code == 400


def test_the_schema_documents_a_bad_cursor_as_400(auth_client):
    schema = auth_client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ["/api/v1/workouts", "/api/v1/users/metrics", "/api/v1/progress/body"]:
        operation = schema["paths"][path]["get"]
        assert "400" in operation["responses"], path
        cursor = next(p for p in operation["parameters"] if p["name"] == "cursor")
        assert "invalid_cursor" in cursor["description"], path
