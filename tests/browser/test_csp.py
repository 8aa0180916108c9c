"""The browser tests' CSP watch catches a real violation: inline code on a page served with the
site's Content-Security-Policy is refused by Chromium and recorded (browser_page then fails)."""

import pytest
from playwright.sync_api import Page

pytestmark = [
    pytest.mark.browser,
    # Like every browser test: a plain transactional flush would break their restored catalog.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_inline_script_and_style_on_a_shop_page_are_refused_and_recorded(
    live_server, chromium: tuple[Page, list[str]]
):
    page, violations = chromium
    page.goto(live_server.url + "/")
    assert violations == []  # the home page itself keeps the policy

    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true;";
        document.body.appendChild(script);
        const box = document.createElement("div");
        box.innerHTML = '<p style="color: red">styled</p>';
        document.body.appendChild(box);
    }"""
    )
    page.wait_for_function("() => document.querySelector('p[style]') !== null")
    page.wait_for_timeout(300)  # violation events are dispatched asynchronously

    assert page.evaluate("() => window.inlineRan === true") is False
    assert any("script-src" in v for v in violations), violations
    assert any("style-src" in v for v in violations), violations


def test_the_language_switch_works_without_an_inline_handler(live_server, browser_page: Page):
    page = browser_page
    page.goto(live_server.url + "/")

    page.select_option("select[name=language]", "de")

    page.wait_for_url(live_server.url + "/de/")
    assert page.locator("html").get_attribute("lang") == "de"
