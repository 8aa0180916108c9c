from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from core import checks  # noqa: F401  (the host's settings: minime.E001...)
        from privacy.handlers import AccountsPrivacyHandler
        from privacy.registry import register

        register(AccountsPrivacyHandler())
