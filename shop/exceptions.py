from django.utils.translation import gettext_lazy as _

from core.exceptions import CustomerFacingError


class ShopError(CustomerFacingError):
    """A refusal in the shop app; `message` is shown in the page."""


class IllegalOrderTransition(ShopError):
    default_message = _("This order cannot change to that state now.")


class CartInvalid(ShopError):
    default_message = _("Your cart changed. Please check it and try again.")


class NotAvailable(ShopError):
    default_message = _("This product is not available.")


class PaymentError(ShopError):
    default_message = _("The payment could not be started. Please try again.")
