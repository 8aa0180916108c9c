"""The customer journey in a host project built only from the wheel.

scripts/plugin-check.sh runs this inside the host's fresh venv, from a copy outside the
repository, with the host on PYTHONPATH: sign up, verify the email, consent, upload a selfie,
generate (Celery eager, the stylize CPU backend), approve a render, add a print to the cart,
check out, and open the pay page, whose PaymentIntent must exist in localstripe. Django's test
client with CSRF checks on; every form is filled from the page as a customer sees it
(forms.py). Exits 1 naming the step that failed.

    python journey.py PHOTO.jpg
"""

import json
import os
import re
import sys
import time
import traceback
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from forms import Form, forms_of

EMAIL = "jurgen.plugin@example.com"
PASSWORD = "Umlaut-Pass-2024!xyz"  # noqa: S105 (a throwaway account)
FIGURE_NAME = "Jürgen Ölmüller"
PLUGIN_PACKAGES = ("core", "privacy", "figures", "shop", "printing")
PRINT_SKU = "MM-PRT-A4"  # seeded by shop's migrations: a shippable art print
UUID = r"[0-9a-f-]{36}"


class CheckFailed(Exception):
    pass


def expect(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Journey:
    def __init__(self, photo: Path) -> None:
        from django.test import Client

        self.photo = photo
        self.client = Client(enforce_csrf_checks=True)
        self.state: dict[str, Any] = {}

    # --- helpers ------------------------------------------------------------------------------

    def get(self, url: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.client.get(url, **kwargs)
        expect(
            response.status_code == status,
            f"GET {url} answered {response.status_code}, expected {status}",
        )
        return response

    def submit(self, form: Form, status: int = 302, **values: Any) -> Any:
        url = form.action
        response = self.client.post(url, form.data(**values))
        if response.status_code != status:
            body = response.content.decode(errors="replace")
            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)</', body, re.S)
            raise CheckFailed(
                f"POST {url} answered {response.status_code}, expected {status}; "
                f"errors on the page: {[e.strip() for e in errors if e.strip()][:5]}"
            )
        return response

    def form(self, response: Any, match: Callable[[Form], bool], what: str) -> Form:
        url = response.wsgi_request.get_full_path()
        found = [f for f in forms_of(response.content.decode(), url) if match(f)]
        expect(found, f"no {what} form on {url}")
        return found[0]

    def signed_in(self) -> bool:
        return "_auth_user_id" in self.client.session

    # --- steps --------------------------------------------------------------------------------

    def installed_from_wheel(self) -> str:
        import importlib
        import importlib.util

        from django.contrib.auth import get_user_model

        for name in PLUGIN_PACKAGES:
            module = importlib.import_module(name)
            where = str(Path(module.__file__ or "").resolve())
            expect("site-packages" in where, f"{name} is imported from {where}, not the wheel")
        expect(
            importlib.util.find_spec("config") is None,
            "a `config` package is importable: the wheel must not ship the demo host",
        )
        label = get_user_model()._meta.label
        expect(label == "accounts.User", f"the user model is {label}, not the host's")
        return f"plugin packages from site-packages; user model {label}"

    def home(self) -> str:
        from django.urls import reverse

        response = self.get(reverse("shop:home"))
        origins = {t.name: getattr(t.origin, "name", "") for t in response.templates if t.name}
        expect("shop/home.html" in origins, f"the home page used {sorted(origins)}")
        expect(
            "site-packages" in str(origins["shop/home.html"]),
            f"shop/home.html came from {origins['shop/home.html']}",
        )
        return f"{len(origins)} templates from the wheel"

    def sign_up(self) -> str:
        from django.core import mail
        from django.urls import reverse

        page = self.get(reverse("account_signup"))
        form = self.form(page, lambda f: "password1" in f.fields, "sign-up")
        self.submit(form, email=EMAIL, password1=PASSWORD, password2=PASSWORD)
        expect(mail.outbox, "sign-up sent no verification email")
        expect(mail.outbox[-1].to == [EMAIL], f"the email went to {mail.outbox[-1].to}")
        return "verification email sent"

    def verify_email(self) -> str:
        from django.core import mail
        from django.urls import reverse

        body = str(mail.outbox[-1].body)
        link = re.search(r"https?://[^\s/]+(/\S*confirm-email/\S+)", body)
        expect(link, f"no confirmation link in the email:\n{body}")
        assert link is not None
        page = self.client.get(link.group(1))
        if page.status_code == 200:  # confirm by POST (allauth's default)
            # The form's key is signed again when the page renders, with that second's
            # timestamp: it differs from the emailed one whenever a second has passed.
            form = self.form(page, lambda f: "/confirm-email/" in f.action, "email confirmation")
            self.submit(form)
        else:
            expect(page.status_code == 302, f"the confirmation link answered {page.status_code}")
        if not self.signed_in():
            login = self.get(reverse("account_login"))
            form = self.form(login, lambda f: "password" in f.fields, "login")
            self.submit(form, login=EMAIL, password=PASSWORD)
        expect(self.signed_in(), "not signed in after confirming the email and logging in")
        return "email confirmed, signed in"

    def consent(self) -> str:
        from django.urls import reverse

        new = reverse("figures:design_new")
        gate = self.get(new, status=302)
        expect(
            reverse("privacy:consent") in gate["Location"],
            f"the studio sent an account without consent to {gate['Location']}",
        )
        page = self.get(gate["Location"])
        form = self.form(page, lambda f: "generation" in f.checkboxes, "consent")
        expect(not any(form.checkboxes.values()), "a consent box is ticked in advance")
        response = self.submit(form, generation="on")
        expect(response["Location"] == new, f"consent went on to {response['Location']}")
        return "generation consent recorded"

    def upload_and_generate(self) -> str:
        from django.urls import reverse

        page = self.get(reverse("figures:design_new"))
        form = self.form(page, lambda f: "photo" in f.files, "new design")
        started = time.monotonic()
        with self.photo.open("rb") as photo:
            response = self.submit(
                form,
                photo=photo,
                name=FIGURE_NAME,
                tagline="Chief Coffee Officer",
                accessory_1="coffee mug",
                style=form.choices["style"][0],
                box_theme=form.fields.get("box_theme") or form.choices["box_theme"][0],
            )
        match = re.search(rf"/designs/({UUID})/$", response["Location"])
        expect(match, f"the design form went on to {response['Location']}")
        assert match is not None
        self.state["design_id"] = match.group(1)
        took = time.monotonic() - started
        return f"design {match.group(1)} (upload + eager generation {took:.1f} s)"

    def renders(self) -> str:
        from django.urls import reverse

        design_id = self.state["design_id"]
        status = self.get(reverse("figures:design_status", args=[design_id])).json()
        expect(status["status"] == "succeeded", f"the generation job ended {status}")
        expect(status["renders"], "the job succeeded without renders")
        image = self.get(status["renders"][0])
        body = b"".join(image.streaming_content)
        expect(body.startswith(b"\x89PNG"), "a render is not a PNG")
        return f"{len(status['renders'])} renders; the first streams as a {len(body)}-byte PNG"

    def approve(self) -> str:
        from django.urls import reverse

        design_url = reverse("figures:design", args=[self.state["design_id"]])
        page = self.get(design_url)
        approve = re.compile(rf"/renders/{UUID}/approve/$")
        form = self.form(page, lambda f: bool(approve.search(f.action)), "approve")
        response = self.submit(form)
        expect(response["Location"] == design_url, f"approve went on to {response['Location']}")
        self.get(design_url)  # shows the success message once
        from figures.models import FigureDesign

        design = FigureDesign.objects.get(pk=self.state["design_id"])
        expect(design.approved_render_id, "the design has no approved render")
        return "render approved"

    def add_to_cart(self) -> str:
        from django.urls import reverse

        from shop.models import ProductVariant

        variant = ProductVariant.objects.get(sku=PRINT_SKU)
        page = self.get(reverse("shop:product", args=[self.state["design_id"]]))
        form = self.form(
            page, lambda f: f.fields.get("product") == str(variant.product_id), "add-to-cart"
        )
        expect(str(variant.pk) in form.choices.get("variant", []), f"{PRINT_SKU} is not offered")
        response = self.submit(form, variant=str(variant.pk), quantity="1")
        expect(response["Location"] == reverse("shop:cart"), "adding went elsewhere")
        cart = self.get(reverse("shop:cart")).content.decode()
        expect(FIGURE_NAME in cart, "the cart does not show the figure")
        return f"{PRINT_SKU} in the cart"

    def checkout(self) -> str:
        from django.urls import reverse

        page = self.get(reverse("shop:checkout"))
        form = self.form(page, lambda f: "address_line1" in f.fields, "checkout")
        shipping = [c for c in form.choices.get("shipping_method", []) if c]
        expect(shipping, "the checkout offers no shipping method for Germany")
        response = self.submit(
            form,
            full_name=FIGURE_NAME,
            address_line1="Hauptstraße 1",
            postcode="10115",
            city="Berlin",
            country="DE",
            shipping_method=form.fields.get("shipping_method") or shipping[0],
        )
        match = re.search(r"/orders/([^/]+)/pay/$", response["Location"])
        expect(match, f"the checkout went on to {response['Location']}")
        assert match is not None
        self.state["order"] = match.group(1)
        return f"order {match.group(1)} placed"

    def pay_page(self) -> str:
        from django.conf import settings
        from django.urls import reverse

        from shop.models import Order

        page = self.get(reverse("shop:order_pay", args=[self.state["order"]]))
        config = re.search(
            r'<script id="stripe-config" type="application/json">(.*?)</script>',
            page.content.decode(),
            re.S,
        )
        expect(config, "the pay page has no Stripe configuration")
        assert config is not None
        secret = json.loads(config.group(1))["clientSecret"]
        intent_id = secret.split("_secret_")[0]
        order = Order.objects.get(number=self.state["order"])
        expect(order.status == "pending_payment", f"the order is {order.status}")
        request = urllib.request.Request(  # noqa: S310 (localstripe on loopback)
            f"{settings.MINIME_STRIPE_API_BASE}/v1/payment_intents/{intent_id}",
            headers={"Authorization": f"Bearer {settings.MINIME_STRIPE_SECRET_KEY}"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            intent = json.load(answer)
        expect(
            intent["amount"] == order.total_minor_units
            and intent["currency"] == order.currency.lower(),
            f"localstripe holds {intent['amount']} {intent['currency']} for an order of "
            f"{order.total_minor_units} {order.currency}",
        )
        return f"PaymentIntent {intent_id}: {intent['amount']} {intent['currency']}"


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "host.settings")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # locmem email outbox, "testserver" allowed
    journey = Journey(Path(argv[0]))
    steps = [
        journey.installed_from_wheel,
        journey.home,
        journey.sign_up,
        journey.verify_email,
        journey.consent,
        journey.upload_and_generate,
        journey.renders,
        journey.approve,
        journey.add_to_cart,
        journey.checkout,
        journey.pay_page,
    ]
    for step in steps:
        started = time.monotonic()
        try:
            said = step()
        except CheckFailed as exc:
            print(f"journey: FAILED at {step.__name__}: {exc}", file=sys.stderr)
            return 1
        except Exception:
            traceback.print_exc()
            print(f"journey: FAILED at {step.__name__} (exception above)", file=sys.stderr)
            return 1
        print(f"journey: {step.__name__}: {said} [{time.monotonic() - started:.1f} s]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
