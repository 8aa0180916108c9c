from django.utils.translation import gettext_lazy as _


class FigureError(Exception):
    """A customer-facing refusal; `message` is shown in the page."""

    default_message = _("This action is not possible.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)


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
