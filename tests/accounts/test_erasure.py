"""Account erasure: `DELETE /api/v1/users/account`, the eraser registry and the accounts eraser."""

import io
import json
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import avatars, services
from accounts.models import (
    AccountToken,
    BodyMetric,
    Friendship,
    LoginThrottleState,
    Profile,
    SocialIdentity,
    TokenFamily,
    User,
)
from fitai import erasure, events
from fitai.errors import NotFoundError
from fitai.models import ErasureRecord
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/account"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("me.jpg", buffer.getvalue(), "image/jpeg")


def befriend(first: User, second: User, status: str, *, requested_by: User, blocked_by: User | None = None):
    low, high = sorted([first, second], key=lambda user: user.pk)
    return Friendship.objects.create(
        user_low=low, user_high=high, status=status, requested_by=requested_by, blocked_by=blocked_by
    )


def give_data(user: User, *, friends: list[User]) -> dict:
    """Rows in every accounts model (and Django's tables that point at users) for `user`."""
    profile = avatars.avatar_set(user=user, upload=jpeg())
    Profile.objects.filter(user=user).update(
        bio=f"I am {user.first_name} {user.last_name}, write to {user.email}",
        location="Lisbon",
        interests=["running", user.username],
        preferences={"contact": user.email, "handle": user.username},
    )
    for kind, value, unit in (("weight", 81.5, "kg"), ("waist", 84, "cm"), ("body_fat", 18, "%")):
        BodyMetric.objects.create(user=user, kind=kind, value=value, unit=unit, measured_at=timezone.now())
    accepted, incoming, blocked = friends
    befriend(user, accepted, Friendship.Status.ACCEPTED, requested_by=user)
    befriend(user, incoming, Friendship.Status.PENDING, requested_by=incoming)
    befriend(user, blocked, Friendship.Status.BLOCKED, requested_by=user, blocked_by=user)
    pair = services.login_open(user=user, user_agent=f"Phone of {user.username}")
    services.login_open(user=user)
    services._account_token_create(
        user=user, purpose=AccountToken.Purpose.VERIFY_EMAIL, email=user.email, ttl=timedelta(hours=1)
    )
    SocialIdentity.objects.create(
        user=user, provider=SocialIdentity.Provider.GOOGLE, subject=f"google-{user.pk}", email=user.email
    )
    services.login_failure_record(identifier=user.email.upper())
    services.login_failure_record(identifier=user.username)
    user.groups.add(Group.objects.get_or_create(name="trainer")[0])
    return {"profile": profile, "pair": pair}


@pytest.fixture
def victim(django_capture_on_commit_callbacks):
    """A user with data in every accounts model, and the people and staff around them."""
    user = UserFactory(
        email="zebulonia.quixotefield@example.com",
        username="zebulonia_q",
        first_name="Zebulonia",
        last_name="Quixotefield",
        is_staff=True,
    )
    other = UserFactory(email="orla.other@example.com", username="orla_other")
    friends = [UserFactory() for _ in range(3)]
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        data = give_data(user, friends=friends)
        other_data = give_data(other, friends=friends)
    user_type = ContentType.objects.get_for_model(User)
    # Staff changed the victim's account, and the victim (staff too) changed the other user's.
    LogEntry.objects.create(
        user=staff,
        content_type=user_type,
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=CHANGE,
        change_message="Deactivated and logged out everywhere.",
    )
    LogEntry.objects.create(
        user=user, content_type=user_type, object_id=str(other.pk), object_repr=str(other), action_flag=CHANGE
    )
    user.refresh_from_db()
    return {
        "user": user,
        "other": other,
        "friends": friends,
        "staff": staff,
        "files": [data["profile"].avatar, data["profile"].avatar_thumb],
        "other_files": [other_data["profile"].avatar, other_data["profile"].avatar_thumb],
        "pair": data["pair"],
    }


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def erase(client: APIClient, capture, **body):
    with capture(execute=True):
        return client.delete(URL, body, format="json")


