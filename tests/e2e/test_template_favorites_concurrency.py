"""Favourite counts stay exact under concurrent requests, over real HTTP on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from templates_app.models import TemplateFavorite, WorkoutTemplate
from tests.e2e.conftest import http
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_favourites_count_exactly_twenty(live_url):
    owner = UserFactory()
    template = WorkoutTemplate.objects.create(
        owner=owner, name="Popular", visibility="public", days_per_week=3
    )
    tokens = [str(AccessToken.for_user(UserFactory())) for _ in range(20)]
    url = f"{live_url}/api/v1/templates/{template.public_id}/favorite"

    def favourite(token: str) -> int:
        return http("POST", url, {}, headers={"Authorization": f"Bearer {token}"})[0]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(favourite, tokens + tokens[:5]))  # five repeat themselves at once

    assert set(statuses) == {200}
    template.refresh_from_db()
    assert template.favorite_count == 20
    assert TemplateFavorite.objects.filter(template=template).count() == 20
