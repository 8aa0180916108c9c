"""Hostile strings in every field of every customer form, and in the order number and token
URLs: never a 5xx. What must be refused gets a 4xx with the error next to the field, and
nothing is stored (no new or changed rows, no new private files). Odd but harmless text (HTML,
SQL, format strings) is stored verbatim and escaped where it is shown.

Each test posts every string into one field and reports all failures together."""

import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.storage import storages
from django.urls import reverse

from core.conf import core_settings
from figures.models import FigureDesign, GenerationJob, JobStatus, Photo
from privacy.models import ConsentRecord, ErasureReceipt
from shop.models import CartLine, Order
from tests import factories
from tests.factories.shop import approved_design_for
from tests.shop.storefront_helpers import (
    PRINT_A4,
    add_to_cart_data,
    cart_with,
    checkout_data,
    product_url,
)

pytestmark = pytest.mark.django_db

HOSTILE = {
    "rtl_override": "Bob\u202eevil",
    "zero_width_space": "Bo\u200bb",
    "zero_width_joiner": "Bo\u200db",
    "byte_order_mark": "\ufeffBob",
    "bel": "Bob\x07",
    "nul": "Bob\x00",
    "crlf_header": "Bob\r\nBcc: victim@example.com",
    "trailing_newline": "Bob\n",
    "tab": "Bob\tSmith",
    "line_separator": "Bob\u2028Smith",
    "private_use": "Bob\ue000",
    "very_long": "A" * 5000,
    "emoji": "Bob 😀",
    "arabic": "محمد",
    "sql": "' OR 1=1 --",
    "html": "<script>x</script>",
    "format_string": "%s {0} %(x)s",
    "blank": "   ",
}
# Refused by every single-line text field (core.text), and longer than any field holds.
REFUSED_AS_TEXT = set(HOSTILE) - {"emoji", "arabic", "sql", "html", "format_string", "blank"}
# Refused where the text is printed on merchandise (figures.printable).
REFUSED_IF_PRINTED = {"emoji", "arabic"}

KINDS = ("printed", "text", "choice", "password")


def must_refuse(kind: str, key: str, *, required: bool) -> bool:
    """choice: a number or one of a list; password: a wrong one. Text: see above."""
    if kind in ("choice", "password") or key in REFUSED_AS_TEXT:
        return True
    if key == "blank":
        return required
    return kind == "printed" and key in REFUSED_IF_PRINTED


