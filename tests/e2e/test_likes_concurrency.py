"""Like counts stay exact under concurrent requests, over real HTTP on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from community.models import Activity, Like
from tests.e2e.conftest import http
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_concurrent_likes_from_fifty_users_count_exactly_fifty(live_url):
    activity = Activity.objects.create(author=UserFactory(), type="post", text="Like me", visibility="public")
    tokens = [str(AccessToken.for_user(UserFactory(email_verified=True))) for _ in range(50)]
    url = f"{live_url}/api/v1/community/activities/{activity.public_id}/like"

    def like(token: str) -> int:
        return http("POST", url, {}, headers={"Authorization": f"Bearer {token}"})[0]

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(like, tokens + tokens[:10]))  # ten like twice at once

    assert set(statuses) == {200}
    activity.refresh_from_db()
    assert activity.like_count == 50
    assert Like.objects.filter(activity=activity).count() == 50
