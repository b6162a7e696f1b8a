"""The member's own pages: profile and its edit form, preferences, and body measurements."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import metrics, profiles
from accounts.charts import EMPTY_MESSAGE
from accounts.models import BodyMetric, User
from accounts.preferences import CHANNELS, DEFAULTS, NOTIFICATION_TYPES
from accounts.profile_forms import PreferencesForm, schema_paths
from accounts.profile_pages import METRICS_PER_PAGE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE, PROFILE_EDIT = "/accounts/profile", "/accounts/profile/edit"
PREFERENCES, METRICS = "/accounts/preferences", "/accounts/metrics"


@pytest.fixture
def member(client):
    member = UserFactory(username="lifter", first_name="Ada", last_name="Moss", email="ada@example.com")
    client.force_login(member)
    return member


def _html(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _field_errors(response, name: str) -> str:
    """The text of the errors shown next to field `name` (its `.field` block on the page)."""
    html = _html(response)
    match = re.search(
        r'<div class="field[^"]*field-invalid">(?:(?!<div class="field).)*?name="'
        + re.escape(name)
        + r'".*?(<ul class="errorlist[^"]*"[^>]*>.*?</ul>)',
        html,
        re.S,
    )
    assert match, f"no error shown next to {name}"
    return re.sub(r"<[^>]+>", " ", match.group(1))


def _fresh(user: User) -> User:
    """The user as stored now, without the profile cached on the test's instance."""
    return User.objects.get(pk=user.pk)


def _delete_url(metric: BodyMetric) -> str:
    return f"/accounts/metrics/{metric.pk}/delete"


def _record(user: User, kind: str = "weight", value: str = "80", *, days_ago: float = 0, **extra):
    moment = timezone.now() - timedelta(days=days_ago)
    return metrics.metric_record(user=user, kind=kind, value=Decimal(value), measured_at=moment, **extra)


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (PROFILE, "About you"),
        (PROFILE_EDIT, "Edit your profile"),
        (PREFERENCES, "Notifications"),
        (METRICS, "Add a measurement"),
        (PROFILE + "/", "About you"),
    ],
)
def test_each_member_page_renders_for_a_logged_in_user(client, member, path, text):
    response = client.get(path)
    assert response.status_code == 200
    assert text in _html(response)
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("path", [PROFILE, PROFILE_EDIT, PREFERENCES, METRICS])
def test_member_pages_send_anonymous_visitors_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login?next={path}"


def test_anonymous_delete_goes_to_log_in_and_deletes_nothing(client):
    metric = _record(UserFactory())
    response = client.post(_delete_url(metric))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login?next=")
    assert BodyMetric.objects.filter(pk=metric.pk).exists()


def test_nav_links_the_profile_for_members_only(client, member):
    assert 'href="/accounts/profile"' in _html(client.get("/"))
    client.logout()
    assert 'href="/accounts/profile"' not in _html(client.get("/"))


# --- Profile ------------------------------------------------------------------------------------


def test_profile_shows_what_the_member_told_us(client, member):
    today = profiles.user_today(user=member)
    profiles.profile_update(
        user=member,
        bio="Rows <b>every</b> morning.",
        birth_date=date(today.year - 30, 1, 1),
        height_cm=Decimal("172.5"),
        fitness_level="intermediate",
        location="Lisbon",
        interests=["rowing", "yoga"],
    )
    _record(member, value="70", days_ago=3)
    _record(member, value="69.4", days_ago=1)
    html = _html(client.get(PROFILE))
    assert "Ada Moss" in html
    assert "@lifter" in html
    assert "Rows &lt;b&gt;every&lt;/b&gt; morning." in html
    assert "<dd>30</dd>" in html
    assert "172.5 cm" in html
    assert "69.40 kg" in html
    assert "Intermediate" in html
    assert "Lisbon" in html
    assert re.findall(r'<li class="tag">(\w+)</li>', html) == ["rowing", "yoga"]
    assert 'href="/accounts/preferences"' in html
    assert 'href="/accounts/metrics"' in html
    assert 'href="/accounts/profile/edit"' in html


