"""Storefront pages. Every read is scoped to the signed-in account (others' rows are 404);
every price shown or charged comes from shop.services.pricing, never from the request."""

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries import countries

from core.files import private_file_response
from core.typing import Account, AuthenticatedRequest
from figures import selectors as figure_selectors
from figures.models import DesignStatus, FigureDesign
from shop import selectors
from shop.catalog import catalog_on_sale
from shop.conf import shop_settings
from shop.csp import allow_stripe
from shop.exceptions import CartInvalid, ShopError
from shop.forms import AddToCartForm, CartLineForm, CheckoutForm
from shop.models import OrderLine, OrderStatus
from shop.render_memo import render_memo
from shop.services import downloads
from shop.services.cart import (
    cart_add,
    cart_for,
    cart_lines,
    cart_quote,
    cart_remove,
    cart_set_quantity,
)
from shop.services.orders import order_place
from shop.services.pricing import Quote, quote, vat_rate


def _percent(rate: Decimal) -> str:
    """0.19 -> "19", 0.255 -> "25.5" (for "incl. 19 % VAT")."""
    return str((rate * 100).quantize(Decimal("0.1"))).rstrip("0").rstrip(".")


def _status_label(status: str) -> str:
    return str(OrderStatus(status).label) if status in OrderStatus.values else status


def _message_page(request: HttpRequest, *, title: str, message: str, status: int) -> HttpResponse:
    return render(request, "shop/message.html", {"title": title, "message": message}, status=status)


# --- Home and product page --------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    designs: Any = []
    if request.user.is_authenticated:
        designs = selectors.approved_designs_of(owner=request.user)
    return render(request, "shop/home.html", {"designs": designs})


def _product_context(
    design: FigureDesign | selectors.DesignCard, bound: AddToCartForm | None = None
) -> dict[str, Any]:
    country = shop_settings.DEFAULT_COUNTRY
    bound_product = bound.limit_to_posted_product() if bound is not None else None
    offers = []
    # The options come from the catalog kept in this process (shop.catalog: reloaded when a
    # product or variant changes), not from per-product form widgets, which cost a query each;
    # the posted form still validates every add and supplies its errors and values.
    for entry in catalog_on_sale(country=country, currency=shop_settings.CURRENCY):
        form = bound if bound_product == entry.product else None
        offers.append(
            {
                "product": entry.product,
                "form": form,
                "options": entry.options,
                "selected": str(form["variant"].value()) if form else str(entry.options[0][0].pk),
                "quantity": form["quantity"].value() if form else 1,
            }
        )
    return {
        "max_quantity": shop_settings.MAX_LINE_QUANTITY,
        "design": design,
        "offers": offers,
        "orphan_form": bound if bound is not None and bound_product is None else None,
        "vat_percent": _percent(vat_rate(country)),
        "vat_country": countries.name(country),
        "currency": shop_settings.CURRENCY,
    }


@login_required
@require_http_methods(["GET", "POST"])
def product(request: AuthenticatedRequest, design_id: UUID) -> HttpResponse:
    """One approved design of the owner, and every product it can be ordered as."""
    if request.method == "GET":
        # The fields the page shows, in one compiled query (shop.selectors.design_card_of).
        card = selectors.design_card_of(owner=request.user, design_id=design_id)
        if card is None:
            raise Http404
        if card.status != DesignStatus.APPROVED:
            return render(request, "shop/design_not_ready.html", {"design": card}, status=409)
        # The same HTML for the same inputs is reused (shop.render_memo: keyed by content).
        return render_memo(request, "shop/product.html", _product_context(card))
    design = get_object_or_404(figure_selectors.designs_of(owner=request.user), pk=design_id)
    if design.status != DesignStatus.APPROVED:
        return render(request, "shop/design_not_ready.html", {"design": design}, status=409)
    form = AddToCartForm(request.POST)
    if form.is_valid():
        try:
            cart_add(
                owner=request.user,
                design=design,
                variant=form.cleaned_data["variant"],
                quantity=form.cleaned_data["quantity"],
            )
        except CartInvalid:
            # The form allows 1..MAX; only the sum with what is in the cart can exceed it.
            form.add_error(
                "quantity",
                _("At most %(max)s of each item per order, including those in your cart.")
                % {"max": shop_settings.MAX_LINE_QUANTITY},
            )
        except ShopError as exc:
            form.add_error(None, exc.message)
        else:
            variant = form.cleaned_data["variant"]
            messages.success(
                request,
                _("Added to your cart: %(product)s %(variant)s.")
                % {"product": variant.product.name, "variant": variant.name},
            )
            return redirect("shop:cart")
    return render(request, "shop/product.html", _product_context(design, form), status=400)


# --- Cart -------------------------------------------------------------------------------------


