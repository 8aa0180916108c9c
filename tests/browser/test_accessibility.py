"""Every customer page, audited in a real browser at a desktop (1280 x 900) and a phone size
(390 x 844): axe-core (npm, pinned in tests/browser/package.json) finds no serious or critical
violation, the phone layout never scrolls sideways, and the links, buttons and fields of the
main content are touch targets of at least 44 x 44 px. axe is injected through Playwright
(the browser context bypasses the CSP for that injection only: the pages' own CSP is still
checked by tests/browser/test_csp.py)."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, sync_playwright

from shop.services.cart import cart_add
from tests import factories
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import shop as shop_factories

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MIN_TARGET_PX = 44

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# What the audit reports of one page: axe's serious/critical violations, with the nodes.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": "
                  + (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 220))}));
}"""

# Links, buttons and fields of the main content smaller than the minimum target, except links
# inside running text (WCAG 2.5.5's inline exception); a radio button or checkbox is measured
# by its label (the label is its target).
SMALL_TARGETS = """(minimum) => {
  const small = [];
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && getComputedStyle(el).visibility !== "hidden"; };
  const inText = el => el.tagName === "A" && getComputedStyle(el).display === "inline"
    && el.parentElement && el.parentElement.textContent.trim() !== el.textContent.trim();
  const targets = "main a[href], main button, main input:not([type=hidden]), main select, "
    + "main textarea, main summary";
  for (let el of document.querySelectorAll(targets)) {
    if (!visible(el) || inText(el)) continue;
    const box = el.type === "radio" || el.type === "checkbox";
    if (box && el.labels && el.labels.length) el = el.labels[0];
    const r = el.getBoundingClientRect();
    if (r.height < minimum - 0.5 || r.width < minimum - 0.5) {
      small.push(el.tagName.toLowerCase() + (el.name ? "[name=" + el.name + "]" : "")
        + " '" + (el.textContent || el.value || "").trim().slice(0, 30) + "' "
        + Math.round(r.width) + "x" + Math.round(r.height));
    }
  }
  return [...new Set(small)];
}"""

# The innermost elements that reach past the right edge of the window (what to fix).
TOO_WIDE = """() => [...document.querySelectorAll("body *")]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5
    && ![...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 4).map(el => el.tagName.toLowerCase() + "." + el.className + " "
    + Math.round(el.getBoundingClientRect().right) + "px")"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed: run `npm ci --prefix tests/browser` ({AXE})")
    return AXE.read_text()


@pytest.fixture
def audit_page(axe_source: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Page]:
    """A Chromium page that bypasses the CSP so that axe can be injected (the pages' own CSP
    is checked by the other browser tests)."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(bypass_csp=True, locale="en-US", viewport=DESKTOP)
            context.set_default_timeout(30_000)
            yield context.new_page()
        finally:
            browser.close()


def _customer_pages(base: str) -> tuple[list[str], list[str], Any]:
    """(pages seen signed out, pages seen signed in, the customer): every customer page, with
    a design, a cart line and an order so that the pages show their real content."""
    user = factories.user_create(email="ada@example.com")
    design = shop_factories.approved_design_for(user, name="Ada Lovelace")
    order = shop_factories.order_for(user, design=design, sku="MM-PRT-A4")
    cart_add(owner=user, design=design, variant=shop_factories.variant())
    anonymous = [
        reverse("shop:home"),
        reverse("account_signup"),
        reverse("account_login"),
        reverse("account_reset_password"),
        reverse("figures:provenance_check"),
    ]
    customer = [
        reverse("shop:home"),
        reverse("privacy:consent"),
        reverse("figures:studio"),
        reverse("figures:design_new"),
        reverse("figures:design", args=[design.pk]),
        reverse("shop:product", args=[design.pk]),
        reverse("shop:cart"),
        reverse("shop:checkout"),
        reverse("shop:order_list"),
        reverse("shop:order_detail", args=[order.number]),
        reverse("privacy:centre"),
        reverse("privacy:erase"),
        reverse("account_email"),
        reverse("account_change_password"),
    ]
    return anonymous, customer, user


def _log_in(page: Page, base: str, user: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": base, "httpOnly": True}]
    )


def _audit(page: Page, base: str, path: str, axe_source: str, *, phone: bool) -> list[str]:
    response = page.goto(base + path)
    status = response.status if response is not None else None
    assert status is not None and status < 400, f"{path}: HTTP {status}"
    page.add_script_tag(content=axe_source)
    problems = [
        f"{path}: axe {v['impact']} {v['id']}: " + " | ".join(v["nodes"])
        for v in page.evaluate(RUN_AXE)
    ]
    if phone:
        widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            wide = page.evaluate(TOO_WIDE)
            problems.append(f"{path}: scrolls sideways ({widths[0]} > {widths[1]} px): {wide}")
        small = page.evaluate(SMALL_TARGETS, MIN_TARGET_PX)
        problems += [f"{path}: small target {target}" for target in small]
    return problems


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_customer_pages_pass_axe(live_server, audit_page: Page, axe_source: str, viewport) -> None:
    page = audit_page
    base = live_server.url
    page.set_viewport_size(viewport)
    phone = viewport == PHONE
    anonymous, customer, user = _customer_pages(base)
    problems: list[str] = []
    for path in anonymous:
        problems += _audit(page, base, path, axe_source, phone=phone)
    _log_in(page, base, user)
    for path in customer:
        problems += _audit(page, base, path, axe_source, phone=phone)
    assert not problems, "\n".join(problems)


def test_form_errors_are_announced_and_focus_is_visible(live_server, audit_page: Page) -> None:
    """A refused form says so to screen readers (role=alert), and the keyboard reaches the
    content through the skip link with a visible focus ring."""
    page = audit_page
    base = live_server.url
    page.goto(base + reverse("account_login"))
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert skip.is_visible()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.fill("input[name=login]", "nobody@example.com")
    page.fill("input[name=password]", "wrong-password")
    page.locator("main form button[type=submit]").last.click()
    alert = page.locator("main [role=alert]")
    assert alert.count() >= 1
    assert re.search("not correct|incorrect", alert.first.inner_text(), re.I)
