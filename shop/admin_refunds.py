"""The staff "Refund…" action shared by the shop's order admin and printing's production
queue (`refund_action`): the confirmation page and form, then each order refunded through
the payment service. `confirmation_page` renders any such intermediate action page."""

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
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
    from shop.services.payments.refunds import refund_key_next

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
    from shop.services.payments.refunds import order_refund

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


def confirmation_page(
    modeladmin: admin.ModelAdmin, request: HttpRequest, template_names: list[str], **context: Any
) -> TemplateResponse:
    """An action's intermediate page (its template extends
    admin/shop/action_confirmation.html): the selected rows are posted back with "apply"."""
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(
        request,
        template_names,
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **context,
        },
    )


def _refundable_only(
    modeladmin: admin.ModelAdmin, request: HttpRequest, orders: list[Order]
) -> list[Order]:
    """The orders with money left to refund; an error message for each of the others."""
    kept = []
    for order in orders:
        if refundable(order):
            kept.append(order)
            continue
        modeladmin.message_user(
            request,
            _("Order %(number)s is %(status)s and has nothing to refund.")
            % {"number": order.number, "status": order.get_status_display()},
            messages.ERROR,
        )
    return kept


def refund_action(*, name: str, permission: str, ordering: Sequence[str]) -> Callable[..., Any]:
    """The "Refund…" admin action for a model admin of orders, listed in its `actions` under
    `name` and offered to staff with `permission` ("change", "refund": the admin's
    has_<permission>_permission). The page is admin/<app>/<model>/refund_confirmation.html,
    else admin/shop/order/refund_confirmation.html."""

    @admin.action(description=_("Refund…"), permissions=[permission])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        orders = _refundable_only(modeladmin, request, list(queryset.order_by(*ordering)))
        if not orders:
            return None
        keys = refund_keys(request, orders)
        form = RefundForm(request.POST if "apply" in request.POST else None, orders=orders)
        if form.is_bound and form.is_valid():
            refunds_apply(
                modeladmin=modeladmin,
                request=request,
                orders=orders,
                form=form,
                keys=keys,
                actor=cast("Account", request.user),  # the admin lets only staff in
            )
            return None
        opts = modeladmin.model._meta
        return confirmation_page(
            modeladmin,
            request,
            [
                f"admin/{opts.app_label}/{opts.model_name}/refund_confirmation.html",
                "admin/shop/order/refund_confirmation.html",
            ],
            title=_("Refund orders"),
            action_name=name,
            orders=orders,
            form=form,
            rows=[
                {"order": o, "remaining": refund_remaining(o), "key": keys[o.pk]} for o in orders
            ],
        )

    action.__name__ = action.__qualname__ = name
    return action
