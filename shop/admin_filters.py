"""List filters shared by the order admin and printing's production queue."""

from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shop.models import Dispute


class DisputeFilter(admin.SimpleListFilter):
    """Orders with a chargeback: still open (production on hold) or any."""

    title = _("chargeback")
    parameter_name = "chargeback"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("open")), ("any", _("any"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        disputes = Dispute.objects.filter(order=OuterRef("pk"))
        if self.value() == "open":
            return queryset.filter(Exists(disputes.exclude(status__in=Dispute.CLOSED)))
        if self.value() == "any":
            return queryset.filter(Exists(disputes))
        return queryset
