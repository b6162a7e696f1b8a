"""The notifications page: login required, only your own notifications with the unread ones marked,
mark one or all read, the live script, and the unread badge in the navigation."""

import pytest
from django.utils import timezone

from community.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/community/notifications"


@pytest.fixture
def member(client):
    member = UserFactory(username="me")
    client.force_login(member)
    return member


def _notification(user, title: str, **fields) -> Notification:
    return Notification.objects.create(recipient=user, type="activity_like", title=title, **fields)


def test_the_page_needs_a_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login")


def test_the_page_lists_your_notifications_newest_first_with_unread_marked(client, member):
    _notification(member, "Old and read", read_at=timezone.now())
    unread = _notification(member, "Fresh & unread", body="Line one\nLine two")
    _notification(UserFactory(), "Someone else's")
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Fresh &amp; unread") < html.index("Old and read")
    assert "Someone else&#x27;s" not in html
    assert "Line one<br>Line two" in html
    assert f'data-notification-id="{unread.public_id}"' in html
    assert html.count("notification-unread") == 1
    assert "js/notifications.js" in html
    assert "<span data-notification-count>1</span> unread" in html


def test_unread_true_shows_only_unread_ones(client, member):
    _notification(member, "Read one", read_at=timezone.now())
    _notification(member, "Unread one")
    html = client.get(PAGE, {"unread": "true"}).content.decode()
    assert "Unread one" in html
    assert "Read one" not in html


def test_marking_one_read_changes_it_and_returns_to_the_list(client, member):
    notification = _notification(member, "Unread", url="/progress/goals")
    response = client.post(f"{PAGE}/{notification.public_id}/read")
    assert (response.status_code, response["Location"]) == (302, "/community/notifications")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_marks_read_and_follows_the_link(client, member):
    notification = _notification(member, "Goal", url="/progress/goals")
    response = client.post(f"{PAGE}/{notification.public_id}/read", {"open": "1"})
    assert (response.status_code, response["Location"]) == (302, "/progress/goals")


@pytest.mark.parametrize("url", ["https://evil.example/", "/api/v1/analytics/export/x"])
def test_open_never_leaves_for_another_site_or_the_api(client, member, url):
    notification = _notification(member, "Odd", url=url)
    response = client.post(f"{PAGE}/{notification.public_id}/read", {"open": "1"})
    assert response["Location"] == "/community/notifications"


def test_another_members_notification_is_not_found(client, member):
    theirs = _notification(UserFactory(), "Theirs")
    assert client.post(f"{PAGE}/{theirs.public_id}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_only_yours(client, member):
    _notification(member, "One")
    _notification(member, "Two")
    theirs = _notification(UserFactory(), "Theirs")
    response = client.post(f"{PAGE}/read-all", follow=True)
    assert "Marked 2 notifications read." in response.content.decode()
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post(client, member):
    notification = _notification(member, "Unread")
    assert client.get(f"{PAGE}/{notification.public_id}/read").status_code == 405
    assert client.get(f"{PAGE}/read-all").status_code == 405


def test_the_navigation_links_the_page_with_a_live_badge_for_members_only(client):
    assert "data-notification-badge" not in client.get("/").content.decode()
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert 'href="/community/notifications"' in html
    assert "data-notification-badge" in html
