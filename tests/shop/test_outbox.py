"""Customer emails through the outbox: written with the change, retried with backoff while
the mail server refuses, given up after the limit, and sent again by staff."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from shop.models import OutboundEmail
from shop.services.emails import email_deliver, email_order_confirmation, emails_deliver_due
from tests.factories.shop import order_for

pytestmark = pytest.mark.django_db

REFUSED = ConnectionRefusedError("mail server away")


def test_a_refused_email_is_retried_with_growing_waits_then_marked_failed(user, settings):
    settings.MINIME_EMAIL_MAX_ATTEMPTS = 3
    email = email_order_confirmation(order_id=order_for(user).pk)
    waits = []
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=REFUSED):
        for _ in range(3):
            assert emails_deliver_due(now=email.next_attempt_at) == 0
            email.refresh_from_db()
            waits.append(email.next_attempt_at - timezone.now())
    # 1, then 2 minutes until the next try: the backoff grows
    assert timedelta(seconds=50) < waits[0] < timedelta(minutes=1) < waits[1]
    assert email.status == "failed" and email.attempts == 3
    assert "ConnectionRefusedError" in email.last_error
    assert not mail.outbox


def test_staff_send_a_failed_email_again_from_the_admin(admin_client, user):
    email = email_order_confirmation(order_id=order_for(user).pk)
    OutboundEmail.objects.filter(pk=email.pk).update(status="failed", attempts=30)

    response = admin_client.post(
        reverse("admin:shop_outboundemail_changelist"),
        {"action": "send_again", "_selected_action": [email.pk], "index": 0},
    )

    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == "sent" and email.sent_at is not None
    assert [m.subject for m in mail.outbox] == [email.subject]


def test_two_senders_never_send_one_email_twice(user):
    email = email_order_confirmation(order_id=order_for(user).pk)

    assert email_deliver(email_id=email.pk) is True
    assert email_deliver(email_id=email.pk) is False  # already sent
    assert emails_deliver_due(now=email.next_attempt_at + timedelta(hours=2)) == 0
    assert len(mail.outbox) == 1