def snapshot() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count() for model in apps.get_models(include_auto_created=True)
    }


# --- what remains of a person: nothing ----------------------------------------------------------


def personal_traces(user_values: dict) -> list[str]:
    """Every row of every concrete model that still mentions the user, as `label.field = value`."""
    user_model = get_user_model()
    user_type = ContentType.objects.get_for_model(user_model)
    needles = [
        str(user_values[key]).lower()
        for key in ("email", "username", "first_name", "last_name", "public_id", "public_id_hex")
    ]
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model is ErasureRecord:
            continue
        for row in model._base_manager.all():
            for field in model._meta.concrete_fields:
                value = field.value_from_object(row)
                text = json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
                points_at_user = field.is_relation and issubclass(field.related_model, user_model)
                if any(needle in text.lower() for needle in needles) or (
                    points_at_user and value == user_values["pk"]
                ):
                    found.append(f"{model._meta.label}.{field.name} = {text[:80]}")
            if getattr(row, "content_type_id", None) == user_type.pk and str(
                getattr(row, "object_id", None)
            ) == str(user_values["pk"]):
                found.append(f"{model._meta.label} row {row.pk} still names the user by object_id")
    return found


def values_of(user: User) -> dict:
    return {
        "pk": user.pk,
        "email": user.email,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "public_id": user.public_id,
        "public_id_hex": user.public_id.hex,
    }


def test_erasure_leaves_no_trace_of_the_user_in_any_model(victim, django_capture_on_commit_callbacks):
    user = victim["user"]
    before = values_of(user)
    assert personal_traces(before), "the fixture must hold personal data to prove anything"

    response = erase(
        bearer(victim["pair"].access), django_capture_on_commit_callbacks, password=DEFAULT_PASSWORD
    )

    assert response.status_code == 204, response.content
    assert personal_traces(before) == []
    # Every model the registry claims is a real model, and was walked above.
    assert all(apps.get_model(label) for label in erasure.claimed_models())


def test_erasure_keeps_everyone_elses_data(victim, django_capture_on_commit_callbacks):
    other, friends, staff = victim["other"], victim["friends"], victim["staff"]
    counts_before = {
        "profiles": Profile.objects.filter(user=other).count(),
        "metrics": BodyMetric.objects.filter(user=other).count(),
        "families": TokenFamily.objects.filter(user=other).count(),
        "tokens": AccountToken.objects.filter(user=other).count(),
        "identities": SocialIdentity.objects.filter(user=other).count(),
        "friendships": Friendship.objects.filter(user_low=other).count()
        + Friendship.objects.filter(user_high=other).count(),
    }

    response = erase(
        bearer(victim["pair"].access), django_capture_on_commit_callbacks, password=DEFAULT_PASSWORD
    )

    assert response.status_code == 204
    assert User.objects.filter(pk__in=[other.pk, staff.pk, *(f.pk for f in friends)]).count() == 5
    assert counts_before == {
        "profiles": Profile.objects.filter(user=other).count(),
        "metrics": BodyMetric.objects.filter(user=other).count(),
        "families": TokenFamily.objects.filter(user=other).count(),
        "tokens": AccountToken.objects.filter(user=other).count(),
        "identities": SocialIdentity.objects.filter(user=other).count(),
        "friendships": Friendship.objects.filter(user_low=other).count()
        + Friendship.objects.filter(user_high=other).count(),
    }
    assert counts_before["friendships"] == 3
    assert LoginThrottleState.objects.count() == 1, "the other user's lockout row stays"
    assert Profile.objects.get(user=other).bio.startswith("I am")
    assert all(default_storage.exists(name) for name in victim["other_files"])
    # The staff member's log entry about the erased account stays, anonymised.
    entry = LogEntry.objects.get(user=staff)
    assert (entry.object_id, entry.object_repr) == (None, "erased user")
    assert entry.change_message == "Deactivated and logged out everywhere."


