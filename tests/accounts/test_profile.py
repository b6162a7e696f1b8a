"""Your own profile: shape, computed fields, partial updates, validation."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import BodyMetric, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/users/profile"


def years_ago(years: int, days: int = 0) -> str:
    today = timezone.localdate()
    return (today.replace(year=today.year - years) - timedelta(days=days)).isoformat()


def test_profile_shows_identity_and_defaults(auth_client):
    client = auth_client(UserFactory(first_name="Ana", email_verified=True))
    body = client.get(URL).json()
    assert body["id"] == str(client.user.public_id)
    assert body["first_name"] == "Ana"
    assert body["email_verified"] is True
    assert body["age"] is None
    assert body["weight_kg"] is None
    assert body["interests"] == []
    assert body["avatar_url"] is None
    assert body["counts"] == {"friends": 0, "incoming_requests": 0, "outgoing_requests": 0}


@pytest.mark.parametrize("method", ["put", "patch"])
def test_updates_change_only_the_fields_sent(auth_client, method):
    client = auth_client()
    client.patch(URL, {"bio": "Squats daily", "location": "Lisbon"}, format="json")
    response = getattr(client, method)(URL, {"height_cm": "181.5", "interests": ["running"]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["bio"], body["location"], body["height_cm"], body["interests"]) == (
        "Squats daily",
        "Lisbon",
        181.5,
        ["running"],
    )


def test_age_is_computed_from_the_birth_date(auth_client):
    body = auth_client().patch(URL, {"birth_date": years_ago(30, days=1)}, format="json").json()
    assert body["age"] == 30


def test_weight_becomes_a_measurement_and_the_profile_shows_the_latest(auth_client):
    client = auth_client()
    client.patch(URL, {"weight_kg": 82}, format="json")
    body = client.patch(URL, {"weight_kg": "81.4"}, format="json").json()
    assert body["weight_kg"] == 81.4
    assert BodyMetric.objects.filter(user=client.user, kind="weight").count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"birth_date": (timezone.localdate() + timedelta(days=1)).isoformat()}, "birth_date"),
        ({"birth_date": years_ago(12)}, "birth_date"),
        ({"birth_date": years_ago(121, days=1)}, "birth_date"),
        ({"height_cm": 49}, "height_cm"),
        ({"height_cm": 273}, "height_cm"),
        ({"weight_kg": 19.9}, "weight_kg"),
        ({"weight_kg": 501}, "weight_kg"),
        ({"username": "a b"}, "username"),
        ({"username": "x" * 31}, "username"),
        ({"username": "Taken"}, "username"),
        ({"email": "TAKEN@example.com"}, "email"),
        ({"interests": ["x"] * 21}, "interests"),
        ({"interests": ["y" * 41]}, "interests"),
        ({"interests": "running"}, "interests"),
        ({"fitness_level": "olympian"}, "fitness_level"),
    ],
)
def test_bad_values_are_400_with_the_field_and_nothing_changes(auth_client, payload, field):
    UserFactory(username="taken", email="taken@example.com")
    client = auth_client(UserFactory(username="mine"))
    before = client.get(URL).json()
    response = client.patch(URL, {**payload, "bio": "changed"}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert client.get(URL).json() == before
    assert not BodyMetric.objects.exists()


def test_interests_are_trimmed_and_deduplicated(auth_client):
    body = auth_client().patch(URL, {"interests": [" Running", "running", "Yoga "]}, format="json").json()
    assert body["interests"] == ["Running", "Yoga"]


def test_changing_the_email_requires_verifying_it_again(auth_client, django_capture_on_commit_callbacks):
    client = auth_client(UserFactory(email_verified=True))
    with django_capture_on_commit_callbacks(execute=True):
        body = client.patch(URL, {"email": "New@Example.com"}, format="json").json()
    assert (body["email"], body["email_verified"]) == ("new@example.com", False)
    assert mail.outbox[-1].to == ["new@example.com"]
    assert "verify-email?token=" in mail.outbox[-1].body


def test_protected_fields_cannot_be_set(auth_client):
    client = auth_client()
    client.patch(URL, {"is_staff": True, "email_verified": True, "id": "x", "age": 99}, format="json")
    user = User.objects.get(pk=client.user.pk)
    assert (user.is_staff, user.email_verified) == (False, False)


def test_profile_needs_authentication(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.patch(URL, {"bio": "x"}, format="json").status_code == 401


def test_profile_read_has_a_fixed_query_count(auth_client, django_assert_max_num_queries):
    client = auth_client()
    client.patch(URL, {"weight_kg": 80, "interests": ["a", "b"]}, format="json")
    with django_assert_max_num_queries(5):
        assert client.get(URL).status_code == 200
