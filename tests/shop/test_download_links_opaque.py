"""Download links are opaque and answer only their owner: the token names no order or line
in any decodable form, and any link that is not the viewer's gets the same 404 "not valid"
page as a made-up one, whatever the order's state (refunded, cancelled) or the link's age."""

import re
import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from shop.models import OrderLine, OrderStatus
from shop.services import downloads
from tests import factories
from tests.shop import storefront_helpers as sh
from tests.tokens import token_decodings

pytestmark = pytest.mark.django_db

NOT_VALID = "This download link is not valid."


def _digital_line(order):
    return order.lines.get(sku=sh.DIGITAL)


def _stranger() -> Client:
    client = Client()
    client.force_login(factories.user_create())
    return client


def _page_text(response) -> str:
    # The page's CSRF tokens differ on every render; nothing else may.
    return re.sub(r'value="[^"]{32,}"', "", response.content.decode())


def test_download_token_names_neither_the_order_nor_the_line(user):
    # given a digital line with a pk nothing else would contain (unpaid: no print item yet
    # refers to the line)
    order = sh.order_for(user, (sh.DIGITAL, 1))
    OrderLine.objects.filter(pk=_digital_line(order).pk).update(id=918273645)
    line = OrderLine.objects.select_related("order").get(pk=918273645)

    # when its link is made
    token = downloads.download_token(line=line)

    # then neither the order number nor the line id can be read out of it
    for text in token_decodings(token):
        assert order.number not in text and "918273645" not in text
        assert '"line"' not in text and '"order"' not in text
    assert token.split(":")[0] == line.download_key  # random, not derived from the line
    # the same check does find them in the old, readable link format
    legacy = signing.dumps({"line": line.pk, "order": order.number}, salt=downloads.LEGACY_SALT)
    assert any(order.number in text for text in token_decodings(legacy))


def test_every_line_has_its_own_random_download_key(user):
    order = sh.order_for(user, (sh.DIGITAL, 1), (sh.PRINT_A4, 1))

    keys = [line.download_key for line in order.lines.all()]

    assert len(set(keys)) == 2 and all(len(key) >= 43 for key in keys)


@pytest.mark.parametrize(
    "steps",
    [
        [OrderStatus.PAID],
        [OrderStatus.PAID, OrderStatus.REFUNDED],
        [OrderStatus.CANCELLED],
        [],
    ],
    ids=["paid", "refunded", "cancelled", "pending"],
)
def test_a_stranger_with_the_owners_link_gets_the_unknown_link_page(user_client, steps):
    # given the owner's link to a digital line, the order moved to some state
    order = sh.order_for(user_client.user, (sh.DIGITAL, 1))
    link = downloads.download_url(line=_digital_line(order))
    sh.order_moved(order, *steps)
    stranger = _stranger()

    # when another account opens it, and a made-up link
    response = stranger.get(link)
    unknown = stranger.get(reverse("shop:download", kwargs={"token": "a" * 43 + ":b:c"}))

    # then both answers are the same 404 page: nothing about the order's state
    assert response.status_code == unknown.status_code == 404
    assert _page_text(response) == _page_text(unknown)
    assert NOT_VALID in response.content.decode()


def test_a_stranger_with_an_expired_link_gets_404_and_its_owner_410(user_client, monkeypatch):
    order = sh.paid(sh.order_for(user_client.user, (sh.DIGITAL, 1)))
    real_time = time.time
    with monkeypatch.context() as patch:  # a link made 31 days ago
        patch.setattr(time, "time", lambda: real_time() - 31 * 86400)
        old_link = downloads.download_url(line=_digital_line(order))

    stranger = _stranger().get(old_link)
    owner = user_client.get(old_link)

    assert stranger.status_code == 404 and NOT_VALID in stranger.content.decode()
    assert owner.status_code == 410


def test_the_owner_of_a_refunded_order_is_told_it_is_not_available(user_client):
    order = sh.order_for(user_client.user, (sh.DIGITAL, 1))
    link = downloads.download_url(line=_digital_line(order))
    sh.order_moved(order, OrderStatus.PAID, OrderStatus.REFUNDED)

    response = user_client.get(link)

    assert response.status_code == 409
    assert "not available for the order in its current state" in response.content.decode()


def test_the_owner_downloads_through_a_link_from_before_keys_until_it_expires(
    user_client, settings, monkeypatch
):
    # given a link in the old format (line id and order number, signed), as in sent emails
    settings.MINIME_DOWNLOAD_LINK_MAX_AGE_DAYS = 30
    order = sh.paid(sh.order_for(user_client.user, (sh.DIGITAL, 1)))
    line = _digital_line(order)
    payload = {"line": line.pk, "order": order.number}
    legacy = signing.dumps(payload, salt=downloads.LEGACY_SALT)
    real_time = time.time
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: real_time() - 31 * 86400)
        expired = signing.dumps(payload, salt=downloads.LEGACY_SALT)

    def get(client, token):
        return client.get(reverse("shop:download", kwargs={"token": token}))

    # then it still serves its owner while fresh, and nobody else
    assert get(user_client, legacy).status_code == 200
    assert get(_stranger(), legacy).status_code == 404
    assert get(user_client, expired).status_code == 410
    assert get(_stranger(), expired).status_code == 404


def test_a_link_signed_for_another_purpose_is_not_valid(user_client):
    # a genuine signature with another salt (e.g. a session value) opens nothing
    line = _digital_line(sh.paid(sh.order_for(user_client.user, (sh.DIGITAL, 1))))
    other_salt = signing.TimestampSigner(salt="something.else").sign(line.download_key)

    response = user_client.get(reverse("shop:download", kwargs={"token": other_salt}))

    assert response.status_code == 404 and NOT_VALID in response.content.decode()
