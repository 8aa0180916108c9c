"""The whole customer journey in a real browser: sign up, verify the email, consent, upload a
selfie, generate through a real Celery worker, watch progress, approve a render."""

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, Response, Route, expect

from figures.models import FigureDesign, JobStatus, Render
from figures.views import renders_by_likeness
from tests import factories

ROOT = Path(__file__).resolve().parent.parent.parent
NAME = "Jürgen Ölmüller"
EMAIL = "juergen@example.com"
PASSWORD = "Umlaut-Pass-2024!xyz"
CONFIRM_LINK = re.compile(r"https?://[^\s/]+(/(?:[a-z]{2}/)?accounts/confirm-email/[^\s]+)")
DESIGN_URL = re.compile(r"/studio/designs/(?P<id>[0-9a-f-]{36})/$")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _wait_for_mail(timeout: float = 15) -> mail.EmailMessage:
    deadline = time.monotonic() + timeout
    while not mail.outbox:
        if time.monotonic() > deadline:
            raise AssertionError("no verification email was sent")
        time.sleep(0.1)
    return mail.outbox[-1]


def test_new_customer_signs_up_generates_and_approves_a_figure(
    live_server, celery_worker_process, browser_page: Page, settings, tmp_path
):
    # The web process (live_server thread) reads these; the worker uses its own defaults,
    # which are the same values.
    settings.MINIME_RENDER_SIZE = 1024
    settings.MINIME_RENDERS_PER_JOB = 4
    page = browser_page
    base = live_server.url

    _sign_up(page, base)
    _follow_the_verification_link(page, base)
    _consent_to_generation(page)
    _fill_in_the_design_form(page, tmp_path)
    status_payloads = _record_status_polls(page)
    design_id, first_html = _generate(page)

    # Progress is brief with the fast stylize backend: the first view of the design page
    # either shows the live progress box (and polls) or the job had already finished.
    progress_seen = 'id="progress"' in first_html
    if progress_seen:
        assert 'data-testid="progress-text"' in first_html
        assert "Generating your figure" in first_html

    renders = _wait_for_the_renders(page, count=4)
    page.unroute_all(behavior="wait")
    _assert_the_progress_only_went_up(page, design_id, status_payloads, progress_seen)
    _assert_the_name_is_as_typed(page, design_id)

    # The page shows the renders best likeness first: the second card shown is approved.
    design = FigureDesign.objects.get(pk=design_id)
    shown = renders_by_likeness(Render.objects.filter(job__design=design))
    _approve(page, renders, index=1)
    design.refresh_from_db()
    assert design.approved_render is not None
    assert design.approved_render == shown[1]
    _save_screenshot(page, "studio-approved.png")


def _sign_up(page: Page, base: str) -> None:
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Become your own action figure")).to_be_visible()
    page.get_by_role("link", name="Sign up").click()
    page.wait_for_url(re.compile(r"/accounts/signup/"))
    page.fill("#id_email", EMAIL)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("form button[type=submit]", has_text=re.compile("sign up", re.I)).click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))


def _follow_the_verification_link(page: Page, base: str) -> None:
    """The link in the verification email confirms the address and logs the customer in."""
    message = _wait_for_mail()
    assert message.to == [EMAIL]
    match = CONFIRM_LINK.search(message.body)
    assert match, message.body
    page.goto(base + match.group(1))  # the same path on the live server, whatever the host
    page.wait_for_url(re.compile(r"/studio/$"))
    expect(page.locator("header.site")).to_contain_text(EMAIL)


def _consent_to_generation(page: Page) -> None:
    """The "Create my figure" link asks for consent first; nothing is ticked in advance."""
    page.get_by_role("link", name="Mini-Me Merch").click()
    page.get_by_role("link", name="Create my figure").click()
    page.wait_for_url(re.compile(r"/privacy/consent/\?next="))
    generation = page.locator("#id_generation")
    training = page.locator("#id_training")
    expect(generation).not_to_be_checked()
    expect(training).not_to_be_checked()
    generation.check()
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_url(re.compile(r"/studio/new/$"))
    expect(page.get_by_text("Thank you. Your choices are saved.")).to_be_visible()


