"""Stripe payments: one PaymentIntent per order, verified webhooks, refunds, reconciliation.

An order becomes paid only from Stripe's word: a signed webhook (stored first, processed once
per event id, rows locked) or, for a webhook that never came, `payments_reconcile`. Import
from the module that does the work (nothing is re-exported here):

- client: the Stripe client (localstripe when MINIME_STRIPE_API_BASE is set), Stripe errors
  as PaymentError, Decimal <-> integer minor units, the Outcome of applying Stripe news.
- intents: payment_start, retrieving and retiring intents, recording a success,
  order_cancel_unpaid.
- webhooks: webhook_receive and the dict of handlers by event type (200/400/500 answers).
- refunds: order_refund, refund_key_next, and the refund webhook handlers.
- reconciliation: payments_reconcile, for webhooks that never arrived.
- bridge: payment_confirm_with_token, the localstripe development bridge.
"""