def as_stored(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def private_files() -> int:
    root = Path(storages[core_settings.PRIVATE_STORAGE].location)  # type: ignore[attr-defined]
    return sum(1 for path in root.rglob("*") if path.is_file())


def attack(
    post: Callable[[str], Any],
    *,
    field: str,
    kind: str,
    state: Callable[[], Any],
    required: bool = False,
    form: str | None = "form",
    saved: Callable[[], Any] | None = None,
    prepare: Callable[[], None] | None = None,
) -> None:
    """Post every hostile string into `field` (through `post`) and check each answer.

    `state` is what must not change on a refusal (row counts, field values); `saved` reads
    back what an accepted string was stored as; `prepare` resets what an accepted post used
    up (a cart turned into an order, a running job)."""
    assert kind in KINDS
    failures = []
    for key, value in HOSTILE.items():
        if prepare is not None:
            prepare()
        before = (state(), private_files())
        response = post(value)
        status = response.status_code
        if status >= 500:
            failures.append(f"{key}: {status}")
        elif must_refuse(kind, key, required=required):
            if not 400 <= status < 500:
                failures.append(f"{key}: {status}, expected a 4xx")
            if (state(), private_files()) != before:
                failures.append(f"{key}: stored something")
            context = response.context
            if form is not None and context is not None and field not in context[form].errors:
                failures.append(f"{key}: no error next to {field}")
        elif status >= 400:
            failures.append(f"{key}: refused with {status}, but it is harmless text")
        elif saved is not None and saved() != as_stored(value):
            failures.append(f"{key}: stored as {saved()!r}")
    assert not failures, "\n".join(failures)


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    """Accepted posts create designs and jobs: the daily quota and the upload rate limit
    are not what these tests are about."""
    settings.MINIME_DAILY_GENERATION_QUOTA = 10_000
    settings.MINIME_UPLOADS_PER_HOUR = 10_000


# --- Figure studio ----------------------------------------------------------------------------

DESIGN = {"name": "Jürgen", "tagline": "", "style": "action_figure", "box_theme": "hero_red"}
DESIGN_FIELDS = {
    "name": ("printed", True),
    "tagline": ("printed", False),
    **{f"accessory_{i}": ("printed", False) for i in range(1, 5)},
    "style": ("choice", True),
    "box_theme": ("choice", True),
}
NEW_DESIGN_FIELDS = {**DESIGN_FIELDS, "existing_photo": ("choice", False)}


def design_value(design: FigureDesign, field: str) -> str:
    if field.startswith("accessory_"):
        return (design.accessories or [""])[0]  # only the attacked accessory is posted
    return str(getattr(design, field))


def design_rows() -> tuple[int, ...]:
    return (Photo.objects.count(), FigureDesign.objects.count(), GenerationJob.objects.count())


@pytest.mark.parametrize("field", NEW_DESIGN_FIELDS)
def test_new_design_form(user_client, field):
    kind, required = NEW_DESIGN_FIELDS[field]
    # The posted selfie is already the customer's photo: a refused form keeps an uploaded
    # photo (reusing this one), so a refusal must store nothing new.
    factories.photo_for(user_client.user)

    def post(value: str) -> Any:
        data = {**DESIGN, field: value, "photo": factories.portrait_upload()}
        return user_client.post(reverse("figures:design_new"), data)

    attack(
        post,
        field=field,
        kind=kind,
        required=required,
        state=design_rows,
        saved=lambda: design_value(FigureDesign.objects.latest("created_at"), field),
    )


@pytest.mark.parametrize("field", DESIGN_FIELDS)
def test_design_tweak_form(user_client, field):
    kind, required = DESIGN_FIELDS[field]
    design = factories.design_for(user_client.user, tagline="", accessories=[])
    url = reverse("figures:design_generate", args=[design.pk])

    def state() -> Any:
        design.refresh_from_db()
        return (design_rows(), [design_value(design, name) for name in DESIGN_FIELDS])

    def prepare() -> None:
        # An accepted tweak queues a job; the next tweak would wait for it (409).
        design.jobs.update(status=JobStatus.FAILED)

    attack(
        lambda value: user_client.post(url, {**DESIGN, field: value}),
        field=field,
        kind=kind,
        required=required,
        form="tweak_form",
        state=state,
        saved=lambda: design_value(FigureDesign.objects.get(pk=design.pk), field),
        prepare=prepare,
    )


def test_html_in_a_figure_name_is_stored_verbatim_and_escaped(user_client):
    data = {**DESIGN, "name": "<b>Bob</b>", "photo": factories.portrait_upload()}

    user_client.post(reverse("figures:design_new"), data)

    assert FigureDesign.objects.get().name == "<b>Bob</b>"
    page = user_client.get(reverse("figures:studio")).content.decode()
    assert "&lt;b&gt;Bob&lt;/b&gt;" in page and "<b>Bob</b>" not in page


# --- Shop -------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["product", "variant", "quantity"])
def test_add_to_cart_form(user_client, field):
    design = approved_design_for(user_client.user)

    attack(
        lambda value: user_client.post(
            product_url(design), {**add_to_cart_data(PRINT_A4), field: value}
        ),
        field=field,
        kind="choice",
        form=None,  # one form per product on the page
        state=lambda: list(CartLine.objects.values_list("pk", "quantity")),
    )


def test_cart_line_form(user_client):
    cart = cart_with(user_client.user, (PRINT_A4, 2))
    line = cart.lines.get()
    url = reverse("shop:cart_line", args=[line.pk])

    attack(
        lambda value: user_client.post(url, {"quantity": value}),
        field="quantity",
        kind="choice",
        form=None,  # one form per cart line
        state=lambda: list(CartLine.objects.values_list("pk", "quantity")),
    )


CHECKOUT_FIELDS = {
    "email": ("choice", True),  # an address, or refused
    "full_name": ("text", True),
    "address_line1": ("text", True),
    "address_line2": ("text", False),
    "postcode": ("text", True),
    "city": ("text", True),
    "country": ("choice", True),
    "shipping_method": ("choice", True),
}


@pytest.mark.parametrize("field", CHECKOUT_FIELDS)
def test_checkout_form(user_client, field):
    kind, required = CHECKOUT_FIELDS[field]
    user = user_client.user
    design = approved_design_for(user)

    def prepare() -> None:
        if not CartLine.objects.filter(cart__owner=user).exists():  # an order took it
            cart_with(user, (PRINT_A4, 1), design=design)

    attack(
        lambda value: user_client.post(
            reverse("shop:checkout"), checkout_data(user, **{field: value})
        ),
        field=field,
        kind=kind,
        required=required,
        state=lambda: (Order.objects.count(), CartLine.objects.count()),
        saved=lambda: getattr(Order.objects.latest("created_at"), field),
        prepare=prepare,
    )


def test_html_in_an_address_is_stored_verbatim_and_escaped(user_client):
    user = user_client.user
    design = approved_design_for(user)
    cart_with(user, (PRINT_A4, 1), design=design)

    user_client.post(reverse("shop:checkout"), checkout_data(user, full_name="<b>Bob</b>"))

    assert Order.objects.get().full_name == "<b>Bob</b>"
    cart_with(user, (PRINT_A4, 1), design=design)
    page = user_client.get(reverse("shop:checkout")).content.decode()  # the last address
    assert 'value="&lt;b&gt;Bob&lt;/b&gt;"' in page and "<b>Bob</b>" not in page


# --- Privacy centre ---------------------------------------------------------------------------


def test_consent_toggle_form(user_client):
    attack(
        lambda value: user_client.post(
            reverse("privacy:consent_toggle", args=["training"]), {"granted": value}
        ),
        field="granted",
        kind="choice",
        form=None,  # answers a bare 400
        state=lambda: ConsentRecord.objects.count(),
    )


def test_erasure_confirm_form(user_client):
    user = user_client.user

    def state() -> Any:
        user.refresh_from_db()
        return (ErasureReceipt.objects.count(), user.is_active)

    attack(
        lambda value: user_client.post(reverse("privacy:erase"), {"password": value}),
        field="password",
        kind="password",
        state=state,
    )


# --- Accounts (allauth) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "extra"),
    [
        ("account_signup", {"password1": factories.PASSWORD, "password2": factories.PASSWORD}),
        ("account_login", {"password": factories.PASSWORD}),
        ("account_reset_password", {}),
    ],
)
def test_account_email_fields(client, url_name, extra):
    """A refused account form answers 400 with the error next to the field
    (privacy.account_views); no account, no address, no email sent."""
    failures = []
    for key, value in HOSTILE.items():
        users, addresses = get_user_model().objects.count(), EmailAddress.objects.count()
        response = client.post(reverse(url_name), {"email": value, "login": value, **extra})
        if response.status_code >= 500:
            failures.append(f"{key}: {response.status_code}")
            continue
        if (get_user_model().objects.count(), EmailAddress.objects.count()) != (users, addresses):
            failures.append(f"{key}: an account or address was stored")
        if mail.outbox:
            failures.append(f"{key}: an email was sent")
        form = response.context["form"] if response.context else None
        if response.status_code == 200 and form is not None and not form.errors:
            failures.append(f"{key}: accepted")
        elif form is not None and form.errors and response.status_code != 400:
            failures.append(f"{key}: refused with {response.status_code}, expected 400")
    assert not failures, "\n".join(failures)