def test_profile_flags_an_unverified_address_and_links_a_new_confirmation(client, member):
    html = _html(client.get(PROFILE))
    assert "ada@example.com" in html
    assert "Not verified" in html
    assert 'href="/accounts/resend-verification"' in html


def test_profile_of_a_verified_address_has_no_confirmation_link(client):
    client.force_login(UserFactory(email_verified=True))
    html = _html(client.get(PROFILE))
    assert "Verified" in html
    assert "Not verified" not in html
    assert "/accounts/resend-verification" not in html


def test_profile_shows_initials_until_there_is_an_avatar(client, member):
    html = _html(client.get(PROFILE))
    assert '<span class="avatar-initials">AM</span>' in html
    assert "avatar-image" not in html
    profile = profiles.profile_get(user=member)
    profile.avatar_thumb = "avatars/lifter-128.webp"
    profile.save()
    html = _html(client.get(PROFILE))
    assert re.search(r'<img class="avatar-image" src="[^"]*avatars/lifter-128\.webp"', html)
    assert "avatar-initials" not in html


def _profile_data(**overrides) -> dict:
    data = {
        "first_name": "Ada",
        "last_name": "Moss",
        "username": "lifter",
        "email": "ada@example.com",
        "bio": "",
        "birth_date": "",
        "height_cm": "",
        "weight_kg": "",
        "fitness_level": "",
        "location": "",
        "interests": "",
    }
    return data | overrides


def test_profile_edit_form_is_filled_with_the_current_profile(client, member):
    profiles.profile_update(user=member, interests=["running", "yoga"], location="Porto")
    _record(member, value="72.5")
    response = client.get(PROFILE_EDIT)
    form = response.context["form"]
    assert form["interests"].value() == "running, yoga"
    assert form["location"].value() == "Porto"
    assert form["weight_kg"].value() == Decimal("72.50")
    assert 'value="running, yoga"' in _html(response)


