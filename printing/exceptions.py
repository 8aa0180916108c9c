from django.utils.translation import gettext_lazy as _

from core.exceptions import CustomerFacingError


class PrintingError(CustomerFacingError):
    """A refusal in the printing app; `message` is shown in the page (staff: the admin)."""


class IllegalPrintItemTransition(PrintingError):
    default_message = _("This print item cannot change to that state now.")
