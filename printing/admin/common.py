"""What the production queue, print item and print batch admins share: who may see
production and who customers' email addresses, how a change's actor is named, the read-only
admin with one private file per row, and how a print item's status, hold reason and
preflight report and a line's art are shown."""

import json
import re
from typing import Any, cast

from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.typing import Account
from printing.models import PrintItem, PrintItemStatus, ProductionOrder
from shop.models import OrderLine


def staff(request: HttpRequest) -> Account:
    """The admin site lets only signed-in staff in, so request.user is an account."""
    return cast("Account", request.user)


def has_perm(request: HttpRequest, model: Any, action: str) -> bool:
    opts = model._meta
    return request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")


def can_view_production(request: HttpRequest) -> bool:
    return has_perm(request, ProductionOrder, "view") or has_perm(
        request, ProductionOrder, "change"
    )


def can_see_customer_contact(request: HttpRequest) -> bool:
    """Customers' email addresses are for staff who look after orders (shop.view_order: the
    owner, customer service). Fulfilment ships by the address and never needs them."""
    return request.user.has_perm("shop.view_order")


def object_pk(value: str) -> int:
    """A primary key from the URL; anything else is a 404, never a 500."""
    if not re.fullmatch(r"\d{1,18}", value):
        raise Http404
    return int(value)


class FileAdmin(ReadOnlyAdmin):
    """Read-only rows with one private file each."""

    # A private file per row, served only to staff with view permission: `<object_id>/file/`.

    def file_response(self, obj: Any) -> HttpResponseBase:
        raise NotImplementedError

    def file_link(self, obj: Any) -> SafeString | str:
        if not obj.file:
            return "-"
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_file", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name=f"{opts.app_label}_{opts.model_name}_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(self.get_queryset(request), pk=object_pk(object_id))
        if not obj.file:
            raise Http404
        return self.file_response(obj)


# --- A print item, as the queue's lines and the print item admin show it -----------------------


def print_status_html(item: PrintItem | None) -> SafeString | str:
    # Colours per state in shop/static/minime/admin.css (CSP: no style attributes).
    if item is None:
        return "-"
    return format_html(
        '<strong class="minime-status minime-status-{}">{}</strong>',
        PrintItemStatus(item.status).value,
        item.get_status_display(),
    )


def hold_reason_html(item: PrintItem | None) -> SafeString | str:
    if item is None or not item.hold_reason:
        return ""
    return format_html(
        '<span class="minime-hold">&#9888; {}</span>',
        item.hold_reason,
    )


def preflight_html(item: PrintItem | None) -> SafeString | str:
    if item is None or not item.preflight:
        return "-"
    text = json.dumps(item.preflight, indent=2, sort_keys=True, ensure_ascii=False)
    return format_html(
        '<details><summary>{}</summary><pre class="minime-preflight">{}</pre></details>',
        _("preflight report"),
        text,
    )


# --- An order line's approved art, through the queue's staff view -----------------------------


def render_url(line: OrderLine, thumb: bool = True) -> str:
    url = reverse("admin:printing_productionorder_render", args=[line.pk])
    return url + "?size=thumb" if thumb else url


def artwork_html(line: OrderLine, size: int = 56) -> SafeString | str:
    if line.render_id is None:
        return "-"
    return format_html(
        '<a href="{}" target="_blank"><img src="{}" width="{}" height="{}" loading="lazy" '
        'alt="{}" title="{}" class="minime-art"></a>',
        render_url(line, thumb=False),
        render_url(line),
        size,
        size,
        line.figure_name,
        f"{line.figure_name}: {line.product_name} {line.variant_name}{_likeness_note(line)}",
    )


def _likeness_note(line: OrderLine) -> str:
    """The render's likeness to the customer's photo (figures.likeness), for staff."""
    render = line.render
    if render is None or not render.likeness_model:
        return ""
    if render.likeness_distance is None:
        return " · " + str(_("likeness: no face found"))
    return " · " + str(_("likeness distance %(d).2f") % {"d": render.likeness_distance})