def _cart_context(owner: Account, errors: dict[int, CartLineForm] | None = None) -> dict[str, Any]:
    # One query: the owner's lines with their designs' shown fields; variants and products from
    # the catalog (no cart row is needed to show an empty cart, so none is created here);
    # priced by the same quote() as the order.
    lines = selectors.cart_rows_for_page(owner=owner)
    summary = quote(
        items=[(line.design_id, line.variant, line.quantity) for line in lines],
        country=shop_settings.DEFAULT_COUNTRY,
    )
    errors = errors or {}
    rows = [
        {
            "line": line,
            "price": priced,
            # A form only for a line whose update was refused (its errors and posted value).
            "form": errors.get(line.pk),
            "available": line.design_status == DesignStatus.APPROVED
            and line.variant.is_active
            and line.variant.product.is_active,
        }
        for line, priced in zip(lines, summary.lines, strict=True)
    ]
    return {
        "rows": rows,
        "summary": summary,
        "max_quantity": shop_settings.MAX_LINE_QUANTITY,
        "vat_percent": _percent(vat_rate(summary.country)),
        "vat_country": countries.name(summary.country),
    }


@login_required
@require_GET
def cart(request: AuthenticatedRequest) -> HttpResponse:
    return render_memo(request, "shop/cart.html", _cart_context(request.user))


@login_required
@require_POST
def cart_line(request: AuthenticatedRequest, line_id: int) -> HttpResponse:
    """Change a line's quantity (0 or the remove button removes it)."""
    line = get_object_or_404(selectors.cart_lines_of(owner=request.user), pk=line_id)
    if "remove" in request.POST:
        cart_remove(line=line)
        messages.success(request, _("Removed from your cart."))
        return redirect("shop:cart")
    form = CartLineForm(request.POST)
    if form.is_valid():
        try:
            cart_set_quantity(line=line, quantity=form.cleaned_data["quantity"])
        except ShopError as exc:
            form.add_error("quantity", exc.message)
        else:
            return redirect("shop:cart")
    context = _cart_context(request.user, errors={line.pk: form})
    return render(request, "shop/cart.html", context, status=400)


# --- Checkout ---------------------------------------------------------------------------------


def _checkout_initial(request: AuthenticatedRequest) -> dict[str, Any]:
    """The account's email, and the address of its last order (people move rarely)."""
    initial: dict[str, Any] = {"email": request.user.email}
    last = selectors.orders_of(owner=request.user).first()
    if last is not None:
        for name in ("full_name", "address_line1", "address_line2", "postcode", "city"):
            initial[name] = getattr(last, name)
        initial["country"] = str(last.country)
    if request.GET.get("country"):
        initial["country"] = request.GET["country"]
    initial.setdefault("country", shop_settings.DEFAULT_COUNTRY)
    return initial


