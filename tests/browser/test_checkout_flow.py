"""Checkout and card payment in a real browser against localstripe: merch page, cart, checkout,
a declined card, then a good one; the order is marked paid by localstripe's signed webhook to
the live server. The pay page uses localstripe's stand-in Stripe.js and the development bridge
(createToken + shop:order_pay_confirm), and 3-D Secure runs in localstripe's modal."""

import re
import time
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from shop.models import Order, OrderStatus, WebhookEvent
from tests import factories
from tests.conftest import LOCALSTRIPE_WEBHOOK_SECRET
from tests.factories.shop import approved_design_for, order_for
from tests.shop.test_payments import DECLINED, VISA, _configure_webhook, _webhook_off, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
THREE_D_SECURE = "4000002500003155"
PAY_URL = re.compile(r"/orders/(?P<number>[^/]+)/pay/$")
COMPLETE_URL = re.compile(r"/orders/[^/]+/complete/$")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def shop_on_localstripe(stripe_settings, localstripe, live_server):
    """The live server's shop talks to localstripe (keys, API base, its Stripe.js) and
    localstripe sends its signed webhooks to the live server."""
    _webhook_off(localstripe)
    time.sleep(1.2)  # events of earlier tests go out (to nowhere) first
    url = live_server.url + reverse("shop_stripe:webhook")
    _configure_webhook(localstripe, url=url, secret=LOCALSTRIPE_WEBHOOK_SECRET)
    yield live_server.url
    _webhook_off(localstripe)


def log_in(page: Page, base: str, user) -> None:
    page.goto(base + reverse("account_login"))
    page.fill("#id_login", user.email)
    page.fill("#id_password", factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/studio/$"))


def enter_card(page: Page, number: str) -> None:
    """localstripe's card Element: plain inputs (placeholders number, exp_month, exp_year,
    cvc, postal_code) in the mounted div; the number is 16 digits without spaces."""
    element = page.locator("#card-element")
    expect(element).to_contain_text("localstripe")
    for field, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "10115"),
    ):
        element.locator(f"input[placeholder={field}]").fill(value)


def save_screenshot(page: Page, name: str) -> None:
    for target in (ROOT / "test-artifacts" / name, Path("/tmp") / name):
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)


def test_customer_orders_a_box_is_declined_then_pays_and_sees_paid(
    shop_on_localstripe, browser_page: Page
):
    base = shop_on_localstripe
    page = browser_page
    user = factories.user_create()
    design = approved_design_for(user, name="Jürgen Ölmüller")
    log_in(page, base, user)

    # --- merch page: the blister-pack box, standard size -----------------------------------
    page.goto(base + reverse("shop:product", args=[design.pk]))
    box = page.get_by_test_id("product-blister-box")
    box.get_by_label(re.compile(r"Standard \(18 cm\)")).check()
    box.get_by_test_id("add-to-cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    expect(
        page.get_by_text("Added to your cart: Blister-pack box Standard (18 cm).")
    ).to_be_visible()

    # --- checkout: address in Germany, standard shipping ------------------------------------
    page.get_by_test_id("checkout").click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    with page.expect_navigation():  # a country change re-prices the summary (reload)
        page.select_option("#id_country", "DE")
    expect(page.locator("#id_country")).to_have_value("DE")
    expect(page.locator("#id_email")).to_have_value(user.email)
    page.fill("#id_full_name", "Jürgen Ölmüller")
    page.fill("#id_address_line1", "Hauptstraße 1")
    page.fill("#id_postcode", "10115")
    page.fill("#id_city", "Berlin")
    standard = page.get_by_test_id("shipping-methods").get_by_label(re.compile(r"Standard ·"))
    if not standard.is_checked():
        with page.expect_navigation():
            standard.check()
    expect(standard).to_be_checked()
    expect(page.locator("#id_full_name")).to_have_value("Jürgen Ölmüller")
    page.get_by_test_id("place-order").click()
    page.wait_for_url(PAY_URL)
    paying = PAY_URL.search(page.url)
    assert paying is not None
    number = paying.group("number")
    order = Order.objects.get(number=number, owner=user)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.country == "DE"
    assert order.shipping_method_name == "Standard"
    expect(page.get_by_test_id("pay-total")).to_have_text(f"{order.total_gross:.2f} EUR")

    # --- a declined card: the message, and the order stays payable --------------------------
    button = page.get_by_test_id("pay-button")
    expect(button).to_be_enabled()
    enter_card(page, DECLINED)
    button.click()
    expect(page.get_by_test_id("card-errors")).to_have_text("Your card was declined.")
    expect(button).to_be_enabled()
    assert PAY_URL.search(page.url)
    assert wait_for(
        lambda: WebhookEvent.objects.filter(type="payment_intent.payment_failed").exists()
    )
    order.refresh_from_db()
    assert order.is_payable
    save_screenshot(page, "checkout-declined.png")

    # --- a good card: the complete page shows "Paid" once the webhook has arrived -----------
    enter_card(page, VISA)
    button.click()
    page.wait_for_url(COMPLETE_URL)
    expect(page.get_by_test_id("order-status")).to_have_text("Paid", timeout=20_000)
    expect(page.get_by_test_id("status-note")).to_have_text(
        "We have sent you a confirmation email."
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.status_changes.last().reason.startswith("stripe evt_")
    assert [p.status for p in order.payments.order_by("pk")] == ["canceled", "succeeded"]
    save_screenshot(page, "checkout-paid.png")


def test_three_d_secure_is_authenticated_in_localstripes_modal(
    shop_on_localstripe, browser_page: Page
):
    base = shop_on_localstripe
    page = browser_page
    user = factories.user_create()
    order = order_for(user)
    log_in(page, base, user)
    page.goto(base + reverse("shop:order_pay", args=[order.number]))
    button = page.get_by_test_id("pay-button")

    # Failed authentication: an error, and the same order can be paid again.
    enter_card(page, THREE_D_SECURE)
    button.click()
    page.get_by_role("button", name="Fail authentication").click()
    expect(page.get_by_test_id("card-errors")).to_have_text(
        "The provided PaymentMethod has failed authentication."
    )
    expect(button).to_be_enabled()

    enter_card(page, THREE_D_SECURE)
    button.click()
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(COMPLETE_URL)
    expect(page.get_by_test_id("order-status")).to_have_text("Paid", timeout=20_000)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.count() == 1
