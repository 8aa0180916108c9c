"""Customer emails (text + HTML, translatable), through an outbox.

The order services call `email_*` inside the transaction of the change the email tells
about: the message is rendered then (in the customer's language) and stored as an
OutboundEmail row that commits or rolls back with the change. After the commit one delivery
is tried at once; if SMTP is away the beat task `shop.deliver_emails` retries with backoff
(MINIME_DISPATCH_RETRY_SECONDS, doubling, at most an hour apart) until
MINIME_EMAIL_MAX_ATTEMPTS, after which the email shows as failed in the admin, where staff can
send it again."""

import logging
import smtplib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.dispatch import redispatch_wait
from shop.conf import shop_settings
from shop.models import Order, OutboundEmail, Refund
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


logger = logging.getLogger(__name__)

# What a mail server that is down or refusing raises (connection refused, timeouts, 4xx/5xx).
SMTP_ERRORS = (smtplib.SMTPException, OSError)


def _send(
    *,
    order: Order,
    template: str,
    subject: Promise,
    context: dict[str, Any],
    subject_args: dict[str, Any] | None = None,
) -> OutboundEmail | None:
    """Render the email now and queue it in the caller's transaction."""
    if order.is_anonymised:
        return None  # the customer was erased; an order finished afterwards emails nobody
    # The customer's language at checkout: the worker or webhook has no customer request.
    with translation.override(order.language or settings.LANGUAGE_CODE):
        context = {**_order_context(order), **context}
        email = OutboundEmail.objects.create(
            order=order,
            kind=template,
            to=order.email,
            subject=(str(subject) % {"number": order.number, **(subject_args or {})})[:300],
            body_text=render_to_string(f"shop/email/{template}.txt", context),
            body_html=render_to_string(f"shop/email/{template}.html", context),
            next_attempt_at=timezone.now(),
        )
    email_id = email.pk
    transaction.on_commit(lambda: email_deliver(email_id=email_id))
    return email


def _backoff(attempts: int) -> timedelta:
    # The same doubling wait as every other hand-off (MINIME_DISPATCH_RETRY_SECONDS, capped).
    return redispatch_wait(attempts)


def email_deliver(*, email_id: int, now: Any = None) -> bool:
    """Try to send one queued email that is due (the commit hook, the beat task and staff's
    "send again" call it). Claims the row first by moving its next attempt past the send, so
    two senders never send it twice at once. SMTP errors are recorded, never raised: True
    when it was sent."""
    now = now or timezone.now()
    claim_until = now + timedelta(seconds=max(60, int(settings.EMAIL_TIMEOUT or 60) * 2))
    claimed = OutboundEmail.objects.filter(
        pk=email_id, status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=claim_until)
    if not claimed:
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(subject=email.subject, body=email.body_text, to=[email.to])
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except SMTP_ERRORS as exc:
        attempts = email.attempts + 1
        gave_up = attempts >= shop_settings.EMAIL_MAX_ATTEMPTS
        logger.warning("email %s not sent (attempt %d): %s", email.pk, attempts, exc)
        OutboundEmail.objects.filter(pk=email.pk).update(
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:300],
            next_attempt_at=now + _backoff(attempts),
            status=OutboundEmail.Status.FAILED if gave_up else OutboundEmail.Status.PENDING,
        )
        return False
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.SENT, sent_at=timezone.now(), attempts=email.attempts + 1
    )
    return True


def emails_deliver_due(*, now: Any = None, limit: int = 200) -> int:
    """The beat task: send every email whose next attempt is due. Returns how many were
    sent; stops early while SMTP is down (the next run tries again)."""
    now = now or timezone.now()
    due = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now
    )
    sent = 0
    for email_id in due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]:
        if email_deliver(email_id=email_id, now=now):
            sent += 1
        elif OutboundEmail.objects.filter(pk=email_id, attempts__gt=0).exists():
            break  # the server refused this one: do not hammer it with the rest
    return sent


def email_send_again(*, email: OutboundEmail) -> bool:
    """Staff: queue a failed (or sent) email once more and try it now."""
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    return email_deliver(email_id=email.pk)


def email_order_confirmation(*, order_id: int) -> OutboundEmail | None:
    order = Order.objects.get(pk=order_id)
    return _send(
        order=order,
        template="order_confirmation",
        subject=_("Order %(number)s confirmed: thank you!"),
        context={},
    )


def email_payment_failed(*, order_id: int, reason: str = "") -> OutboundEmail | None:
    order = Order.objects.get(pk=order_id)
    pay_url = site_url(reverse("shop:order_pay", kwargs={"number": order.number}))
    return _send(
        order=order,
        template="payment_failed",
        subject=_("Order %(number)s: the payment did not go through"),
        context={"reason": reason, "pay_url": pay_url},
    )


def email_shipped(*, order_id: int) -> OutboundEmail | None:
    order = Order.objects.get(pk=order_id)
    return _send(
        order=order,
        template="shipped",
        subject=_("Order %(number)s is on its way"),
        context={},
    )


def email_refund(*, order_id: int, refund_id: int) -> OutboundEmail | None:
    order = Order.objects.get(pk=order_id)
    refund = Refund.objects.get(pk=refund_id, order=order)
    return _send(
        order=order,
        template="refund",
        subject=_("Order %(number)s: refund of %(amount)s %(currency)s"),
        subject_args={"amount": refund.amount, "currency": order.currency},
        context={"refund": refund},
    )
