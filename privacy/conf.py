"""Privacy settings, read on access so override_settings works (see README.md)."""

from core.conf import AppSettings


class PrivacySettings(AppSettings):
    @property
    def PHOTO_RETENTION_DAYS(self) -> int:
        """Days a source photo is kept after its design is approved or last order ships."""
        return int(self._get("PHOTO_RETENTION_DAYS", 30))

    @property
    def UNAPPROVED_RENDER_RETENTION_DAYS(self) -> int:
        return int(self._get("UNAPPROVED_RENDER_RETENTION_DAYS", 7))

    @property
    def INVOICE_RETENTION_YEARS(self) -> int:
        """Years the anonymised invoice data of an erased customer is kept (tax law)."""
        return int(self._get("INVOICE_RETENTION_YEARS", 8))

    @property
    def EXPORT_LINK_HOURS(self) -> int:
        """Hours a ready data export can be downloaded (once)."""
        return int(self._get("EXPORT_LINK_HOURS", 72))

    @property
    def UNUSED_ACCOUNT_DAYS(self) -> int:
        """Accounts with no login, order or design for this many days are erased."""
        return int(self._get("UNUSED_ACCOUNT_DAYS", 730))

    @property
    def ERASURE_MAX_ATTEMPTS(self) -> int:
        """Failed runs of one erasure the sweeper retries (with backoff) before staff see it
        as stuck."""
        return int(self._get("ERASURE_MAX_ATTEMPTS", 10))

    @property
    def REQUEST_TIMEOUT(self) -> int:
        """Seconds a worker may hold an export or erasure; after that its worker counts as
        lost and the sweeper sends the work again."""
        return int(self._get("PRIVACY_REQUEST_TIMEOUT", 900))


privacy_settings = PrivacySettings()
