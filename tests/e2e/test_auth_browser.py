"""Session login in headless Chromium: sign up, log out from the nav, log back in.

The server is another process, so the account is created through it (in the browser).
`transactional_db` makes pytest-django create the test database even when this file runs alone,
lets the test read what the server committed, and empties the tables afterwards.
"""

import uuid

from django.db import connection
from playwright.sync_api import expect

from accounts.models import User

PASSWORD = "a-long-and-unusual-passphrase"


def _user_exists(**filters) -> bool:
    """Query, then close the connection at once.

    While Playwright's event loop runs in this thread, Django keeps the ORM connection apart from
    the thread's usual one, and nothing else closes it: left open, it stops the test database from
    being dropped at the end of the session.
    """
    try:
        return User.objects.filter(**filters).exists()
    finally:
        connection.close()


def test_sign_up_log_out_and_log_back_in_with_the_username_in_the_nav(transactional_db, page, live_url):
    suffix = uuid.uuid4().hex[:12]
    email, username = f"e2e-{suffix}@example.com", f"e2e_{suffix}"
    console_errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    nav_user = page.locator(".site-header .nav-user")

    page.goto(live_url + "/accounts/signup")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(live_url + "/")
    expect(nav_user).to_contain_text(username)
    expect(page.locator(".messages")).to_contain_text("confirm your address")
    assert _user_exists(email=email, username=username, email_verified=False)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live_url + "/")
    expect(nav_user).to_have_count(0)
    expect(page.locator(".messages")).to_contain_text("You are logged out.")

    page.get_by_role("link", name="Log in").click()
    page.wait_for_url(live_url + "/accounts/login")
    page.get_by_label("E-mail or username").fill(email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("The e-mail, username or password is wrong.")

    page.get_by_label("E-mail or username").fill(username.upper())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_url + "/")
    expect(nav_user).to_contain_text(username)
    assert console_errors == []
