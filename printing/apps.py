from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrintingConfig(AppConfig):
    name = "printing"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Printing")

    def ready(self) -> None:
        from figures.printable import printable_text_checker_register
        from printing import receivers  # connects the shop.signals receivers
        from printing.press.fonts import printable_text_check
        from printing.privacy import PrintingPrivacyHandler
        from privacy.registry import register
        from shop.services.downloads import download_file_provider_register

        register(PrintingPrivacyHandler())
        download_file_provider_register(receivers.download_file_of)
        # The design form refuses a name the print fonts (fallbacks included) cannot set.
        printable_text_checker_register(printable_text_check)
