"""The AI admin: the call log and recommendations are read-only; acceptance by source is shown."""

import pytest

from ai.models import AICall, Recommendation, RecommendationFeedback
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.login(username=admin.email, password=DEFAULT_PASSWORD)
    return admin


def test_recommendation_list_shows_acceptance_by_source(client, staff):
    member = UserFactory()
    for source, accepted in (("collaborative", True), ("collaborative", False), ("popular", None)):
        shown = Recommendation.objects.create(
            user=member, kind="exercise", item_id=1, score=1.0, reason="because", source=source
        )
        if accepted is not None:
            RecommendationFeedback.objects.create(
                recommendation=shown, user=member, rating="up" if accepted else "down", accepted=accepted
            )
    response = client.get("/admin/ai/recommendation/")
    assert response.status_code == 200
    rows = {row["source"]: row for row in response.context["acceptance"]}
    assert (rows["collaborative"]["served"], rows["collaborative"]["accepted"]) == (2, 1)
    assert rows["collaborative"]["acceptance_rate"] == 0.5
    assert (rows["popular"]["served"], rows["popular"]["accepted"]) == (1, 0)
    assert "<td>collaborative</td><td>2</td><td>2</td><td>1</td><td>1</td><td>1</td><td>50 %</td>" in (
        response.content.decode()
    )


def test_the_call_log_is_read_only(client, staff):
    call = AICall.objects.create(endpoint="chat", provider="rules", outcome="ok")
    assert client.get("/admin/ai/aicall/").status_code == 200
    assert client.get("/admin/ai/aicall/add/").status_code == 403
    response = client.post(f"/admin/ai/aicall/{call.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AICall.objects.filter(pk=call.pk).exists()