def _fill_in_the_design_form(page: Page, tmp_path: Path) -> None:
    selfie = tmp_path / "astronaut.jpg"
    selfie.write_bytes(factories.portrait_jpeg())
    page.set_input_files("#id_photo", str(selfie))
    page.fill("#id_name", NAME)
    page.fill("#id_tagline", "Chief Coffee Officer")
    page.fill("#id_accessory_1", "coffee mug")
    page.fill("#id_accessory_2", "laptop")
    page.fill("#id_accessory_3", "rubber duck")
    page.get_by_label("Retro 80s").check()
    page.select_option("#id_box_theme", "ocean_blue")


def _record_status_polls(page: Page) -> list[dict[str, Any]]:
    """From now on, a copy of every status JSON the design page receives, in order."""
    status_payloads: list[dict[str, Any]] = []

    def record_status(route: Route) -> None:
        # Pass the poll through unchanged, keeping a copy of the JSON the page received.
        response = route.fetch()
        if response.ok:
            status_payloads.append(response.json())
        route.fulfill(response=response)

    page.route(re.compile(r"/studio/designs/[0-9a-f-]{36}/status/$"), record_status)
    return status_payloads


def _generate(page: Page) -> tuple[str, str]:
    """Submit the design form; returns the new design's id and the first design page's HTML."""

    def is_design_page(response: Response) -> bool:
        return response.request.method == "GET" and bool(
            DESIGN_URL.search(urlsplit(response.url).path)
        )

    with page.expect_response(is_design_page) as first_view:
        page.get_by_role("button", name="Generate my figure").click()
    page.wait_for_url(DESIGN_URL)
    design_match = DESIGN_URL.search(urlsplit(page.url).path)
    assert design_match, page.url
    return design_match.group("id"), first_view.value.text()


def _wait_for_the_renders(page: Page, *, count: int) -> Locator:
    """The renders arrive (the page reloads itself when the job has finished), each one
    labelled as AI-generated and its image loaded."""
    renders = page.locator("figure[data-testid=render]")
    expect(renders).to_have_count(count, timeout=90_000)
    expect(page.locator("#progress")).to_have_count(0)
    for i in range(count):
        figure = renders.nth(i)
        figure.scroll_into_view_if_needed()
        expect(figure.locator(".ai-label")).to_have_text("AI-generated")
        expect(figure.locator("img")).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=figure.locator("img").element_handle(),
        )
    return renders


def _assert_the_progress_only_went_up(
    page: Page, design_id: str, status_payloads: list[dict[str, Any]], progress_seen: bool
) -> None:
    """The status JSON: steps only ever go up, and the job ends with step == total."""
    status_url = f"/studio/designs/{design_id}/status/"
    final = page.evaluate("url => fetch(url, {cache: 'no-store'}).then(r => r.json())", status_url)
    assert final["status"] == JobStatus.SUCCEEDED, final
    assert final["total"] and final["step"] == final["total"]
    assert final["percent"] == 100
    assert len(final["renders"]) == 4
    steps = [p["step"] for p in status_payloads if p.get("job") == final["job"]]
    assert steps == sorted(steps), steps
    if progress_seen:
        assert status_payloads, "the progress box was shown but never polled the status URL"
        # The page reloads only after a poll reported the finished job.
        assert status_payloads[-1]["status"] == JobStatus.SUCCEEDED, status_payloads[-1]
        assert status_payloads[-1]["step"] == status_payloads[-1]["total"] > 0
        assert len(status_payloads[-1]["renders"]) == 4
    polls = [(p["status"], p["step"], p["total"]) for p in status_payloads]
    print(f"progress box shown: {progress_seen}; status polls: {polls}")


def _assert_the_name_is_as_typed(page: Page, design_id: str) -> None:
    """The name exactly as typed, umlauts and all."""
    heading = page.locator("h1").first
    assert heading.evaluate("h => h.firstChild.textContent.trim()") == NAME
    assert page.title() == NAME
    assert FigureDesign.objects.get(pk=design_id).name == NAME


def _approve(page: Page, renders: Locator, *, index: int) -> None:
    chosen = renders.nth(index)
    with page.expect_navigation(url=DESIGN_URL):
        chosen.get_by_role("button", name="Approve this one").click()
    expect(page.get_by_text("Approved! Your figure design is ready.")).to_be_visible()
    approved = page.locator("figure.render.approved")
    expect(approved).to_have_count(1)
    expect(approved.locator("strong")).to_have_text("Approved")
    expect(page.get_by_role("button", name="Approve this one")).to_have_count(0)


def _save_screenshot(page: Page, name: str) -> None:
    for target in (ROOT / "test-artifacts" / name, Path("/tmp") / name):
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