def _checkout_render(
    request: AuthenticatedRequest, form: CheckoutForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    cart = cart_for(owner=request.user)
    summary: Quote = cart_quote(
        cart=cart, country=form.country_code, shipping_method=form.selected_shipping_method()
    )
    lines = list(cart_lines(cart=cart))
    context = {
        "form": form,
        "summary": summary,
        "rows": list(zip(lines, summary.lines, strict=True)),
        "vat_country": countries.name(summary.country),
        "shipping_gross": summary.shipping.gross if summary.shipping else None,
        "error": error,
    }
    return render(request, "shop/checkout.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request: AuthenticatedRequest) -> HttpResponse:
    """Address, shipping and a summary priced for the chosen country; POST places the order.
    A POST with `refresh` (country changed) only re-prices the summary."""
    cart = cart_for(owner=request.user)
    lines = list(cart_lines(cart=cart))
    needs_shipping = any(line.variant.product.is_shippable for line in lines)
    if request.method == "GET":
        if not lines:
            messages.info(request, _("Your cart is empty."))
            return redirect("shop:cart")
        form = CheckoutForm(initial=_checkout_initial(request), needs_shipping=needs_shipping)
        return _checkout_render(request, form)
    if "refresh" in request.POST:
        posted = {key: request.POST.get(key) for key in request.POST if key != "refresh"}
        form = CheckoutForm(initial=posted, needs_shipping=needs_shipping)
        return _checkout_render(request, form)
    form = CheckoutForm(request.POST, needs_shipping=needs_shipping)
    if not form.is_valid():
        return _checkout_render(request, form, status=400)
    data = form.cleaned_data
    try:
        order = order_place(
            owner=request.user,
            cart=cart,
            email=data["email"],
            full_name=data["full_name"],
            address_line1=data["address_line1"],
            address_line2=data["address_line2"],
            postcode=data["postcode"],
            city=data["city"],
            country=data["country"],
            shipping_method=data.get("shipping_method"),
        )
    except ShopError as exc:
        status = 409 if isinstance(exc, CartInvalid) else 400
        return _checkout_render(request, form, error=exc.message, status=status)
    return redirect("shop:order_pay", number=order.number)


# --- Orders -----------------------------------------------------------------------------------


@login_required
@require_GET
def order_list(request: AuthenticatedRequest) -> HttpResponse:
    orders = selectors.orders_of(owner=request.user).prefetch_related("lines")
    return render(request, "shop/order_list.html", {"orders": orders})


@login_required
@require_GET
def order_detail(request: AuthenticatedRequest, number: str) -> HttpResponse:
    order = get_object_or_404(selectors.orders_of(owner=request.user), number=number)
    lines = list(order.lines.select_related("order"))
    rows = [
        {
            "line": line,
            "download_url": downloads.download_url(line=line)
            if downloads.line_is_downloadable(line)
            else None,
        }
        for line in lines
    ]
    context = {
        "order": order,
        "rows": rows,
        "history": [
            {"at": change.created_at, "label": _status_label(change.to_status)}
            for change in order.status_changes.all()
        ],
        "has_shippable_lines": any(line.is_shippable for line in lines),
    }
    return render(request, "shop/order_detail.html", context)


@login_required
@require_GET
def order_pay(request: AuthenticatedRequest, number: str) -> HttpResponse:
    """Card payment with Stripe.js. The order becomes paid only through the webhook."""
    order = get_object_or_404(selectors.orders_of(owner=request.user), number=number)
    if not order.is_payable:
        messages.info(
            request,
            _("Order %(number)s cannot be paid now: it is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
        )
        return redirect("shop:order_detail", number=order.number)
    # Imported here: the payments module talks to Stripe; only this page needs it.
    from shop.services.payments.intents import payment_start

    try:
        start = payment_start(order=order)
    except ShopError as exc:
        context = {"order": order, "error": exc.message}
        return render(request, "shop/order_pay.html", context, status=409)
    stripe_config = {
        "publishableKey": start.publishable_key,
        "clientSecret": start.client_secret,
        "name": order.full_name,
        "email": order.email,
    }
    if shop_settings.STRIPE_API_BASE:  # localstripe: see order_pay_confirm
        stripe_config["confirmUrl"] = reverse("shop:order_pay_confirm", args=[order.number])
    context = {"order": order, "payment": start, "stripe_config": stripe_config}
    response = render(request, "shop/order_pay.html", context)
    return allow_stripe(request=request, response=response)  # Stripe.js: this page only


@login_required
@require_POST
def order_pay_confirm(request: AuthenticatedRequest, number: str) -> JsonResponse:
    """Development bridge, only with MINIME_STRIPE_API_BASE (localstripe) set: the pay page
    posts a card token from localstripe's Stripe.js (`token`, form-encoded, CSRF-protected)
    and the server confirms the order's PaymentIntent with it. Real Stripe.js confirms in the
    browser and never calls this (404 then). Answers JSON {status, client_secret, error};
    the order becomes paid only through the webhook."""
    if not shop_settings.STRIPE_API_BASE:
        raise Http404
    order = get_object_or_404(selectors.orders_of(owner=request.user), number=number)
    if not order.is_payable:
        message = _("Order %(number)s cannot be paid now: it is %(status)s.") % {
            "number": order.number,
            "status": order.get_status_display(),
        }
        return JsonResponse({"status": "error", "error": message}, status=409)
    token = request.POST.get("token", "")
    if not token:
        return JsonResponse(
            {"status": "error", "error": _("The card details could not be read.")}, status=400
        )
    from shop.services.payments.bridge import payment_confirm_with_token

    try:
        result = payment_confirm_with_token(order=order, token_id=token)
    except ShopError as exc:
        return JsonResponse({"status": "error", "error": exc.message}, status=409)
    return JsonResponse(
        {
            "status": result.status,
            "client_secret": result.client_secret,
            "error": result.error_message,
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
@require_GET
def order_complete(request: AuthenticatedRequest, number: str) -> HttpResponse:
    """Thank-you page: polls the status until the webhook has marked the order paid."""
    order = get_object_or_404(selectors.orders_of(owner=request.user), number=number)
    return render(request, "shop/order_complete.html", {"order": order})


@login_required
@require_GET
def order_status(request: AuthenticatedRequest, number: str) -> JsonResponse:
    order = get_object_or_404(selectors.orders_of(owner=request.user), number=number)
    return JsonResponse(
        {
            "number": order.number,
            "status": order.status,
            "status_label": order.get_status_display(),
            "is_payable": order.is_payable,
        },
        headers={"Cache-Control": "no-store"},
    )


# --- Downloads --------------------------------------------------------------------------------


@login_required
@require_GET
def download(request: AuthenticatedRequest, token: str) -> HttpResponseBase:
    """A digital line's image, by signed link, to the account that ordered it. Any link that
    is not this account's is 404 "not valid"; only the owner hears of expiry (410) or of an
    order that is no longer paid (409)."""
    title = _("Download")
    try:
        line: OrderLine = downloads.download_resolve(token=token, owner=request.user)
    except downloads.DownloadLinkExpired as exc:
        return _message_page(request, title=title, message=exc.message, status=410)
    except downloads.DownloadLinkInvalid as exc:
        return _message_page(request, title=title, message=exc.message, status=404)
    except downloads.DownloadNotAvailable as exc:
        return _message_page(request, title=title, message=exc.message, status=409)
    image = downloads.download_file(line=line)  # the print-quality PNG once it is ready
    return private_file_response(
        image, content_type="image/png", filename=f"mini-me-{line.order.number}-{line.pk}.png"
    )
