from django.utils.translation import gettext_lazy as _


class CustomerFacingError(Exception):
    """A refusal the customer or a staff member caused; `message` is shown in the page.

    Each app derives its own base (FigureError, ShopError, ...) with its own default text."""

    default_message = _("This action is not possible.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)
