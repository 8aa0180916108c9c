"""Development bridge: card payments through localstripe's Stripe.js (never used with real
Stripe, where the pay page confirms in the browser)."""

import logging
from dataclasses import dataclass
from typing import Any

import stripe
from django.utils.translation import gettext as _

from shop.conf import shop_settings
from shop.exceptions import PaymentError
from shop.models import Order, Payment
from shop.services.payments.client import _stripe_errors, stripe_client
from shop.services.payments.intents import _intent_retire, payment_start

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentConfirmResult:
    """What the pay page does next after `payment_confirm_with_token`.

    status: the PaymentIntent's status ("succeeded", "processing", "requires_action",
    "requires_payment_method" after a decline); client_secret: that intent's secret (for
    Stripe.js' 3-D Secure step); error_message: Stripe's words for a declined card, else ""."""

    status: str
    client_secret: str
    error_message: str = ""


def _bridge_intent_with_card(client: stripe.StripeClient, intent_id: str, card_id: str) -> Any:
    with _stripe_errors(_("The payment could not be started. Please try again.")):
        return client.v1.payment_intents.update(intent_id, params={"payment_method": card_id})


def payment_confirm_with_token(*, order: Order, token_id: str) -> PaymentConfirmResult:
    """DEVELOPMENT SHIM for localstripe only; refused (PaymentError) unless
    MINIME_STRIPE_API_BASE is set. With real Stripe the pay page confirms in the browser with
    `stripe.confirmCardPayment(clientSecret, {payment_method: {card: element}})` and this
    function is never used.

    localstripe's stand-in Stripe.js cannot confirm a card payment (its confirmCardPayment
    only does the 3-D Secure step), so its page tokenizes the card (`stripe.createToken`) and
    posts the token here. This sets the token's card on the order's current PaymentIntent
    (the one payment_start made or reuses) and confirms it. A declined card returns Stripe's
    message and leaves the order payable; the next card is tried on the same intent, or, when
    Stripe will not take a new card on it (localstripe keeps a declined intent in
    requires_payment_method), on a fresh one from payment_start after cancelling the old one.
    Never marks the order paid: the webhook (or reconciliation) does."""
    if not shop_settings.STRIPE_API_BASE:
        raise PaymentError(
            _("This payment step is only for local development (MINIME_STRIPE_API_BASE).")
        )
    if not (
        isinstance(token_id, str)
        and token_id.startswith("tok_")
        and len(token_id) <= 255
        and token_id.isascii()
        and token_id[4:].isalnum()
    ):
        raise PaymentError(_("The card details could not be read. Please try again."))
    client = stripe_client()
    failed = _("The payment could not be started. Please try again.")
    start = payment_start(order=order)  # refuses orders that are not awaiting payment
    with _stripe_errors(_("The card details could not be read. Please try again.")):
        token = client.v1.tokens.retrieve(token_id)
    card_id = str(token["card"]["id"])
    intent = _bridge_intent_with_card(client, start.payment_intent_id, card_id)
    if str(intent.status) == "processing":
        return PaymentConfirmResult(status="processing", client_secret=str(intent.client_secret))
    if str(intent.status) != "requires_confirmation":
        # This intent takes no new card: cancel it, and pay a fresh one.
        payment = Payment.objects.get(order=order, stripe_payment_intent_id=intent.id)
        _intent_retire(client, payment, intent)
        start = payment_start(order=order)
        if start.payment_intent_id == intent.id:
            raise PaymentError(failed)
        intent = _bridge_intent_with_card(client, start.payment_intent_id, card_id)
        if str(intent.status) != "requires_confirmation":
            raise PaymentError(failed)
    declined = ""
    with _stripe_errors(_("The payment did not go through. Please try again.")):
        try:
            intent = client.v1.payment_intents.confirm(intent.id)
        except stripe.CardError as exc:
            logger.info("Card declined for order %s: %s", order.number, exc.code)
            declined = exc.user_message or _("Your card was declined.")
            intent = client.v1.payment_intents.retrieve(intent.id)
    status = str(intent.status)
    # The webhook may already have recorded the success: never step back from it.
    Payment.objects.filter(stripe_payment_intent_id=intent.id).exclude(status="succeeded").update(
        status=status
    )
    return PaymentConfirmResult(
        status=status, client_secret=str(intent.client_secret), error_message=declined
    )
