"""Customer emails (text + HTML, translatable). Called on commit by the order services."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shop.conf import shop_settings
from shop.models import Order, Refund
from shop.services.downloads import download_url, line_is_downloadable, site_url


def _order_context(order: Order) -> dict[str, Any]:
    lines = list(order.lines.select_related("order"))
    rows = [
        {
            "line": line,
            # Absolute: the email is read outside the site.
            "download_url": download_url(line=line, absolute=True)
            if line_is_downloadable(line)
            else None,
        }
        for line in lines
    ]
    return {
        "order": order,
        "rows": rows,
        "has_downloads": any(row["download_url"] for row in rows),
        "download_days": shop_settings.DOWNLOAD_LINK_MAX_AGE_DAYS,
        "has_shippable_lines": any(line.is_shippable for line in lines),
        "order_url": site_url(reverse("shop:order_detail", kwargs={"number": order.number})),
    }


def _send(
    *,
    order: Order,
    template: str,
    subject: Promise,
    context: dict[str, Any],
    subject_args: dict[str, Any] | None = None,
) -> None:
    from shop.privacy import ANONYMISED_EMAIL

    if order.email == ANONYMISED_EMAIL:
        return  # the customer was erased; an order finished afterwards emails nobody
    # The customer's language at checkout: the worker or webhook has no customer request.
    with translation.override(order.language or settings.LANGUAGE_CODE):
        context = {**_order_context(order), **context}
        text = render_to_string(f"shop/email/{template}.txt", context)
        html = render_to_string(f"shop/email/{template}.html", context)
        message = EmailMultiAlternatives(
            subject=str(subject) % {"number": order.number, **(subject_args or {})},
            body=text,
            to=[order.email],
        )
        message.attach_alternative(html, "text/html")
        message.send()


def email_order_confirmation(*, order_id: int) -> None:
    order = Order.objects.get(pk=order_id)
    _send(
        order=order,
        template="order_confirmation",
        subject=_("Order %(number)s confirmed: thank you!"),
        context={},
    )


def email_payment_failed(*, order_id: int, reason: str = "") -> None:
    order = Order.objects.get(pk=order_id)
    pay_url = site_url(reverse("shop:order_pay", kwargs={"number": order.number}))
    _send(
        order=order,
        template="payment_failed",
        subject=_("Order %(number)s: the payment did not go through"),
        context={"reason": reason, "pay_url": pay_url},
    )


def email_shipped(*, order_id: int) -> None:
    order = Order.objects.get(pk=order_id)
    _send(
        order=order,
        template="shipped",
        subject=_("Order %(number)s is on its way"),
        context={},
    )


def email_refund(*, order_id: int, refund_id: int) -> None:
    order = Order.objects.get(pk=order_id)
    refund = Refund.objects.get(pk=refund_id, order=order)
    _send(
        order=order,
        template="refund",
        subject=_("Order %(number)s: refund of %(amount)s %(currency)s"),
        subject_args={"amount": refund.amount, "currency": order.currency},
        context={"refund": refund},
    )
