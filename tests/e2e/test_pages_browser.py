"""Pages in headless Chromium: the home page, its mobile menu and the offline Swagger UI."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _record_requests(page) -> list[str]:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    return requested


def _hosts(urls: list[str]) -> set[str]:
    return {urlsplit(url).netloc for url in urls if not url.startswith(("data:", "blob:"))}


def test_home_page_renders_with_its_own_assets_only(page, live_url):
    requested = _record_requests(page)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(live_url + "/")
    assert page.locator("h1").inner_text().startswith("Your training")
    assert page.locator(".card").count() == 6
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).position") == "sticky"
    assert _hosts(requested) == {urlsplit(live_url).netloc}
    assert errors == []


def test_menu_opens_on_a_phone_screen(page, live_url):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_url + "/")
    links = page.locator(".nav-links")
    assert not links.is_visible()
    page.locator(".nav-toggle-label").click()
    assert links.is_visible()


def test_swagger_ui_renders_the_schema_without_leaving_the_machine(page, live_url):
    requested = _record_requests(page)
    page.goto(live_url + "/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for(timeout=15_000)
    assert "FitAI API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/ping").first.wait_for()
    assert _hosts(requested) == {urlsplit(live_url).netloc}
