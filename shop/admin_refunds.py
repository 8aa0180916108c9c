"""The staff refund step shared by the order admin and the production queue: the
confirmation form and applying it order by order through the payment service."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.typing import Account
from shop.exceptions import ShopError
from shop.models import ORDER_TRANSITIONS, Order, OrderStatus, Refund


def refund_remaining(order: Order) -> Decimal:
    return order.total_gross - order.refunded_amount


def refundable(order: Order) -> bool:
    """Whether the lifecycle allows a refund now and money is left (the service checks
    again; this decides what the confirmation page offers)."""
    return OrderStatus.REFUNDED in ORDER_TRANSITIONS[order.status] and refund_remaining(order) > 0


class RefundForm(forms.Form):
    """The "Refund…" action's confirmation step for the selected orders."""

    scope = forms.ChoiceField(
        label=_("Refund"),
        choices=[
            ("full", _("everything not yet refunded")),
            ("partial", _("this amount per order:")),
        ],
        initial="full",
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=Decimal("0.01"), max_digits=12,
        decimal_places=2,
    )  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args: Any, orders: list[Order], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orders = orders

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") != "partial":
            data["amount"] = None
            return data
        amount = data.get("amount")
        if amount is None:
            if "amount" not in self.errors:
                self.add_error("amount", _("Enter the amount to refund."))
            return data
        too_much = [o for o in self.orders if amount > refund_remaining(o)]
        if too_much:
            self.add_error(
                "amount",
                _("More than what is left to refund: %(orders)s.")
                % {
                    "orders": ", ".join(
                        f"{o.number} ({refund_remaining(o)} {o.currency})" for o in too_much
                    )
                },
            )
        return data


def refund_keys(request: HttpRequest, orders: list[Order]) -> dict[Any, str]:
    """One idempotency key per order, fixed when the page is shown and posted back with the
    form: the same confirmation submitted twice (double click, resend) refunds once."""
    from shop.services.payments import refund_key_next

    return {
        o.pk: request.POST.get(f"refund_key_{o.pk}") or refund_key_next(order=o) for o in orders
    }


def refunds_apply(
    *,
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    orders: list[Order],
    form: RefundForm,
    keys: dict[Any, str],
    actor: Account | None,
) -> None:
    """Refund each order through the payment service, one admin message per order."""
    from shop.services.payments import order_refund

    for order in orders:
        repeated = Refund.objects.filter(idempotency_key=keys[order.pk]).exists()
        try:
            refund = order_refund(
                order=order,
                amount=form.cleaned_data["amount"],
                actor=actor,
                reason=form.cleaned_data["reason"],
                idempotency_key=keys[order.pk],
            )
        except ShopError as exc:
            modeladmin.message_user(
                request,
                _("Order %(number)s was not refunded: %(error)s")
                % {"number": order.number, "error": exc.message},
                messages.ERROR,
            )
            continue
        if repeated:
            modeladmin.message_user(
                request,
                _("Order %(number)s: this refund was already made; nothing refunded again.")
                % {"number": order.number},
                messages.WARNING,
            )
            continue
        modeladmin.message_user(
            request,
            _("Refunded %(amount)s %(currency)s of order %(number)s.")
            % {"amount": refund.amount, "currency": order.currency, "number": order.number},
            messages.SUCCESS,
        )
