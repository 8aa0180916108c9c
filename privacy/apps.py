from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from privacy.handlers import AccountsPrivacyHandler
        from privacy.registry import register

        register(AccountsPrivacyHandler())
