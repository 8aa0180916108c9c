"""Stripe client, Stripe errors as PaymentError, minor units, and the Outcome of Stripe news.

With MINIME_STRIPE_API_BASE set every call goes to that server (localstripe); without it, to
Stripe. Amounts sent to Stripe are integer minor units; the shop's amounts are Decimal.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import stripe
from django.utils.translation import gettext as _

from shop.conf import shop_settings
from shop.exceptions import PaymentError
from shop.models import Order, WebhookEvent

logger = logging.getLogger(__name__)

Result = WebhookEvent.Result
CENT = Decimal("0.01")


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str | None) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base.rstrip("/")} if api_base else None,
        # Retries reuse the request's idempotency key, so a retried POST never doubles.
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=20),
    )


def stripe_client() -> stripe.StripeClient:
    """Stripe, or localstripe when MINIME_STRIPE_API_BASE is set (real keys need no code
    change: leave the base unset)."""
    api_key = shop_settings.STRIPE_SECRET_KEY
    if not api_key:
        logger.error("MINIME_STRIPE_SECRET_KEY is not set: card payments are unavailable")
        raise PaymentError(_("Card payments are not available right now. Please try later."))
    return _client(api_key, shop_settings.STRIPE_API_BASE or None)


@contextmanager
def _stripe_errors(message: str) -> Iterator[None]:
    """Stripe failures become a PaymentError with a message for the page; details go to
    the log (never to the customer)."""
    try:
        yield
    except stripe.APIConnectionError as exc:
        logger.warning("Stripe unreachable: %s", exc)
        raise PaymentError(
            _("Our payment provider cannot be reached right now. Please try again in a minute.")
        ) from exc
    except stripe.StripeError as exc:
        logger.error("Stripe error (%s): %s", type(exc).__name__, exc)
        raise PaymentError(message) from exc


def minor_units(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def from_minor_units(amount: int) -> Decimal:
    return (Decimal(int(amount)) / 100).quantize(CENT)


def _matches(*, order: Order, amount: int, currency: str) -> bool:
    return int(amount) == order.total_minor_units and currency.upper() == order.currency.upper()


@dataclass
class Outcome:
    """What applying one piece of Stripe news did (becomes the WebhookEvent's result)."""

    result: str
    error: str = ""
    order: Order | None = None
    changed: bool = False  # the order was marked paid / refunded by it
