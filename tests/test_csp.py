"""Content-Security-Policy (django-csp, config/settings.py): every page is served with a policy
that allows no inline code and no framing, only the pay page adds Stripe.js, and neither the
templates nor the pages the views render carry inline scripts, styles or event handlers."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from privacy.models import DataSubjectRequest
from shop.csp import stripe_sources
from shop.services.cart import cart_add
from tests import factories
from tests.factories import printing as print_factories
from tests.factories import shop as shop_factories

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = sorted(ROOT.glob("*/templates"))  # each app ships its own
# Emails are not pages: no browser applies the site's policy to them, and mail clients need
# inline styles.
EMAIL_TEMPLATES = ROOT / "shop" / "templates" / "shop" / "email"


class InlineCodeFinder(HTMLParser):
    """Inline scripts (json_script's application/json data is no script), <style> elements,
    style attributes and on* event handler attributes of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        is_data = attributes.get("type") == "application/json"
        if tag == "script" and "src" not in attributes and not is_data:
            self.found.append(self.get_starttag_text() or tag)
        if tag == "style":
            self.found.append("<style>")
        for name, _value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(self.get_starttag_text() or tag)


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_templates_hold_no_inline_scripts_styles_or_handlers():
    offenders = []
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            if template.is_relative_to(EMAIL_TEMPLATES):
                continue
            text = re.sub(r"{%.*?%}|{{.*?}}", "", template.read_text(), flags=re.S)
            offenders += [f"{template.relative_to(ROOT)}: {tag}" for tag in inline_code(text)]
    assert offenders == []


@pytest.mark.django_db
def test_pages_are_served_with_a_policy_without_inline_code_or_framing(client):
    response = client.get(reverse("shop:home"))

    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "stripe" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_pay_page_alone_allows_localstripes_stripe_js(user_client, stripe_settings):
    order = shop_factories.order_for(user_client.user)

    pay = user_client.get(reverse("shop:order_pay", args=[order.number]))
    detail = user_client.get(reverse("shop:order_detail", args=[order.number]))

    assert pay.status_code == 200
    policy = directives(pay["Content-Security-Policy"])
    origin = stripe_settings.MINIME_STRIPE_API_BASE
    assert policy["script-src"] == ["'self'", origin]
    assert policy["connect-src"] == ["'self'", origin]
    assert policy["frame-ancestors"] == ["'none'"]
    assert inline_code(pay.text) == []
    assert origin not in detail["Content-Security-Policy"]


def test_real_stripe_gets_its_script_frame_and_api_origins():
    sources = stripe_sources(js_url="https://js.stripe.com/v3/", api_base=None)

    assert sources["script-src"] == ["https://js.stripe.com", "https://*.js.stripe.com"]
    assert "https://hooks.stripe.com" in sources["frame-src"]
    assert sources["connect-src"] == ["https://api.stripe.com"]


@pytest.mark.django_db
def test_customer_pages_render_without_inline_code(client, user_client, stripe_settings):
    user = user_client.user
    design = shop_factories.approved_design_for(user)
    pending = factories.design_for(user, name="Pending")
    order = shop_factories.order_for(user, design=design)
    cart_add(owner=user, design=design, variant=shop_factories.variant(), quantity=1)
    urls = [
        reverse("shop:home"),
        reverse("figures:studio"),
        reverse("figures:design_new"),
        reverse("figures:design", args=[design.pk]),
        reverse("figures:design", args=[pending.pk]),
        reverse("shop:product", args=[design.pk]),
        reverse("shop:cart"),
        reverse("shop:checkout"),
        reverse("shop:order_list"),
        reverse("shop:order_detail", args=[order.number]),
        reverse("shop:order_pay", args=[order.number]),
        reverse("shop:order_complete", args=[order.number]),
        reverse("privacy:centre"),
        reverse("privacy:erase"),
    ]

    offenders = {}
    for url in urls:
        response = user_client.get(url)
        assert response.status_code == 200, url
        offenders[url] = inline_code(response.text)
    for url in (reverse("account_login"), reverse("account_signup")):
        offenders[url] = inline_code(client.get(url).text)

    assert {url: found for url, found in offenders.items() if found} == {}


@pytest.mark.django_db
def test_the_csrf_failure_page_has_no_inline_style(user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)

    response = browser.post(reverse("privacy:export_request"))

    assert response.status_code == 403
    assert "CSRF" in response.text
    assert inline_code(response.text) == []


@pytest.mark.django_db
@pytest.mark.printing
def test_staff_admin_pages_render_without_inline_code(admin_client):
    order = print_factories.paid_order(sku="MM-STK-A5")
    print_factories.ready(order, preflight={"ok": False, "warnings": ["low resolution"]})
    order.needs_attention = True
    order.attention_reason = "check me"
    order.save(update_fields=["needs_attention", "attention_reason"])
    DataSubjectRequest.objects.create(
        kind="access",
        email="late@example.com",
        received_at=timezone.now() - timedelta(days=60),
        deadline=timezone.localdate() - timedelta(days=20),
    )
    urls = [
        reverse("admin:index"),
        reverse("admin:shop_order_changelist"),
        reverse("admin:shop_order_change", args=[order.pk]),
        reverse("admin:printing_productionorder_changelist"),
        reverse("admin:printing_productionorder_change", args=[order.pk]),
        reverse("admin:printing_printitem_changelist"),
        reverse("admin:privacy_datasubjectrequest_changelist"),
    ]

    offenders = {}
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        offenders[url] = inline_code(response.text)

    assert {url: found for url, found in offenders.items() if found} == {}
