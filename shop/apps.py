from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Shop")

    def ready(self) -> None:
        from privacy.registry import register
        from shop import catalog  # noqa: F401  (catalog invalidation receivers, every process)
        from shop.privacy import ShopPrivacyHandler

        register(ShopPrivacyHandler())
