from collections.abc import Sequence

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrintingConfig(AppConfig):
    name = "printing"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Printing")

    def ready(self) -> None:
        from figures.printable import (
            printable_layout_checker_register,
            printable_text_checker_register,
        )
        from printing import checks, receivers  # noqa: F401  (system checks, shop.signals receivers)
        from printing.press.fonts import printable_text_check
        from printing.privacy import PrintingPrivacyHandler
        from privacy.registry import register
        from shop.services.downloads import download_file_provider_register

        register(PrintingPrivacyHandler())
        download_file_provider_register(receivers.download_file_of)
        # The design form refuses a name the print fonts (fallbacks included) cannot set.
        printable_text_checker_register(printable_text_check)
        # ... and texts the box cannot set at the printer's minimum text size.
        printable_layout_checker_register(box_text_problems)


def box_text_problems(name: str, tagline: str, accessories: Sequence[str]) -> dict[str, str]:
    """printing.products.box_back.box_text_problems, imported on the first call (the box
    builder and its fonts stay out of start-up)."""
    from printing.products.box_back import box_text_problems as problems

    return problems(name, tagline, accessories)
