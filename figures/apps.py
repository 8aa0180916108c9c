from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FiguresConfig(AppConfig):
    name = "figures"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Figure studio")

    def ready(self) -> None:
        from figures.privacy import FiguresPrivacyHandler
        from privacy.registry import register

        register(FiguresPrivacyHandler())