def test_profile_edit_saves_every_field_and_says_so(client, member):
    response = client.post(
        PROFILE_EDIT,
        _profile_data(
            first_name="Adaline",
            username="ada.rows",
            bio="Early rower.",
            birth_date="1990-04-02",
            height_cm="168.5",
            weight_kg="64.2",
            fitness_level="advanced",
            location="Porto",
            interests=" rowing, Yoga ,, yoga, hill runs ",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert _messages(response) == ["Your profile was saved."]
    member.refresh_from_db()
    profile = member.profile
    assert (member.first_name, member.username) == ("Adaline", "ada.rows")
    assert profile.bio == "Early rower."
    assert profile.birth_date == date(1990, 4, 2)
    assert profile.height_cm == Decimal("168.5")
    assert profile.fitness_level == "advanced"
    assert profile.location == "Porto"
    assert profile.interests == ["rowing", "Yoga", "hill runs"]
    assert metrics.latest_weight_kg(user=member) == Decimal("64.20")


def test_profile_edit_records_the_weight_only_when_it_changed(client, member):
    _record(member, value="72.5", days_ago=1)
    client.post(PROFILE_EDIT, _profile_data(weight_kg="72.50", location="Porto"))
    assert BodyMetric.objects.filter(user=member).count() == 1
    client.post(PROFILE_EDIT, _profile_data(weight_kg="71.9"))
    assert BodyMetric.objects.filter(user=member).count() == 2


def test_profile_edit_refuses_an_impossible_height_and_saves_nothing(client, member):
    response = client.post(PROFILE_EDIT, _profile_data(height_cm="300", location="Porto"))
    assert response.status_code == 200
    assert "less than or equal to 272" in _field_errors(response, "height_cm")
    assert profiles.profile_get(user=_fresh(member)).location == ""


def test_profile_edit_shows_the_services_birth_date_error_and_saves_nothing(client, member):
    tomorrow = profiles.user_today(user=member) + timedelta(days=1)
    response = client.post(
        PROFILE_EDIT, _profile_data(birth_date=tomorrow.isoformat(), username="renamed", location="Porto")
    )
    assert response.status_code == 200
    assert "cannot be in the future" in _field_errors(response, "birth_date")
    member.refresh_from_db()
    assert member.username == "lifter"
    assert profiles.profile_get(user=_fresh(member)).location == ""


def test_profile_edit_refuses_a_username_that_is_taken(client, member):
    UserFactory(username="taken")
    response = client.post(PROFILE_EDIT, _profile_data(username="TAKEN"))
    assert "That username is taken." in _field_errors(response, "username")


def test_profile_edit_refuses_too_many_or_too_long_interests(client, member):
    many = ", ".join(f"tag{number}" for number in range(21))
    response = client.post(PROFILE_EDIT, _profile_data(interests=many))
    assert "at most 20 interests" in _field_errors(response, "interests")
    response = client.post(PROFILE_EDIT, _profile_data(interests="x" * 41))
    assert "40 characters" in _field_errors(response, "interests")
    assert profiles.profile_get(user=_fresh(member)).interests == []


def test_a_new_email_address_must_be_confirmed_again(client, member, django_capture_on_commit_callbacks):
    member.email_verified = True
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PROFILE_EDIT, _profile_data(email="Ada.New@Example.com"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.email, member.email_verified) == ("ada.new@example.com", False)
    assert [message.to for message in mail.outbox] == [["ada.new@example.com"]]
    assert any("ada.new@example.com" in message for message in _messages(response))


# --- Preferences --------------------------------------------------------------------------------


def _flatten(document: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in document.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif key != "version":
            flat[f"{prefix}{key}"] = value
    return flat


def _preferences_post(document: dict) -> dict:
    """What a browser sends for `document`: unchecked boxes are simply absent."""
    return {
        path: "on" if value is True else value
        for path, value in _flatten(document).items()
        if value is not False
    }


def test_preferences_form_covers_every_preference():
    form = PreferencesForm(preferences=profiles.preferences_resolve(None))
    assert set(form.fields) == set(schema_paths())


def test_preferences_page_shows_the_current_choices(client, member):
    profiles.preferences_update(
        user=member, changes={"units": {"weight": "lb"}, "notifications": {"activity_like": {"push": False}}}
    )
    html = _html(client.get(PREFERENCES))
    assert re.search(r'<option value="lb" selected>', html)
    assert re.search(r'<option value="UTC" selected>UTC</option>', html)
    assert re.search(r'<input type="checkbox" name="notifications\.friend_request\.email"[^>]* checked', html)
    assert re.search(
        r'<input type="checkbox" name="notifications\.activity_like\.push"(?![^>]* checked)', html
    )
    assert html.count('<input type="checkbox" name=') == len(NOTIFICATION_TYPES) * len(CHANNELS) + 7


def test_preferences_round_trip_through_the_form(client, member):
    document = profiles.user_preferences(user=member)
    document["units"]["weight"] = "lb"
    document["privacy"]["searchable"] = False
    document["privacy"]["profile_visibility"] = "private"
    document["workout"]["default_rest_seconds"] = 120
    document["workout"]["plate_increment_kg"] = 1.25
    document["ai"]["coach_tone"] = "technical"
    document["notifications"]["activity_like"]["email"] = True
    document["notifications"]["weekly_summary"]["push"] = False
    document["timezone"] = "Europe/Berlin"
    document["locale"] = "en-GB"

    response = client.post(PREFERENCES, _preferences_post(document))

    assert response.status_code == 302
    assert response["Location"] == PREFERENCES
    assert _messages(response) == ["Your preferences were saved."]
    assert profiles.user_preferences(user=_fresh(member)) == document
    profile = profiles.profile_get(user=_fresh(member))
    assert (profile.searchable, profile.profile_visibility) == (False, "private")
    form = client.get(PREFERENCES).context["form"]
    assert form["timezone"].value() == "Europe/Berlin"
    assert form["notifications.activity_like.email"].value() is True
    assert form["privacy.searchable"].value() is False


def test_preferences_show_a_bad_time_zone_next_to_its_field_and_save_nothing(client, member):
    data = _preferences_post(profiles.user_preferences(user=member)) | {
        "timezone": "Mars/Olympus_Mons",
        "units.weight": "lb",
    }
    response = client.post(PREFERENCES, data)
    assert response.status_code == 200
    assert "IANA time zone" in _field_errors(response, "timezone")
    assert profiles.user_preferences(user=_fresh(member))["units"]["weight"] == "kg"


def test_preferences_show_a_bad_language_tag(client, member):
    data = _preferences_post(profiles.user_preferences(user=member)) | {"locale": "english"}
    response = client.post(PREFERENCES, data)
    assert "language tag" in _field_errors(response, "locale")
    assert profiles.user_preferences(user=_fresh(member))["locale"] == "en"


def test_preferences_refuse_numbers_out_of_range(client, member):
    data = _preferences_post(DEFAULTS) | {"workout.default_rest_seconds": "901"}
    response = client.post(PREFERENCES, data)
    assert "900" in _field_errors(response, "workout.default_rest_seconds")


# --- Body metrics -------------------------------------------------------------------------------


def _listed(response) -> list[tuple[str, str, str]]:
    return [(metric.kind, str(metric.value), metric.unit) for metric in response.context["page"].object_list]


def test_adding_a_measurement_records_it_and_lists_it(client, member):
    response = client.post(
        METRICS,
        {"kind": "weight", "value": "81.3", "unit": "", "measured_at": "2026-01-10T08:00", "note": "am"},
    )
    assert response.status_code == 302
    assert response["Location"] == METRICS
    assert _messages(response) == ["Recorded weight: 81.30 kg."]
    metric = BodyMetric.objects.get(user=member)
    assert (metric.kind, metric.value, metric.unit, metric.note) == ("weight", Decimal("81.30"), "kg", "am")
    assert metric.measured_at == datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
    response = client.get(METRICS)
    assert _listed(response) == [("weight", "81.30", "kg")]
    assert "81.30 kg" in _html(response)


def test_a_weight_in_pounds_is_stored_in_kilograms(client, member):
    client.post(METRICS, {"kind": "weight", "value": "180", "unit": "lb", "measured_at": "2026-01-10T08:00"})
    assert _listed(client.get(METRICS)) == [("weight", "81.65", "kg")]


def test_the_moment_is_read_in_the_members_time_zone(client, member):
    profiles.preferences_update(user=member, changes={"timezone": "Europe/Berlin"})
    client.post(METRICS, {"kind": "waist", "value": "80", "measured_at": "2026-01-10T08:00"})
    metric = BodyMetric.objects.get(user=member)
    assert metric.measured_at == datetime(2026, 1, 10, 7, 0, tzinfo=UTC)
    assert "10 Jan 2026, 08:00" in _html(client.get(METRICS))


def test_the_add_form_defaults_to_now_in_the_members_time_zone(client, member):
    profiles.preferences_update(user=member, changes={"timezone": "Asia/Tokyo"})
    html = _html(client.get(METRICS))
    match = re.search(r'<input type="datetime-local" name="measured_at" value="([\d\-T:]+)"', html)
    assert match, "the add form has no default moment"
    now_in_tokyo = timezone.now().astimezone(timezone.get_fixed_timezone(9 * 60)).replace(tzinfo=None)
    assert abs(datetime.fromisoformat(match.group(1)) - now_in_tokyo) < timedelta(minutes=2)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "waist", "value": "32", "unit": "lb"}, "unit", "measured in cm, in"),
        ({"kind": "weight", "value": "5000"}, "value", "between 20 and 500"),
        ({"kind": "weight", "value": "-1"}, "value", "greater than or equal to 0"),
        ({"kind": "weight", "value": "80", "measured_at": "2999-01-01T00:00"}, "measured_at", "future"),
        ({"kind": "weight", "value": "80", "unit": "stone"}, "unit", "valid choice"),
    ],
)
def test_a_bad_measurement_shows_an_error_next_to_its_field_and_records_nothing(
    client, member, data, field, message
):
    response = client.post(METRICS, {"measured_at": "2026-01-10T08:00"} | data)
    assert response.status_code == 200
    assert message in _field_errors(response, field)
    assert not BodyMetric.objects.filter(user=member).exists()


