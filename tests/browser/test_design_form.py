"""The design form in a real browser: the print checks answer while the customer types, and a
refused form moves focus to its error summary (all under the page's CSP)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_unprintable_name_is_reported_while_typing(live_server, browser_page: Page):
    page, base = browser_page, live_server.url
    user = factories.user_create()
    page.goto(base + reverse("account_login"))
    page.fill("#id_login", user.email)
    page.fill("#id_password", factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/studio/$"))
    page.goto(base + reverse("figures:design_new"))
    expect(page.get_by_label("Action figure")).to_be_checked()  # the style is preselected

    # When the customer types a name with an emoji
    name = page.locator("#id_name")
    name.press_sequentially("Bob 😀", delay=20)

    # Then the print check says why, next to the field, before anything is sent
    live = page.locator("#id_name_live")
    expect(live).to_have_text("Emoji cannot be printed on the box: 😀 (U+1F600).")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_attribute("aria-describedby", re.compile(r"\bid_name_live\b"))
    expect(page.locator("#id_name_count")).to_contain_text("of 24 characters")

    # ...and mending it clears the message
    name.fill("Bob")
    expect(live).to_have_text("")
    expect(name).not_to_have_attribute("aria-invalid", "true")

    # When the form is sent without a photo, the error summary takes the focus
    page.get_by_role("button", name="Generate my figure").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("Your photo")).click()
    expect(page.locator("#id_photo")).to_be_focused()
