"""Page and cursor pagination: shape, clamping, constant query counts."""

import pytest

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


def test_bad_cursor_is_404_in_the_envelope(auth_client):
    response = auth_client().get("/api/v1/_probe/users-cursor", {"cursor": "garbage"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