def test_the_list_is_newest_first_and_filters_by_kind(client, member):
    _record(member, "weight", "80", days_ago=3)
    _record(member, "waist", "84", days_ago=2)
    _record(member, "weight", "79", days_ago=1)
    _record(UserFactory(), "weight", "99")
    assert _listed(client.get(METRICS)) == [
        ("weight", "79.00", "kg"),
        ("waist", "84.00", "cm"),
        ("weight", "80.00", "kg"),
    ]
    response = client.get(METRICS, {"kind": "waist"})
    assert _listed(response) == [("waist", "84.00", "cm")]
    assert re.search(r'<option value="waist" selected>', _html(response))
    assert _listed(client.get(METRICS, {"kind": "nonsense"})) == _listed(client.get(METRICS))


def test_the_list_is_paginated_and_page_links_keep_the_filter(client, member):
    for number in range(METRICS_PER_PAGE + 1):
        _record(member, "weight", "80", days_ago=number)
    response = client.get(METRICS, {"kind": "weight"})
    assert len(response.context["page"].object_list) == METRICS_PER_PAGE
    assert 'href="?kind=weight&amp;page=2"' in _html(response)
    response = client.get(METRICS, {"kind": "weight", "page": "2"})
    assert len(response.context["page"].object_list) == 1
    assert client.get(METRICS, {"page": "99"}).context["page"].number == 2


