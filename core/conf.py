"""The base of every app's settings object (django-allauth's app_settings pattern).

Each property reads django.conf.settings on every access, so override_settings works in tests;
every name is documented with its default in README.md."""

from typing import Any

from django.conf import settings

DEFAULT_BASE_TEMPLATE = "minime/base.html"  # shop/templates/minime/base.html


class AppSettings:
    """Subclasses add one property per setting; names are read with the MINIME_ prefix."""

    prefix = "MINIME_"

    def _get(self, name: str, default: Any) -> Any:
        return getattr(settings, self.prefix + name, default)


class CoreSettings(AppSettings):
    @property
    def PRIVATE_STORAGE(self) -> str:
        """Alias in settings.STORAGES for customer photos, renders, print files and exports."""
        return str(self._get("PRIVATE_STORAGE", "minime_private"))

    @property
    def BASE_TEMPLATE(self) -> str:
        """The page frame every customer page extends (a host's own site frame)."""
        return str(self._get("BASE_TEMPLATE", DEFAULT_BASE_TEMPLATE))

    @property
    def DISPATCH_RETRY_SECONDS(self) -> int:
        """Work no worker has taken this long after it was sent is sent again (core.dispatch);
        the wait doubles with each copy, up to an hour."""
        return int(self._get("DISPATCH_RETRY_SECONDS", 60))


core_settings = CoreSettings()
