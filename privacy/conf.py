"""Privacy settings, read on access so override_settings works (see README.md)."""

from typing import Any

from django.conf import settings


class PrivacySettings:
    def _get(self, name: str, default: Any) -> Any:
        return getattr(settings, "MINIME_" + name, default)

    @property
    def PHOTO_RETENTION_DAYS(self) -> int:
        """Days a source photo is kept after its design is approved or last order ships."""
        return int(self._get("PHOTO_RETENTION_DAYS", 30))

    @property
    def UNAPPROVED_RENDER_RETENTION_DAYS(self) -> int:
        return int(self._get("UNAPPROVED_RENDER_RETENTION_DAYS", 7))


privacy_settings = PrivacySettings()
