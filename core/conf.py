"""The base of every app's settings object (django-allauth's app_settings pattern).

Each property reads django.conf.settings on every access, so override_settings works in tests;
every name is documented with its default in README.md."""

from pathlib import Path
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

    @property
    def C2PA_DIR(self) -> Path:
        """Folder of the development signing credentials (minime_c2pa_credentials writes them):
        the default home of the three paths below. Default: <VAR_DIR or BASE_DIR/var>/c2pa."""
        configured = self._get("C2PA_DIR", None)
        if configured:
            return Path(configured)
        var = getattr(settings, "VAR_DIR", None) or Path(getattr(settings, "BASE_DIR", ".")) / "var"
        return Path(var) / "c2pa"

    @property
    def C2PA_CERT_CHAIN(self) -> Path:
        """PEM file: the signing (leaf) certificate first, then its intermediates."""
        return Path(self._get("C2PA_CERT_CHAIN", None) or self.C2PA_DIR / "chain.pem")

    @property
    def C2PA_PRIVATE_KEY(self) -> Path:
        """PEM file: the leaf certificate's private key (PKCS#8, unencrypted; keep it 0600)."""
        return Path(self._get("C2PA_PRIVATE_KEY", None) or self.C2PA_DIR / "signing-key.pem")

    @property
    def C2PA_ALGORITHM(self) -> str:
        """Signature algorithm matching the key: es256 (default), es384, es512, ps256, ed25519..."""
        return str(self._get("C2PA_ALGORITHM", "es256")).lower()

    @property
    def C2PA_TSA_URL(self) -> str | None:
        """RFC 3161 timestamp authority; None signs without a trusted timestamp."""
        return self._get("C2PA_TSA_URL", None) or None

    @property
    def C2PA_TRUST_ANCHORS(self) -> Path:
        """PEM file of the CA certificates whose signatures the check page calls trusted."""
        return Path(self._get("C2PA_TRUST_ANCHORS", None) or self.C2PA_DIR / "ca.pem")


core_settings = CoreSettings()
