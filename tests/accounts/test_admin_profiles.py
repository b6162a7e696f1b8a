"""Profiles, body metrics and friendships in the admin: filters, search, read-only parts, query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import metrics, profiles
from accounts.models import BodyMetric, Friendship, Profile, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILES_URL = "/admin/accounts/profile/"
METRICS_URL = "/admin/accounts/bodymetric/"
FRIENDSHIPS_URL = "/admin/accounts/friendship/"


@pytest.fixture
def staff_client(client):
    client.user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(client.user)
    return client


def _results(response) -> list:
    assert response.status_code == 200, response.content.decode()[:500]
    return list(response.context["cl"].result_list)


def _profile(username: str, **changes) -> Profile:
    user = UserFactory(username=username, email=f"{username}@example.com")
    profiles.profile_update(user=user, **changes)
    return profiles.profile_get(user=user)


def _metric(user: User, kind: str = "weight", value: str = "80", *, days_ago: int = 0) -> BodyMetric:
    moment = timezone.now() - timedelta(days=days_ago)
    return metrics.metric_record(user=user, kind=kind, value=Decimal(value), measured_at=moment)


def _friendship(first: User, second: User, status: str = "accepted", *, blocked: bool = False) -> Friendship:
    low, high = sorted((first, second), key=lambda user: user.pk)
    return Friendship.objects.create(
        user_low=low,
        user_high=high,
        status=status,
        requested_by=first,
        blocked_by=first if blocked else None,
    )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("url", [PROFILES_URL, METRICS_URL, FRIENDSHIPS_URL])
def test_a_member_who_is_not_staff_cannot_open_these_lists(client, url):
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- Profiles -----------------------------------------------------------------------------------


def test_the_profile_list_shows_the_member_and_their_settings(staff_client):
    _profile("ana", fitness_level="advanced", location="Lisbon")
    response = staff_client.get(PROFILES_URL)
    assert [profile.user.username for profile in _results(response)] == ["ana"]
    html = response.content.decode()
    for column in ("user", "fitness_level", "location", "searchable", "profile_visibility", "updated_at"):
        assert f"column-{column}" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("fitness_level__exact=advanced", {"ana"}),
        ("profile_visibility__exact=private", {"ben"}),
        ("searchable__exact=0", {"ben"}),
        ("searchable__exact=1", {"ana", "cy"}),
    ],
)
def test_the_profile_list_filters(staff_client, query, expected):
    _profile("ana", fitness_level="advanced")
    ben = _profile("ben", fitness_level="beginner").user
    profiles.preferences_update(
        user=ben, changes={"privacy": {"searchable": False, "profile_visibility": "private"}}
    )
    _profile("cy")
    listed = {profile.user.username for profile in _results(staff_client.get(f"{PROFILES_URL}?{query}"))}
    assert listed == expected


@pytest.mark.parametrize(("q", "expected"), [("ana@example", "ana"), ("BEN", "ben"), ("porto", "ben")])
def test_the_profile_list_searches_email_username_and_location(staff_client, q, expected):
    _profile("ana", location="Lisbon")
    _profile("ben", location="Porto")
    listed = [profile.user.username for profile in _results(staff_client.get(PROFILES_URL, {"q": q}))]
    assert listed == [expected]


def test_a_profile_is_edited_but_its_preferences_are_only_shown(staff_client):
    profile = _profile("ana", bio="Something rude")
    response = staff_client.get(f"{PROFILES_URL}{profile.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "bio" in form.fields
    for read_only in ("preferences", "searchable", "profile_visibility", "avatar", "user"):
        assert read_only not in form.fields
    assert "&quot;timezone&quot;: &quot;UTC&quot;" in response.content.decode()
    assert not response.context["has_add_permission"]


def test_staff_can_tidy_a_bio_without_touching_the_preferences(staff_client):
    profile = _profile("ana", bio="Something rude", location="Lisbon", interests=["rowing"])
    profiles.preferences_update(user=profile.user, changes={"timezone": "Europe/Lisbon"})
    response = staff_client.post(
        f"{PROFILES_URL}{profile.pk}/change/",
        {"bio": "", "location": "Lisbon", "interests": '["rowing"]', "fitness_level": ""},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert (profile.bio, profile.location, profile.interests) == ("", "Lisbon", ["rowing"])
    assert profile.preferences["timezone"] == "Europe/Lisbon"


def test_the_profile_list_runs_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    for number in range(5):
        _profile(f"few{number}")
    few = _queries(staff_client, PROFILES_URL)
    for number in range(15):
        _profile(f"many{number}")
    with django_assert_max_num_queries(few):
        assert len(_results(staff_client.get(PROFILES_URL))) == 20


# --- Body metrics -------------------------------------------------------------------------------


def test_the_metric_list_filters_by_kind_and_searches_by_email(staff_client):
    ana, ben = UserFactory(email="ana@example.com"), UserFactory(email="ben@example.com")
    _metric(ana, "weight")
    _metric(ana, "waist", "84")
    _metric(ben, "weight", "90")
    response = staff_client.get(METRICS_URL, {"kind__exact": "waist"})
    assert [(metric.user, metric.kind) for metric in _results(response)] == [(ana, "waist")]
    response = staff_client.get(METRICS_URL, {"q": "ben@"})
    assert [(metric.user, metric.value) for metric in _results(response)] == [(ben, Decimal("90.00"))]
    html = response.content.decode()
    for column in ("user", "kind", "value", "unit", "measured_at"):
        assert f"column-{column}" in html


def test_the_metric_list_drills_down_by_date(staff_client):
    member = UserFactory()
    recent = _metric(member)
    _metric(member, days_ago=800)
    moment = recent.measured_at
    response = staff_client.get(METRICS_URL, {"measured_at__year": moment.year})
    assert _results(response) == [recent]
    assert response.context["cl"].date_hierarchy == "measured_at"


def test_a_metric_is_shown_read_only(staff_client):
    metric = _metric(UserFactory())
    response = staff_client.get(f"{METRICS_URL}{metric.pk}/change/")
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert not response.context["has_add_permission"]


def test_the_metric_list_runs_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    for number in range(5):
        _metric(UserFactory(), days_ago=number)
    few = _queries(staff_client, METRICS_URL)
    for number in range(15):
        _metric(UserFactory(), days_ago=number)
    with django_assert_max_num_queries(few):
        assert len(_results(staff_client.get(METRICS_URL))) == 20


# --- Friendships --------------------------------------------------------------------------------


def test_the_friendship_list_filters_by_status(staff_client):
    ana, ben, cy = (UserFactory(username=name) for name in ("ana", "ben", "cy"))
    friends = _friendship(ana, ben)
    blocked = _friendship(ana, cy, "blocked", blocked=True)
    assert _results(staff_client.get(FRIENDSHIPS_URL, {"status__exact": "accepted"})) == [friends]
    response = staff_client.get(FRIENDSHIPS_URL, {"status__exact": "blocked"})
    assert _results(response) == [blocked]
    html = response.content.decode()
    for column in ("user_low", "user_high", "status", "requested_by", "blocked_by", "created_at"):
        assert f"column-{column}" in html


@pytest.mark.parametrize("q", ["ben", "ben@example.com"])
def test_the_friendship_list_finds_a_member_on_either_side(staff_client, q):
    ana = UserFactory(username="ana", email="ana@example.com")
    ben = UserFactory(username="ben", email="ben@example.com")
    cy = UserFactory(username="cy", email="cy@example.com")
    dee = UserFactory(username="dee", email="dee@example.com")
    low_side, high_side = _friendship(ana, ben), _friendship(ben, cy, "pending")
    _friendship(cy, dee)
    assert set(_results(staff_client.get(FRIENDSHIPS_URL, {"q": q}))) == {low_side, high_side}


def test_the_friendship_list_runs_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    def add(count: int) -> None:
        for number in range(count):
            first, second = UserFactory(), UserFactory()
            _friendship(first, second, "blocked" if number % 2 else "pending", blocked=bool(number % 2))

    add(5)
    few = _queries(staff_client, FRIENDSHIPS_URL)
    add(15)
    with django_assert_max_num_queries(few):
        assert len(_results(staff_client.get(FRIENDSHIPS_URL))) == 20
