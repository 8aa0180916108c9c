"""The privacy centre in a real browser, with a real Celery worker building the export and
running the erasure: toggle training consent, download the export, erase the account."""

import re
import time
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from figures.models import Photo
from privacy.models import ConsentRecord, Purpose
from tests import factories
from tests.factories import shop as shop_factories

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _reload_until_visible(page: Page, testid: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not page.get_by_test_id(testid).is_visible():
        if time.monotonic() > deadline:
            raise AssertionError(f"{testid} did not appear:\n{page.content()[-3000:]}")
        time.sleep(0.5)
        page.reload()


def _wait_until(check, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.3)


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + reverse("account_login"))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form button[type=submit]", has_text=re.compile("sign in|log in", re.I)).click()


def test_customer_exports_and_erases_their_data(
    live_server, celery_worker_process, browser_page: Page, tmp_path
):
    page = browser_page
    base = live_server.url
    user = factories.user_create(email="erika@example.com")
    design = shop_factories.approved_design_for(user)
    photo_url = reverse("figures:photo_image", args=[design.photo_id])
    user_pk = user.pk

    # --- log in, open the privacy centre from the menu ----------------------------------
    _log_in(page, base, user.email)
    page.wait_for_url(re.compile(r"/studio/$"))
    page.get_by_test_id("nav-privacy").click()
    page.wait_for_url(re.compile(r"/privacy/$"))
    expect(page.get_by_role("heading", name="Privacy centre")).to_be_visible()
    expect(page.locator(f"img[src='{photo_url}']")).to_be_visible()
    assert page.request.get(base + photo_url).status == 200  # the owner sees the photo

    # --- training consent on, with one click --------------------------------------------
    training = page.get_by_test_id("consent-training")
    expect(training.get_by_test_id("consent-training-state")).to_have_text("Off")
    training.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("consent-training-state")).to_have_text("On")
    latest = ConsentRecord.objects.filter(user_id=user_pk, purpose=Purpose.TRAINING).first()
    assert latest is not None and latest.granted and latest.method == "privacy_centre"

    # --- export: requested, built by the worker, downloaded once ------------------------
    page.get_by_role("button", name="Request my data").click()
    expect(page.get_by_test_id("export-status")).to_be_visible()
    _reload_until_visible(page, "export-download")
    for target in (ROOT / "test-artifacts" / "privacy-centre.png", Path("/tmp/privacy-centre.png")):
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
    with page.expect_download() as info:
        page.get_by_test_id("export-download").click()
    saved = tmp_path / "export.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "data.json" in archive.namelist()
        assert user.email.encode() in archive.read("data.json")

    # --- erase: password first, then a receipt, logged out -------------------------------
    page.goto(base + reverse("privacy:centre"))
    page.get_by_role("link", name=re.compile("Erase my data")).click()
    page.fill("input[name=password]", "not-my-password")
    page.get_by_role("button", name="Erase my data now").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    page.fill("input[name=password]", factories.PASSWORD)
    page.get_by_role("button", name="Erase my data now").click()
    page.wait_for_url(re.compile(r"/privacy/erase/receipt/$"))
    expect(page.get_by_test_id("receipt-id")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("header.site")).not_to_contain_text(user.email)
    page.screenshot(path=str(ROOT / "test-artifacts" / "privacy-erasure-receipt.png"))

    users = get_user_model().objects
    _wait_until(lambda: not users.filter(pk=user_pk).exists())
    assert not Photo.objects.filter(pk=design.photo_id).exists()

    # --- the login is gone, and so is the photo -------------------------------------------
    _log_in(page, base, user.email)
    expect(page.locator("form[action$='/accounts/login/']")).to_contain_text(
        re.compile("not correct|incorrect", re.I)
    )
    assert "/studio/" not in page.url
    other = Client()
    other.force_login(factories.user_create())
    assert other.get(photo_url).status_code == 404