def test_an_invisible_character_in_the_email_domain_is_refused_at_sign_up(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "bob@exa\u200bmple.com",
            "password1": "x7!Long-pass",
            "password2": "x7!Long-pass",
        },
    )

    assert response.status_code < 500
    assert "not allowed: U+200B" in str(response.context["form"].errors["email"])
    assert not get_user_model().objects.filter(email__contains="mple.com").exists()


# --- URLs -------------------------------------------------------------------------------------

TOKEN_URLS = [
    "/orders/{}/",
    "/orders/{}/pay/",
    "/orders/{}/status/",
    "/orders/{}/complete/",
    "/downloads/{}/",
    "/privacy/export/{}/download/",
]


@pytest.mark.parametrize("pattern", TOKEN_URLS)
def test_order_numbers_and_tokens_with_hostile_strings_are_404_or_400(user_client, pattern):
    failures = []
    for key, value in HOSTILE.items():
        url = pattern.format(quote(value.encode(), safe=""))
        status = user_client.get(url).status_code
        expected = {400} if "\x00" in value else {400, 404}
        if status not in expected:
            failures.append(f"{key}: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "url",
    [
        "/orders/MM-000001%00/",
        "/downloads/abc%00def/",
        "/privacy/export/%00/download/",
        "/cart/?country=%00",
        "/checkout/?country=DE%00",
        "/accounts/login/?next=/%00",
        "/static/minime/site.css%00",
    ],
)
def test_a_nul_byte_anywhere_in_the_url_or_query_is_a_400(user_client, url):
    assert user_client.get(url).status_code == 400


def test_a_nul_byte_in_a_cookie_is_a_400(client):
    client.cookies["sessionid"] = "abc\x00def"

    assert client.get("/").status_code == 400


def test_invalid_utf8_in_a_form_never_reaches_a_field_as_a_surrogate(user_client):
    """A lone surrogate cannot be sent as UTF-8: its bytes arrive as U+FFFD, a visible
    replacement character that is stored as such (the test client cannot encode one)."""
    cart_with(user_client.user, (PRINT_A4, 1))
    body = "&".join(
        f"{key}={quote(str(value))}" for key, value in checkout_data(user_client.user).items()
    )
    body = body.replace("city=Berlin", "city=Ber%ED%A0%80lin")

    response = user_client.post(
        reverse("shop:checkout"), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code < 500
    city = Order.objects.get().city if response.status_code == 302 else "Ber\ufffdlin"
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in city)
