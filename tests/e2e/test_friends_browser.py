"""Friends in headless Chromium: one member finds another, asks, the other accepts, both see it.

The server is another process, so both accounts are created through it: one in the browser on
the sign-up page, the other over the API. Each member has a browser context (cookies) of their own.
"""

import uuid

import pytest
from django.db import connection
from playwright.sync_api import expect

from accounts.models import Friendship, User
from tests.e2e.conftest import http

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-and-unusual-passphrase"


def _friendship_status(a: str, b: str) -> str | None:
    """The stored status between two usernames; the connection is closed at once (see test_auth_browser)."""
    try:
        users = {user.username: user.pk for user in User.objects.filter(username__in=[a, b])}
        low, high = sorted(users.values())
        row = Friendship.objects.filter(user_low=low, user_high=high).first()
        return row.status if row else None
    finally:
        connection.close()


def test_a_member_finds_another_asks_and_both_become_friends(page, live_url):
    suffix = uuid.uuid4().hex[:10]
    ana, bea = f"ana_{suffix}", f"bea_{suffix}"
    console_errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    status, body, _headers = http(
        "POST",
        live_url + "/api/v1/auth/register",
        {
            "email": f"{bea}@example.com",
            "username": bea,
            "password": PASSWORD,
            "first_name": "Bea",
            "last_name": "Brook",
        },
    )
    assert status == 201, body

    # Ana signs up in the browser and finds Bea.
    page.goto(live_url + "/accounts/signup")
    page.get_by_label("E-mail address").fill(f"{ana}@example.com")
    page.get_by_label("Username").fill(ana)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Ash")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(live_url + "/")
    page.get_by_role("link", name="Friends", exact=True).click()
    page.wait_for_url(live_url + "/accounts/friends")
    expect(page.locator(".people-empty")).to_contain_text("No friends yet.")

    page.goto(live_url + "/accounts/friends/search")
    page.get_by_label("Name, username, place or interest").fill(bea)
    page.get_by_role("button", name="Search").click()
    card = page.locator(".person", has_text=f"@{bea}")
    expect(card).to_contain_text("Bea Brook")
    expect(card.locator(".person-actions")).to_have_attribute("data-friendship-status", "none")
    assert f"{bea}@example.com" not in page.content()
    card.get_by_role("button", name="Add friend").click()
    expect(page.locator(".messages")).to_contain_text(f"Friend request sent to @{bea}.")
    assert page.url.endswith(f"/accounts/friends/search?q={bea}")
    expect(card.locator(".person-actions")).to_have_attribute("data-friendship-status", "request_sent")
    assert _friendship_status(ana, bea) == Friendship.Status.PENDING

    # Bea logs in in a browser of her own and accepts.
    bea_page = page.context.browser.new_context().new_page()
    bea_page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    bea_page.goto(live_url + "/accounts/login")
    bea_page.get_by_label("E-mail or username").fill(bea)
    bea_page.get_by_label("Password", exact=True).fill(PASSWORD)
    bea_page.get_by_role("button", name="Log in").click()
    bea_page.wait_for_url(live_url + "/")
    bea_page.goto(live_url + "/accounts/friends")
    expect(bea_page.locator(".tabs")).to_contain_text("Incoming requests 1")
    bea_page.get_by_role("link", name="Incoming requests").click()
    bea_page.wait_for_url(live_url + "/accounts/friends?tab=incoming")
    request = bea_page.locator(".person", has_text=f"@{ana}")
    expect(request).to_contain_text("Ana Ash")
    request.get_by_role("button", name="Accept").click()
    expect(bea_page.locator(".messages")).to_contain_text(f"You and @{ana} are now friends.")
    expect(bea_page.locator(".people-empty")).to_contain_text("No one is waiting.")
    assert _friendship_status(ana, bea) == Friendship.Status.ACCEPTED

    # Both see each other under Friends.
    bea_page.get_by_role("link", name="Friends", exact=True).first.click()
    expect(bea_page.locator(".person", has_text=f"@{ana}")).to_contain_text("Friends since")
    page.goto(live_url + "/accounts/friends?tab=friends")
    expect(page.locator(".person", has_text=f"@{bea}")).to_contain_text("Bea Brook")
    expect(page.locator(".person")).to_have_count(1)
    assert console_errors == []
