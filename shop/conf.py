"""Shop settings, read on access so override_settings works (see README.md)."""

from decimal import Decimal

from core.conf import AppSettings

# VAT by destination country (EU standard rates, 2026). Countries not listed pay no VAT
# (exports). Merchants replace the table with MINIME_VAT_RATES.
DEFAULT_VAT_RATES: dict[str, str] = {
    "AT": "0.20", "BE": "0.21", "BG": "0.20", "CY": "0.19", "CZ": "0.21", "DE": "0.19",
    "DK": "0.25", "EE": "0.24", "ES": "0.21", "FI": "0.255", "FR": "0.20", "GR": "0.24",
    "HR": "0.25", "HU": "0.27", "IE": "0.23", "IT": "0.22", "LT": "0.21", "LU": "0.17",
    "LV": "0.21", "MT": "0.18", "NL": "0.21", "PL": "0.23", "PT": "0.23", "RO": "0.21",
    "SE": "0.25", "SI": "0.22", "SK": "0.23",
}  # fmt: skip


class ShopSettings(AppSettings):
    @property
    def CURRENCY(self) -> str:
        return str(self._get("CURRENCY", "EUR")).upper()

    @property
    def DEFAULT_COUNTRY(self) -> str:
        """Country whose VAT is shown before the customer gives an address."""
        return str(self._get("DEFAULT_COUNTRY", "DE"))

    def vat_rate(self, country: str) -> Decimal:
        """MINIME_VAT_RATES' rate for one country code (0 where none is listed)."""
        return Decimal(str(self._get("VAT_RATES", DEFAULT_VAT_RATES).get(country, "0")))

    @property
    def ORDER_NUMBER_PREFIX(self) -> str:
        return str(self._get("ORDER_NUMBER_PREFIX", "MM-"))

    @property
    def MAX_LINE_QUANTITY(self) -> int:
        return int(self._get("MAX_LINE_QUANTITY", 20))

    @property
    def STRIPE_SECRET_KEY(self) -> str:
        return str(self._get("STRIPE_SECRET_KEY", ""))

    @property
    def STRIPE_PUBLISHABLE_KEY(self) -> str:
        return str(self._get("STRIPE_PUBLISHABLE_KEY", ""))

    @property
    def STRIPE_WEBHOOK_SECRET(self) -> str:
        return str(self._get("STRIPE_WEBHOOK_SECRET", ""))

    @property
    def STRIPE_API_BASE(self) -> str | None:
        """Set to localstripe's URL on a fresh machine; None means real Stripe."""
        return self._get("STRIPE_API_BASE", None)

    @property
    def STRIPE_JS_URL(self) -> str:
        return str(self._get("STRIPE_JS_URL", "https://js.stripe.com/v3/"))

    @property
    def PAYMENT_RECONCILE_AFTER_MINUTES(self) -> int:
        """Pending orders older than this are checked against Stripe (lost webhooks)."""
        return int(self._get("PAYMENT_RECONCILE_AFTER_MINUTES", 10))

    @property
    def DOWNLOAD_LINK_MAX_AGE_DAYS(self) -> int:
        return int(self._get("DOWNLOAD_LINK_MAX_AGE_DAYS", 30))

    @property
    def EMAIL_MAX_ATTEMPTS(self) -> int:
        """Delivery attempts of one customer email before it shows as failed (about a day
        with the backoff capped at an hour)."""
        return int(self._get("EMAIL_MAX_ATTEMPTS", 30))

    @property
    def EMAIL_RETENTION_DAYS(self) -> int:
        """Days a sent customer email is kept (for support questions) before it is deleted."""
        return int(self._get("EMAIL_RETENTION_DAYS", 30))

    @property
    def SITE_URL(self) -> str | None:
        """Scheme + host for links in emails (e.g. "https://shop.example.com"); None means
        http:// plus the domain of the current django.contrib.sites Site."""
        value = self._get("SITE_URL", None)
        return str(value).rstrip("/") if value else None


shop_settings = ShopSettings()