def test_erasure_deletes_the_files_after_commit(victim, media, django_capture_on_commit_callbacks):
    stray = default_storage.save(f"avatars/{victim['user'].public_id}/left-over-512.webp", io.BytesIO(b"x"))
    assert all(default_storage.exists(name) for name in victim["files"])

    client = bearer(victim["pair"].access)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.delete(URL, {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204
    assert all(default_storage.exists(name) for name in victim["files"]), "files wait for the commit"
    for callback in callbacks:
        callback()

    assert not any(default_storage.exists(name) for name in [*victim["files"], stray])
    assert sorted(p.relative_to(media).as_posix() for p in media.rglob("*.webp")) == sorted(
        victim["other_files"]
    )


def test_erasure_writes_an_anonymous_record(victim, django_capture_on_commit_callbacks):
    user = victim["user"]
    response = erase(
        bearer(victim["pair"].access), django_capture_on_commit_callbacks, password=DEFAULT_PASSWORD
    )
    assert response.status_code == 204
    record = ErasureRecord.objects.get()
    assert record.counts["accounts.User"] == 1
    assert record.counts["accounts.Profile"] == 1
    assert record.counts["accounts.BodyMetric"] == 3
    assert record.counts["accounts.Friendship"] == 3
    assert record.counts["accounts.TokenFamily"] == 2
    assert record.counts["accounts.SocialIdentity"] == 1
    assert record.counts["accounts.AccountToken"] == 1
    assert record.counts["accounts.LoginThrottleState"] == 1
    assert record.counts["admin.LogEntry"] == 2  # one by them (deleted), one about them (anonymised)
    assert record.file_count == 2
    text = json.dumps({"id": str(record.pk), "counts": record.counts, "str": str(record)}).lower()
    for value in values_of(user).values():
        if not isinstance(value, int):
            assert str(value).lower() not in text


def test_the_erased_users_tokens_stop_working(victim, django_capture_on_commit_callbacks):
    client = bearer(victim["pair"].access)
    assert erase(client, django_capture_on_commit_callbacks, password=DEFAULT_PASSWORD).status_code == 204
    assert client.delete(URL, {"password": DEFAULT_PASSWORD}, format="json").status_code == 401
    response = APIClient().post("/api/v1/auth/refresh", {"refresh": victim["pair"].refresh}, format="json")
    assert response.status_code == 401
    response = APIClient().post(
        "/api/v1/auth/login", {"email": victim["user"].email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 401


def test_the_email_and_username_can_register_again(victim, django_capture_on_commit_callbacks):
    user = victim["user"]
    assert (
        erase(
            bearer(victim["pair"].access), django_capture_on_commit_callbacks, password=DEFAULT_PASSWORD
        ).status_code
        == 204
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/api/v1/auth/register",
            {"email": user.email, "username": user.username, "password": "a-new-life-begins-77"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert response.json()["user"]["id"] != str(user.public_id)


def test_the_erasure_event_names_no_one(victim, django_capture_on_commit_callbacks):
    received = []

    def listener(**payload):
        received.append(payload)

    events.subscribe(erasure.USER_ERASED, listener)
    try:
        response = erase(
            bearer(victim["pair"].access), django_capture_on_commit_callbacks, password=DEFAULT_PASSWORD
        )
    finally:
        events.unsubscribe(erasure.USER_ERASED, listener)
    assert response.status_code == 204
    assert received == [{"erasure_id": str(ErasureRecord.objects.get().pk)}]


# --- confirmation -------------------------------------------------------------------------------


def test_a_wrong_password_is_403_and_erases_nothing(victim, media, django_capture_on_commit_callbacks):
    before = snapshot()
    files_before = sorted(media.rglob("*"))

    response = erase(
        bearer(victim["pair"].access), django_capture_on_commit_callbacks, password="not-my-password"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_password"
    assert snapshot() == before
    assert sorted(media.rglob("*")) == files_before
    assert personal_traces(values_of(victim["user"]))


def test_no_confirmation_is_a_400(auth_client):
    client = auth_client()
    response = client.delete(URL, {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    response = client.delete(URL, {"confirm_token": "x"}, format="json")
    assert response.status_code == 400, "an account with a password confirms with it"
    assert "password" in response.json()["error"]["fields"]
    assert User.objects.filter(pk=client.user.pk).exists()


def test_anonymous_erasure_is_401(api_client):
    assert api_client.delete(URL, {"password": DEFAULT_PASSWORD}, format="json").status_code == 401


@pytest.fixture
def social_user(db):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    return user


def test_a_social_account_confirms_with_a_fresh_sign_in(social_user, django_capture_on_commit_callbacks):
    pair = services.login_open(user=social_user)
    response = erase(bearer(pair.access), django_capture_on_commit_callbacks, confirm_token=pair.access)
    assert response.status_code == 204
    assert not User.objects.filter(pk=social_user.pk).exists()


def stale_access_token(user: User) -> str:
    token = AccessToken.for_user(user)
    token.set_iat(at_time=timezone.now() - timedelta(minutes=6))
    return str(token)


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda user, other: stale_access_token(user), id="issued-6-minutes-ago"),
        pytest.param(lambda user, other: str(AccessToken.for_user(other)), id="someone-elses"),
        pytest.param(lambda user, other: str(RefreshToken.for_user(user)), id="a-refresh-token"),
        pytest.param(lambda user, other: "not.a.token", id="garbage"),
        pytest.param(lambda user, other: str(AccessToken.for_user(user))[:-4] + "AAAA", id="bad-signature"),
    ],
)
def test_a_social_account_refuses_other_tokens(social_user, make_token, django_capture_on_commit_callbacks):
    client = bearer(str(AccessToken.for_user(social_user)))
    token = make_token(social_user, UserFactory())
    response = erase(client, django_capture_on_commit_callbacks, confirm_token=token)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_confirm_token"
    assert User.objects.filter(pk=social_user.pk).exists()


def test_a_social_account_refuses_a_token_of_an_old_login(social_user, django_capture_on_commit_callbacks):
    """A refreshed access token is recent, but no proof that the person signed in again."""
    pair = services.login_open(user=social_user)
    TokenFamily.objects.filter(user=social_user).update(created_at=timezone.now() - timedelta(hours=2))
    fresh_by_refresh = services.token_refresh(refresh=pair.refresh)
    assert AccessToken(fresh_by_refresh.access)["iat"] > time.time() - 60
    response = erase(
        bearer(fresh_by_refresh.access),
        django_capture_on_commit_callbacks,
        confirm_token=fresh_by_refresh.access,
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=social_user.pk).exists()


def test_a_social_account_needs_the_token_not_a_password(social_user):
    response = bearer(str(AccessToken.for_user(social_user))).delete(
        URL, {"password": "anything"}, format="json"
    )
    assert response.status_code == 400
    assert "confirm_token" in response.json()["error"]["fields"]


# --- the registry -------------------------------------------------------------------------------


def test_every_model_pointing_at_users_is_covered_by_an_eraser():
    assert erasure.unregistered_user_models() == [], (
        "These models hold a foreign key to the user but no eraser covers them: register one with "
        "fitai.erasure.register(name, eraser, models=[...]) in the app's AppConfig.ready()."
    )


def test_an_unclaimed_model_is_reported_and_warned_about(monkeypatch):
    monkeypatch.setattr(erasure, "_registry", {})
    missing = erasure.unregistered_user_models()
    assert {"accounts.User", "accounts.Profile", "accounts.Friendship", "admin.LogEntry"} <= set(missing)
    assert "accounts.LoginThrottleState" not in missing, "it has no foreign key to the user"
    warnings = erasure.check_user_models_are_erased()
    assert {warning.id for warning in warnings} == {"fitai.W001"}
    assert len(warnings) == len(missing)


def test_a_model_belongs_to_one_eraser_only():
    with pytest.raises(ImproperlyConfigured, match="already covered by the eraser 'accounts'"):
        erasure.register("intruder", lambda user: erasure.ErasureResult(), models=[Profile])
    assert "intruder" not in {eraser.name for eraser in erasure.erasers()}


def test_higher_apps_run_first_and_accounts_last(user, monkeypatch):
    monkeypatch.setattr(erasure, "_registry", dict(erasure._registry))
    seen = []

    def probe(name):
        def eraser(user):
            seen.append((name, User.objects.filter(pk=user.pk).exists()))
            return erasure.ErasureResult(counts={f"{name}.Thing": 2})

        return eraser

    erasure.register("workouts", probe("workouts"), models=[])
    erasure.register("community", probe("community"), models=[])

    record = erasure.erase_user(user)

    assert seen == [("community", True), ("workouts", True)], "higher apps see the user row intact"
    assert [eraser.name for eraser in erasure.erasers()][-1] == "accounts"
    assert record.counts["community.Thing"] == record.counts["workouts.Thing"] == 2


def test_a_failing_eraser_rolls_everything_back(user, monkeypatch, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        profile = avatars.avatar_set(user=user, upload=jpeg())
    monkeypatch.setattr(erasure, "_registry", dict(erasure._registry))

    def broken(user):
        raise RuntimeError("eraser bug")

    # Registered after accounts, so it runs before it: the user row is deleted later, in vain.
    erasure.register("broken", broken, models=[])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="eraser bug"):
        erasure.erase_user(user)

    assert User.objects.filter(pk=user.pk).exists()
    assert ErasureRecord.objects.count() == 0
    assert default_storage.exists(profile.avatar)


def test_an_erasure_that_leaves_the_user_row_is_refused(user, monkeypatch):
    monkeypatch.setattr(erasure, "_registry", {})
    erasure.register("noop", lambda user: erasure.ErasureResult(), models=[])
    with pytest.raises(ImproperlyConfigured, match="No eraser deleted the user row"):
        erasure.erase_user(user)
    assert User.objects.filter(pk=user.pk).exists()
    assert ErasureRecord.objects.count() == 0


def test_an_account_is_erased_once(user):
    stale_copy = User.objects.get(pk=user.pk)
    erasure.erase_user(user)
    with pytest.raises(NotFoundError, match="no longer exists"):
        erasure.erase_user(stale_copy)
    assert ErasureRecord.objects.count() == 1


def test_missing_files_are_tolerated_and_failures_counted(monkeypatch, caplog):
    assert erasure.storage_delete(["avatars/nowhere/none-512.webp"]) == 0

    def refuse(name):
        raise OSError("storage is down")

    monkeypatch.setattr(default_storage, "delete", refuse)
    assert erasure.storage_delete(["a.webp", "b.webp"]) == 2
    assert "Could not delete stored file a.webp" in caplog.text


def test_the_schema_documents_the_erasure(db):
    from drf_spectacular.generators import SchemaGenerator

    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"][URL]["delete"]
    assert {"204", "400", "401", "403", "413", "415", "429"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    properties = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"][body][
        "properties"
    ]
    assert set(properties) == {"password", "confirm_token"}
    assert "5 minutes" in properties["confirm_token"]["description"]


def test_the_admin_shows_erasure_records_read_only(client, user):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    record = erasure.erase_user(user)
    assert client.get("/admin/fitai/erasurerecord/").status_code == 200
    assert client.get(f"/admin/fitai/erasurerecord/{record.pk}/change/").status_code == 200
    assert client.get("/admin/fitai/erasurerecord/add/").status_code == 403
    assert client.post(f"/admin/fitai/erasurerecord/{record.pk}/delete/").status_code == 403
