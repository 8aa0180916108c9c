from django.utils.translation import gettext_lazy as _


class ShopError(Exception):
    """A refusal the customer or staff member caused; `message` is shown in the page."""

    default_message = _("This action is not possible.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class IllegalOrderTransition(ShopError):
    default_message = _("This order cannot change to that state now.")


class CartInvalid(ShopError):
    default_message = _("Your cart changed. Please check it and try again.")


class NotAvailable(ShopError):
    default_message = _("This product is not available.")


class PaymentError(ShopError):
    default_message = _("The payment could not be started. Please try again.")
