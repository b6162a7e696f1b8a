"""Body metrics: units, bounds, filters, cursor pagination, ownership."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import BodyMetric
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/users/metrics"


def record(user, kind="weight", value="80", days_ago=0):
    return BodyMetric.objects.create(
        user=user,
        kind=kind,
        value=Decimal(value),
        unit="kg" if kind == "weight" else "cm",
        measured_at=timezone.now() - timedelta(days=days_ago),
    )


def test_post_stores_a_metric_in_metric_units(auth_client):
    client = auth_client()
    response = client.post(
        URL, {"kind": "weight", "value": 176.37, "unit": "lb", "note": "morning"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["value"] == 80.0
    assert body["unit"] == "kg"
    assert body["note"] == "morning"
    assert BodyMetric.objects.get(pk=body["id"]).user == client.user


def test_inches_become_centimetres(auth_client):
    body = auth_client().post(URL, {"kind": "waist", "value": 32, "unit": "in"}, format="json").json()
    assert (body["value"], body["unit"]) == (81.28, "cm")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "weight", "value": 12}, "value"),
        ({"kind": "weight", "value": 1200, "unit": "lb"}, "value"),
        ({"kind": "body_fat", "value": 90}, "value"),
        ({"kind": "resting_heart_rate", "value": 300}, "value"),
        ({"kind": "weight", "value": 80, "unit": "in"}, "unit"),
        ({"kind": "weight", "value": 80, "unit": "stone"}, "unit"),
        ({"kind": "bmi", "value": 22}, "kind"),
        ({"kind": "weight", "value": "heavy"}, "value"),
        ({"kind": "weight", "value": 80, "measured_at": "2999-01-01T00:00:00Z"}, "measured_at"),
        ({"kind": "weight"}, "value"),
    ],
)
def test_bad_measurements_are_400_and_nothing_is_stored(auth_client, payload, field):
    response = auth_client().post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not BodyMetric.objects.exists()


def test_list_filters_by_kind_and_range_newest_first(auth_client):
    client = auth_client()
    user = client.user
    old, recent = record(user, days_ago=30), record(user, value="79", days_ago=1)
    record(user, kind="waist", value="80", days_ago=1)
    record(UserFactory())
    body = client.get(URL, {"kind": "weight"}).json()
    assert [row["id"] for row in body["results"]] == [str(recent.pk), str(old.pk)]
    since = (timezone.now() - timedelta(days=7)).isoformat()
    body = client.get(URL, {"kind": "weight", "from": since}).json()
    assert [row["id"] for row in body["results"]] == [str(recent.pk)]
    until = (timezone.now() - timedelta(days=7)).isoformat()
    assert [r["id"] for r in client.get(URL, {"to": until}).json()["results"]] == [str(old.pk)]


@pytest.mark.parametrize("params", [{"kind": "bmi"}, {"from": "yesterday"}, {"to": "2024-13-45"}])
def test_bad_filters_are_400(auth_client, params):
    assert auth_client().get(URL, params).status_code == 400


def test_cursor_pagination_walks_everything_once(auth_client):
    client = auth_client()
    for days in range(5):
        record(client.user, days_ago=days)
    seen, url = [], URL + "?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count_does_not_grow(auth_client, django_assert_max_num_queries, size):
    client = auth_client()
    for days in range(size):
        record(client.user, days_ago=days)
    with django_assert_max_num_queries(2):
        assert len(client.get(URL, {"page_size": size}).json()["results"]) == size


def test_update_changes_only_what_is_sent(auth_client):
    client = auth_client()
    metric = record(client.user)
    response = client.put(f"{URL}/{metric.pk}", {"note": "after breakfast"}, format="json")
    assert response.status_code == 200
    metric.refresh_from_db()
    assert (metric.value, metric.note) == (Decimal("80.00"), "after breakfast")
    response = client.put(f"{URL}/{metric.pk}", {"value": 170, "unit": "lb"}, format="json")
    assert response.json()["value"] == 77.11


def test_delete_removes_the_metric(auth_client):
    client = auth_client()
    metric = record(client.user)
    assert client.delete(f"{URL}/{metric.pk}").status_code == 204
    assert not BodyMetric.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete"])
def test_someone_elses_metric_is_404_and_unchanged(auth_client, method):
    metric = record(UserFactory())
    response = getattr(auth_client(), method)(f"{URL}/{metric.pk}", {"note": "mine now"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    metric.refresh_from_db()
    assert metric.note == ""


def test_someone_elses_metrics_are_not_listed(auth_client):
    record(UserFactory())
    assert auth_client().get(URL).json()["results"] == []


def test_a_malformed_id_is_404(auth_client):
    assert auth_client().delete(f"{URL}/not-a-uuid").status_code == 404
