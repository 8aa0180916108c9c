"""Playwright (sync API) driving Debian's Chromium; never `playwright install`. Every test that
uses browser_page fails if a page broke the Content-Security-Policy (an inline script or style,
a source the policy does not list)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000  # generation goes through a real worker on a small machine
# Chromium writes "... violates the following Content Security Policy directive ..." to the
# console; the listener below also reports each violation event, in every frame, there.
CSP_MARKER = "Content Security Policy"
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.effectiveDirective + " blocked "
    + (event.blockedURI || "inline code") + " in " + event.documentURI
    + (event.sourceFile ? " (" + event.sourceFile + ":" + event.lineNumber + ")" : ""));
});
"""


@pytest.fixture
def browser_page(chromium: tuple[Page, list[str]]) -> Iterator[Page]:
    """A fresh Chromium page; the test fails at teardown if any page of it broke the CSP."""
    page, violations = chromium
    yield page
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))


def _record_csp_violation(message: ConsoleMessage, violations: list[str]) -> None:
    if CSP_MARKER in message.text:
        violations.append(f"{message.type}: {message.text}")


@pytest.fixture
def chromium(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Page, list[str]]]:
    """A fresh Chromium (own temp user-data-dir) and one page, with the CSP violations its
    pages reported so far (a list that grows); closed afterwards."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an asyncio loop in this thread; the test's own ORM checks
    # are plain blocking calls, so let Django allow them (this process only, this test only).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    user_data_dir = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            locale="en-US",
            viewport={"width": 1280, "height": 900},
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            context.set_default_navigation_timeout(TIMEOUT_MS)
            violations: list[str] = []
            context.add_init_script(REPORT_CSP_VIOLATIONS)
            context.on("console", lambda message: _record_csp_violation(message, violations))
            page = context.pages[0] if context.pages else context.new_page()
            yield page, violations
        finally:
            context.close()
