"""Admin building blocks every app uses (core is no app: nothing here is registered)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.models import StatusChange
from core.typing import Account


def actor_label(actor: Account | None, *, show_account: bool = False) -> str:
    """Who made a change, in the words every history shows: staff by their username, any
    other account as "customer" (its username, which may be an email address, only with
    `show_account`), nobody as "system" (webhooks, workers, sweepers)."""
    if actor is None:
        return str(_("system"))
    if actor.is_staff:
        return actor.get_username()
    if show_account:
        return f"{_('customer')} ({actor.get_username()})"
    return str(_("customer"))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows made by services only (history, webhooks, receipts): listed and shown, never
    added, edited or deleted by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """History and money rows on a parent's page: shown, never added, edited or deleted."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusHistoryInline(ReadOnlyInline):
    """The history rows of one state machine (core.models.StatusChange) on its owner's page."""

    verbose_name_plural = _("status history")
    fields = readonly_fields = ("created_at", "from_status", "to_status", "by", "reason")
    # Whether the customer's account name is shown (staff who look after orders only).
    show_customer_account = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def by(self, obj: StatusChange) -> str:
        return actor_label(obj.actor, show_account=self.show_customer_account)
