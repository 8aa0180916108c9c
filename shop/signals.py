"""What the shop announces to the apps above it (printing listens; see docs/architecture.md).

Every signal is sent inside the transaction of the change it announces, so a receiver's rows
(print items, hand-off records) commit or roll back with it. Receivers must not talk to the
broker or the outside world directly: they use transaction.on_commit for that."""

from django.dispatch import Signal

# Sent by order_transition for every state change; kwargs: order, from_status, to_status,
# actor, reason.
order_status_changed = Signal()

# The order became paid (webhook or reconciliation); kwargs: order.
order_paid = Signal()

# Money went back to the customer (partly or fully); kwargs: order, amount (Decimal, this
# refund), full (bool: nothing left to produce).
order_refunded = Signal()

# The cardholder's bank disputes the payment (a chargeback) or the dispute changed; kwargs:
# order, dispute (shop.models.Dispute). Receivers hold unshipped production while it is open.
order_disputed = Signal()

# These orders are about to be deleted for good (end of invoice retention); kwargs:
# order_ids. Receivers delete their files and rows that point at them.
orders_purging = Signal()
