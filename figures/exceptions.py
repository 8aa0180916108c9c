from django.utils.translation import gettext_lazy as _

from core.exceptions import CustomerFacingError


class FigureError(CustomerFacingError):
    """A refusal in the figures app; `message` is shown in the page."""


class IllegalTransition(FigureError):
    default_message = _("This change is not allowed in the current state.")


class DesignFrozen(FigureError):
    default_message = _("This design is approved and can no longer be changed.")


class JobAlreadyRunning(FigureError):
    default_message = _("Your figure is already being generated. Please wait for it to finish.")


class QuotaExceeded(FigureError):
    default_message = _("You have reached today's generation limit. Please try again tomorrow.")


class PhotoMissing(FigureError):
    default_message = _("The photo for this design is no longer stored. Please upload a new one.")
