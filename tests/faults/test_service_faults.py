"""Customers' requests while a service is away (broker, mail server, Stripe): never a 5xx,
nothing lost, and the work completes once the service is back, with no click."""

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from printing.models import PrintItem
from privacy.models import DataExport, ErasureReceipt
from shop.models import OrderStatus, OutboundEmail
from shop.services.emails import emails_deliver_due
from tests import factories
from tests.conftest import _free_loopback_port
from tests.factories.shop import order_for, payment_for
from tests.faults.conftest import wait_for
from tests.shop.stripe_events import SECRET, deliver, event, intent


class Inbox:
    """aiosmtpd handler: keeps what the mail server received."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.mark.django_db
def test_paid_webhook_while_the_mail_server_is_down_prints_at_once_and_emails_later(
    client, user, settings, django_capture_on_commit_callbacks
):
    # Given a real SMTP backend whose server is not running yet
    port = _free_loopback_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.MINIME_STRIPE_WEBHOOK_SECRET = SECRET
    order = order_for(user, sku="MM-STK-A5")
    payment = payment_for(order)

    # When Stripe says the payment succeeded
    payload = event("payment_intent.succeeded", intent(payment))
    response = deliver(client, payload, django_capture_on_commit_callbacks)

    # Then Stripe gets 200, the order is paid and its print item exists already; the
    # confirmation waits in the outbox with the error
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert PrintItem.objects.filter(order_line__order=order).count() == 1
    email = OutboundEmail.objects.get(order=order, kind="order_confirmation")
    assert email.status == "pending" and email.attempts == 1 and email.last_error

    # When the mail server is back and the beat task runs (its backoff has passed)
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        sent = emails_deliver_due(now=email.next_attempt_at)
    finally:
        server.stop()

    # Then the customer gets the email, once
    assert sent == 1
    assert len(inbox.messages) == 1 and order.number.encode() in inbox.messages[0]
    email.refresh_from_db()
    assert email.status == "sent" and email.sent_at is not None


@pytest.mark.django_db
def test_stripe_unreachable_at_the_pay_page_says_so_and_keeps_the_order(user_client, settings):
    settings.MINIME_STRIPE_SECRET_KEY = "sk_test_unreachable"
    settings.MINIME_STRIPE_PUBLISHABLE_KEY = "pk_test_unreachable"
    settings.MINIME_STRIPE_API_BASE = f"http://127.0.0.1:{_free_loopback_port()}"
    order = order_for(user_client.user, sku="MM-STK-A5")

    response = user_client.get(reverse("shop:order_pay", args=[order.number]))

    assert response.status_code == 409
    assert b"try again" in response.content.lower()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_export_and_erasure_with_the_broker_down_complete_once_it_is_back(
    client, broker_down, start_worker
):
    # Given two customers and a broker nobody can reach
    exporter, eraser = factories.user_create(), factories.user_create()

    # When one asks for their data and the other erases their account
    client.force_login(exporter)
    exported = client.post(reverse("privacy:export_request"), follow=True)
    client.force_login(eraser)
    erased = client.post(reverse("privacy:erase"), {"password": factories.PASSWORD})

    # Then both answer without a 5xx, and both requests wait, recorded
    assert exported.status_code == 200 and erased.status_code == 302
    export = DataExport.objects.get(user=exporter)
    receipt = ErasureReceipt.objects.get(user=eraser)
    assert export.dispatched_at is None and receipt.dispatched_at is None

    # When the broker is back and a worker with its beat sweeper runs
    broker_down()
    start_worker()

    # Then the export is ready and the account is gone
    def done() -> bool:
        export.refresh_from_db()
        receipt.refresh_from_db()
        return export.status == DataExport.Status.READY and receipt.user_id is None

    wait_for(done, what="the export and the erasure")
    assert receipt.status == ErasureReceipt.Status.COMPLETED
