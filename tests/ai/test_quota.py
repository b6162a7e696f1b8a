"""Cost and operations: the daily quota (429 with the reset time), the call log, the short cache."""

from datetime import datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from ai.calls import QuotaExceededError, call_log, quota_reserve
from ai.models import AICall

pytestmark = pytest.mark.django_db

BODY = {
    "goal": "strength",
    "duration_minutes": 45,
    "equipment": ["barbell", "bench"],
    "experience_level": "beginner",
}


@override_settings(FITAI_AI_DAILY_QUOTA=2)
def test_the_call_after_the_daily_limit_is_a_429_with_the_reset_time(auth_client, library):
    client = auth_client()
    for minutes in (30, 40):
        assert (
            client.post(
                "/api/v1/ai/workout-generate", {**BODY, "duration_minutes": minutes}, format="json"
            ).status_code
            == 200
        )
    response = client.post("/api/v1/ai/workout-generate", BODY, format="json")
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "ai_quota_exceeded"
    assert error["limit"] == 2
    reset_at = datetime.fromisoformat(error["reset_at"])
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 86400
    # A rolling 24 hours: a request frees up 24 h after the oldest one counted.
    first = AICall.objects.filter(user=client.user).order_by("pk").first()
    assert reset_at == first.created_at + timedelta(hours=24)
    # Every AI endpoint shares the quota; another user still has theirs.
    assert (
        client.post(
            "/api/v1/ai/goal-optimize", {"type": "body_weight", "target_value": 70}, format="json"
        ).status_code
        == 429
    )
    assert auth_client().post("/api/v1/ai/workout-generate", BODY, format="json").status_code == 200


@override_settings(FITAI_AI_DAILY_QUOTA=1)
def test_yesterdays_calls_do_not_count(auth_client, library):
    client = auth_client()
    assert client.post("/api/v1/ai/workout-generate", BODY, format="json").status_code == 200
    AICall.objects.update(created_at=datetime.now().astimezone() - timedelta(days=1, hours=1))
    assert (
        client.post(
            "/api/v1/ai/workout-generate", {**BODY, "duration_minutes": 50}, format="json"
        ).status_code
        == 200
    )


def test_identical_requests_are_answered_from_the_cache_and_logged_as_cached(auth_client, library):
    client = auth_client()
    first = client.post("/api/v1/ai/workout-generate", BODY, format="json").json()
    second = client.post("/api/v1/ai/workout-generate", BODY, format="json").json()
    assert first == second
    assert list(AICall.objects.order_by("pk").values_list("outcome", "provider", "endpoint")) == [
        ("ok", "rules", "workout_generate"),
        ("cached", "rules", "workout_generate"),
    ]


@override_settings(FITAI_AI_DAILY_QUOTA=2)
def test_cached_answers_do_not_count_against_the_quota(auth_client, library):
    client = auth_client()
    for _ in range(3):
        assert client.post("/api/v1/ai/workout-generate", BODY, format="json").status_code == 200
    assert (
        client.post(
            "/api/v1/ai/workout-generate", {**BODY, "duration_minutes": 50}, format="json"
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/v1/ai/workout-generate", {**BODY, "duration_minutes": 55}, format="json"
        ).status_code
        == 429
    )


def test_the_call_log_is_browsable_read_only_in_the_admin(client, auth_client, library):
    from tests.factories import UserFactory

    auth_client().post("/api/v1/ai/workout-generate", BODY, format="json")
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/ai/aicall/?provider=rules&outcome=ok&q=athlete")
    assert listing.status_code == 200
    assert b"workout_generate" in listing.content
    call = AICall.objects.get()
    assert client.get(f"/admin/ai/aicall/{call.pk}/change/").status_code == 200
    assert client.get("/admin/ai/aicall/add/").status_code == 403


@override_settings(FITAI_AI_DAILY_QUOTA=1)
def test_changing_time_zone_does_not_reset_the_quota(auth_client, library):
    from accounts.models import Profile

    client = auth_client()
    assert client.post("/api/v1/ai/workout-generate", BODY, format="json").status_code == 200
    call = AICall.objects.get()
    now = timezone.now()
    AICall.objects.filter(pk=call.pk).update(created_at=now - timedelta(hours=3))
    # A zone whose local midnight fell between that call and now: a "new day" there.
    offset = (1 - now.hour) % 24
    offset = offset - 24 if offset > 14 else offset
    zone = "Etc/GMT" + (f"{-offset:+d}" if offset else "")
    Profile.objects.update_or_create(user=client.user, defaults={"preferences": {"timezone": zone}})
    response = client.post("/api/v1/ai/workout-generate", {**BODY, "duration_minutes": 50}, format="json")
    assert response.status_code == 429
    reset_at = datetime.fromisoformat(response.json()["error"]["reset_at"])
    assert reset_at == now - timedelta(hours=3) + timedelta(hours=24)


@override_settings(FITAI_AI_DAILY_QUOTA=1)
def test_a_cached_answer_is_still_served_once_the_quota_is_spent(auth_client, library):
    client = auth_client()
    first = client.post("/api/v1/ai/workout-generate", BODY, format="json")
    assert (
        client.post(
            "/api/v1/ai/workout-generate", {**BODY, "duration_minutes": 50}, format="json"
        ).status_code
        == 429
    )
    again = client.post("/api/v1/ai/workout-generate", BODY, format="json")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert AICall.objects.filter(outcome="cached").count() == 1


@override_settings(FITAI_AI_DAILY_QUOTA=1)
def test_a_request_in_flight_already_holds_its_share_of_the_quota(user):
    reservation = quota_reserve(user=user, endpoint="workout_generate")
    with pytest.raises(QuotaExceededError):  # a concurrent request, before the first one is logged
        quota_reserve(user=user, endpoint="workout_generate")
    call_log(user=user, endpoint="workout_generate", provider="rules", outcome="ok", reservation=reservation)
    assert list(AICall.objects.values_list("pk", "provider", "outcome")) == [(reservation.pk, "rules", "ok")]


@override_settings(FITAI_AI_DAILY_QUOTA=1)
def test_a_request_rejected_for_its_input_gives_its_share_back(auth_client, library):
    client = auth_client()
    bad = client.post("/api/v1/ai/exercise-suggest", {"muscle": "wings", "reason": "variety"}, format="json")
    assert bad.status_code == 400
    assert not AICall.objects.exists()
    assert client.post("/api/v1/ai/workout-generate", BODY, format="json").status_code == 200
