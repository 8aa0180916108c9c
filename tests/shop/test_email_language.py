import pytest
from django.core import mail
from django.utils import translation

from shop.services.cart import cart_add
from shop.services.emails import email_order_confirmation
from tests import factories
from tests.factories.shop import approved_design_for, order_for, variant

pytestmark = pytest.mark.django_db


def test_emails_use_the_language_the_customer_ordered_in(
    settings, django_capture_on_commit_callbacks
):
    user = factories.user_create()
    with translation.override("de"):
        german = order_for(user)
    english = order_for(factories.user_create())

    # Queued from a webhook or worker, without the customer's request; sent on commit.
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        email_order_confirmation(order_id=german.pk)
        email_order_confirmation(order_id=english.pk)

    assert german.language == "de" and english.language == "en"
    german_mail, english_mail = mail.outbox
    assert "Bestellung" in german_mail.body and "Bestellung" not in english_mail.body
    assert german_mail.subject.replace(german.number, "") != english_mail.subject.replace(
        english.number, ""
    )


def test_checkout_lists_countries_in_the_visitors_language(client):
    user = factories.user_create()
    client.force_login(user)
    cart_add(owner=user, design=approved_design_for(user), variant=variant("MM-DIG"))

    html = client.get("/de/checkout/").content.decode()

    assert "Deutschland" in html and "Österreich" in html
