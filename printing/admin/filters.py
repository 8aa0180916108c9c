"""The production queue's list filters: state (the work to do unless staff pick another),
product kind and how long an order has waited."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from printing.selectors import production_to_do
from shop.models import OrderLine, OrderStatus, ProductKind

S = OrderStatus


class QueueFilter(admin.SimpleListFilter):
    """The queue shows the work to do unless staff pick another state."""

    title = _("state")
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("todo", _("To do (paid, not shipped)")),
            (S.PAID.value, S.PAID.label),
            (S.IN_PRODUCTION.value, S.IN_PRODUCTION.label),
            (S.PARTIALLY_REFUNDED.value, _("Partially refunded, not shipped")),
            ("shipped", _("Shipped")),
            ("all", _("All")),
        ]

    def choices(self, changelist: Any) -> Iterator[Any]:
        current = self.value() or "todo"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or "todo"
        if value == "todo":
            return queryset.filter(production_to_do())
        if value == S.PARTIALLY_REFUNDED:
            return queryset.filter(status=value, was_shipped=False)
        if value in (S.PAID, S.IN_PRODUCTION):
            return queryset.filter(status=value)
        if value == "shipped":
            return queryset.filter(Q(status__in=[S.SHIPPED, S.DELIVERED]) | Q(was_shipped=True))
        return queryset


class ProductKindFilter(admin.SimpleListFilter):
    title = _("product")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(k.value, k.label) for k in ProductKind if k != ProductKind.DIGITAL]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in {k.value for k in ProductKind}:
            return queryset
        lines = OrderLine.objects.filter(order=OuterRef("pk"), product_kind=self.value())
        return queryset.filter(Exists(lines))


class AgeFilter(admin.SimpleListFilter):
    """How long an order has waited since it was paid."""

    title = _("waiting")
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("lt1", _("less than 1 day")),
            ("1to3", _("1 to 3 days")),
            ("gt3", _("more than 3 days")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        day, three_days = now - timedelta(days=1), now - timedelta(days=3)
        if self.value() == "lt1":
            return queryset.filter(queued_at__gt=day)
        if self.value() == "1to3":
            return queryset.filter(queued_at__lte=day, queued_at__gt=three_days)
        if self.value() == "gt3":
            return queryset.filter(queued_at__lte=three_days)
        return queryset