def test_the_list_runs_a_fixed_number_of_queries(client, member, django_assert_max_num_queries):
    for number in range(5):
        _record(member, "weight", "80", days_ago=number)
    with CaptureQueriesContext(connection) as few:
        client.get(METRICS)
    for number in range(5, 60):
        _record(member, "waist", "80", days_ago=number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(METRICS)
    assert len(response.context["page"].object_list) == METRICS_PER_PAGE


def test_deleting_a_measurement_removes_it_and_returns_to_the_same_list(client, member):
    metric = _record(member, "waist", "84")
    kept = _record(member, "weight", "80")
    response = client.post(_delete_url(metric), {"kind": "waist", "page": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{METRICS}?kind=waist&page=1"
    assert list(BodyMetric.objects.filter(user=member)) == [kept]
    assert _messages(response)[0].startswith("Deleted the waist of ")


def test_deleting_another_members_measurement_is_not_found_and_deletes_nothing(client, member):
    theirs = _record(UserFactory(), "weight", "90")
    response = client.post(_delete_url(theirs))
    assert response.status_code == 404
    assert BodyMetric.objects.filter(pk=theirs.pk).exists()


def test_delete_accepts_only_post(client, member):
    metric = _record(member)
    assert client.get(_delete_url(metric)).status_code == 405
    assert BodyMetric.objects.filter(pk=metric.pk).exists()


def test_each_row_has_a_delete_form(client, member):
    metric = _record(member)
    html = _html(client.get(METRICS))
    assert f'<form class="inline-form" method="post" action="{_delete_url(metric)}">' in html


def test_the_chart_waits_for_two_measurements(client, member):
    _record(member, "weight", "80")
    html = _html(client.get(METRICS))
    assert EMPTY_MESSAGE in html
    assert "<polyline" not in html


def test_the_chart_draws_the_weight_by_default_and_the_chosen_kind_otherwise(client, member):
    _record(member, "weight", "80", days_ago=2)
    _record(member, "weight", "79", days_ago=1)
    _record(member, "weight", "78.5")
    _record(member, "waist", "84", days_ago=1)
    _record(member, "waist", "83")
    html = _html(client.get(METRICS))
    assert "Weight over time" in html
    assert html.count("<circle") == 3
    assert "80 kg" in html
    html = _html(client.get(METRICS, {"kind": "waist"}))
    assert "Waist over time" in html
    assert html.count("<circle") == 2
    assert "84 cm" in html
