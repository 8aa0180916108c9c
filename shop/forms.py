"""Storefront forms. None of them carries a price: totals are computed on the server from the
chosen variant, quantity, country and shipping method (shop.services.pricing)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django_countries import countries

# Not in django-countries' stubs; the lazy field translates country names per request.
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]

from core.text import SingleLineTextField, validate_single_line
from shop.conf import shop_settings
from shop.models import Product, ProductVariant, ShippingMethod
from shop.services.pricing import shipping_options, variant_price


def money_label(amount: Decimal, currency: str) -> str:
    """Formatted for the active language, like the templates' prices (6,00 EUR in German)."""
    return f"{number_format(amount, 2)} {currency}"


class VariantChoiceField(forms.ModelChoiceField):
    """Variants labelled with their VAT-inclusive price for the shop's default country."""

    def label_from_instance(self, obj: Any) -> str:
        price = variant_price(variant=obj)
        return f"{obj.name} · {money_label(price.gross, price.currency)}"


def orderable_variants() -> Any:
    return ProductVariant.objects.filter(is_active=True, product__is_active=True).select_related(
        "product"
    )


class AddToCartForm(forms.Form):
    """One form per product on the product page. `product` says which product's form was
    posted (so an invalid one is shown again in its place); the variant must belong to it."""

    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True), widget=forms.HiddenInput
    )
    variant = VariantChoiceField(
        label=_("Option"),
        queryset=ProductVariant.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": _("Please choose one of the options shown.")},
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)

    def __init__(self, *args: Any, product: Product | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        variants = orderable_variants()
        if product is not None:
            # One form per product on a page: ids must not collide between them.
            self.auto_id = f"id_{product.slug}_%s"
            variants = variants.filter(product=product)
            self.initial.setdefault("product", product.pk)
            first = variants.first()
            if first is not None:
                self.initial.setdefault("variant", first.pk)
        self.fields["variant"].queryset = variants  # type: ignore[attr-defined]
        _limit_quantity(self.fields["quantity"], minimum=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product, variant = data.get("product"), data.get("variant")
        if product is not None and variant is not None and variant.product_id != product.pk:
            self.add_error("variant", _("Please choose one of the options shown."))
        return data

    def limit_to_posted_product(self) -> Product | None:
        """After validation: the product whose form this was, for re-rendering it."""
        product = self.cleaned_data.get("product") if hasattr(self, "cleaned_data") else None
        if product is not None:
            self.auto_id = f"id_{product.slug}_%s"
            self.fields["variant"].queryset = orderable_variants().filter(  # type: ignore[attr-defined]
                product=product
            )
        return product


def _limit_quantity(field: forms.Field, *, minimum: int) -> None:
    """MAX_LINE_QUANTITY is read per form, so override_settings applies."""
    limit = shop_settings.MAX_LINE_QUANTITY
    field.validators.append(
        MaxValueValidator(limit, message=_("At most %(limit_value)s per item, please."))
    )
    field.widget.attrs.update({"min": minimum, "max": limit})


class CartLineForm(forms.Form):
    """Quantity of one cart line; 0 removes it."""

    quantity = forms.IntegerField(label=_("Quantity"), min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_quantity(self.fields["quantity"], minimum=0)


class ShippingMethodField(forms.ModelChoiceField):
    def __init__(self, *args: Any, country: str, **kwargs: Any) -> None:
        self.prices = {method.pk: price for method, price in shipping_options(country=country)}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        price = self.prices.get(obj.pk)
        if price is None:
            return str(obj.name)
        return f"{obj.name} · {money_label(price.gross, price.currency)}"


class CheckoutForm(forms.Form):
    """Address (billing = shipping) and, for carts with physical items, a shipping method
    offered for the posted country. Digital-only carts still need the address (invoice)."""

    # Every text is one line without control or format characters (core.text): it goes on
    # the invoice, the packing slip, the shipping label and into email headers.
    email = forms.EmailField(label=_("Email"), validators=[validate_single_line])
    full_name = SingleLineTextField(label=_("Full name"), max_length=120)
    address_line1 = SingleLineTextField(label=_("Address"), max_length=120)
    address_line2 = SingleLineTextField(label=_("Address line 2"), max_length=120, required=False)
    postcode = SingleLineTextField(label=_("Postcode"), max_length=20)
    city = SingleLineTextField(label=_("City"), max_length=80)
    country = LazyTypedChoiceField(label=_("Country"), choices=countries)

    def __init__(self, *args: Any, needs_shipping: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per form, not per class: Django freezes class-level choices in the language that
        # was active at import; country names must follow the visitor's language.
        self.fields["country"].choices = list(countries)  # type: ignore[attr-defined]
        self.country_code = self._country_code()
        if not self.is_bound:
            self.initial["country"] = self.country_code  # an unknown ?country= shows the default
        if needs_shipping:
            offered = [method.pk for method, _price in shipping_options(country=self.country_code)]
            self.fields["shipping_method"] = ShippingMethodField(
                label=_("Shipping"),
                queryset=ShippingMethod.objects.filter(pk__in=offered, is_active=True),
                country=self.country_code,
                widget=forms.RadioSelect,
                empty_label=None,
                error_messages={
                    "required": _("Please choose a shipping method."),
                    "invalid_choice": _("This shipping method is not offered for your country."),
                },
            )
            # Pre-select the first method offered, also when the country changed and the
            # chosen method is not offered there.
            if offered and str(self.initial.get("shipping_method")) not in map(str, offered):
                self.initial["shipping_method"] = offered[0]
        for name, autocomplete in AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = autocomplete

    def _country_code(self) -> str:
        """The country the shipping choices and the summary are for: the posted one when it
        is a real country code, else the initial one, else the shop's default."""
        source = self.data if self.is_bound else self.initial
        code = str(source.get(self.add_prefix("country")) or source.get("country") or "")
        code = code.upper()
        return code if code in dict(countries) else shop_settings.DEFAULT_COUNTRY

    def selected_shipping_method(self) -> ShippingMethod | None:
        """The method the summary shows: the valid posted one, or the pre-selected one."""
        field = self.fields.get("shipping_method")
        if not isinstance(field, forms.ModelChoiceField):
            return None
        raw = self.data.get(self.add_prefix("shipping_method")) if self.is_bound else None
        raw = raw or self.initial.get("shipping_method")
        try:
            return field.queryset.get(pk=int(raw)) if raw else None  # type: ignore[union-attr]
        except (ValueError, TypeError, ShippingMethod.DoesNotExist):
            return None


AUTOCOMPLETE = {
    "email": "email",
    "full_name": "name",
    "address_line1": "address-line1",
    "address_line2": "address-line2",
    "postcode": "postal-code",
    "city": "address-level2",
    "country": "country",
}
