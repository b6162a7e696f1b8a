"""The preferences document: defaults, deep merge, validation by path, the selector."""

import pytest

from accounts.models import Profile
from accounts.preferences import DEFAULTS, NOTIFICATION_TYPES, PreferencesError, preferences_merge
from accounts.profiles import user_preferences
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/users/preferences"


def test_new_users_get_the_privacy_defaults_of_api_md(auth_client):
    body = auth_client().get(URL).json()
    assert body["privacy"] == {
        "profile_visibility": "friends",
        "workout_visibility": "private",
        "searchable": True,
        "show_on_leaderboards": True,
    }
    assert body["version"] == 1
    assert set(body["notifications"]) == set(NOTIFICATION_TYPES)
    assert body["notifications"]["friend_request"] == {"in_app": True, "email": True, "push": True}
    assert body["timezone"] == "UTC"


def test_put_deep_merges_a_partial_document(auth_client):
    client = auth_client()
    response = client.put(
        URL,
        {
            "notifications": {"activity_like": {"push": False}},
            "units": {"weight": "lb"},
            "timezone": "Europe/Berlin",
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["notifications"]["activity_like"] == {"in_app": True, "email": False, "push": False}
    assert body["units"] == {"weight": "lb", "length": "cm", "distance": "km"}
    assert body["timezone"] == "Europe/Berlin"
    assert client.get(URL).json() == body
    second = client.put(URL, {"privacy": {"searchable": False}}, format="json").json()
    assert second["units"]["weight"] == "lb"
    assert second["privacy"]["searchable"] is False


def test_privacy_changes_update_the_indexed_copies(auth_client):
    client = auth_client()
    client.put(URL, {"privacy": {"searchable": False, "profile_visibility": "public"}}, format="json")
    profile = Profile.objects.get(user=client.user)
    assert (profile.searchable, profile.profile_visibility) == (False, "public")


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"colour": "blue"}, "colour"),
        ({"notifications": {"activity_like": {"pigeon": True}}}, "notifications.activity_like.pigeon"),
        ({"notifications": {"no_such_type": {"push": True}}}, "notifications.no_such_type"),
        ({"notifications": {"activity_like": {"push": "yes"}}}, "notifications.activity_like.push"),
        ({"privacy": {"profile_visibility": "everyone"}}, "privacy.profile_visibility"),
        ({"privacy": "public"}, "privacy"),
        ({"workout": {"default_rest_seconds": 5000}}, "workout.default_rest_seconds"),
        ({"workout": {"default_rest_seconds": 90.5}}, "workout.default_rest_seconds"),
        ({"workout": {"plate_increment_kg": True}}, "workout.plate_increment_kg"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"locale": "english"}, "locale"),
        ({"version": 7}, "version"),
    ],
)
def test_bad_keys_and_values_are_400_with_their_path_and_change_nothing(auth_client, document, path):
    client = auth_client()
    before = client.get(URL).json()
    response = client.put(URL, {**document, "units": {"weight": "lb"}}, format="json")
    assert response.status_code == 400
    assert path in response.json()["error"]["fields"]
    assert client.get(URL).json() == before


def test_a_non_object_document_is_400(auth_client):
    response = auth_client().put(URL, [1, 2], format="json")
    assert response.status_code == 400


def test_stored_documents_gain_new_keys_and_drop_retired_ones():
    user = UserFactory()
    Profile.objects.create(user=user, preferences={"units": {"weight": "lb"}, "retired": {"x": 1}})
    document = user_preferences(user=user)
    assert document["units"]["weight"] == "lb"
    assert "retired" not in document
    assert document["ai"] == DEFAULTS["ai"]


def test_merge_collects_every_error_at_once():
    with pytest.raises(PreferencesError) as caught:
        preferences_merge(DEFAULTS, {"units": {"weight": "stone"}, "locale": 5})
    assert set(caught.value.errors) == {"units.weight", "locale"}


def test_preferences_need_authentication(api_client):
    assert api_client.get(URL).status_code == 401
