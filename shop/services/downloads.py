"""Signed, expiring download links for the digital lines of paid orders.

A link carries the line's random download key (OrderLine.download_key, never its id or order
number) with the date it was made, signed with the secret key and a salt of its own, so it
cannot be forged, pointed at another line or read; it expires after
shop_settings.DOWNLOAD_LINK_MAX_AGE_DAYS. Only the account that owns the order gets anything
but "not valid": a forwarded email alone does not hand out a customer's face, and a stranger
learns nothing of the order (not whether it exists, expired or was refunded).
"""

from collections.abc import Callable
from datetime import timedelta

from django.contrib.sites.models import Site
from django.core import signing
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.typing import Account
from shop.conf import shop_settings
from shop.exceptions import ShopError
from shop.models import OrderLine, OrderStatus, ProductKind

SALT = "minime.shop.downloads.key"
# Links made before keys (a readable line id and order number) keep working until they
# expire; drop LEGACY_SALT and _legacy_line() one DOWNLOAD_LINK_MAX_AGE_DAYS after release.
LEGACY_SALT = "minime.shop.downloads"

# Paid and not (fully) refunded or cancelled.
DOWNLOADABLE_STATUSES = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.IN_PRODUCTION,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.PARTIALLY_REFUNDED,
    }
)


class DownloadLinkInvalid(ShopError):
    default_message = _("This download link is not valid.")


class DownloadLinkExpired(DownloadLinkInvalid):
    default_message = _("This download link has expired. Open your order page for a fresh link.")


class DownloadNotAvailable(ShopError):
    default_message = _("This download is not available for the order in its current state.")


def site_url(path: str) -> str:
    """Absolute URL for a path, for emails (no request there): MINIME_SITE_URL, or http://
    plus the current Site's domain."""
    base = shop_settings.SITE_URL or f"http://{Site.objects.get_current().domain}"
    return base + path


def line_is_downloadable(line: OrderLine) -> bool:
    return (
        line.product_kind == ProductKind.DIGITAL
        and line.order.status in DOWNLOADABLE_STATUSES
        and line.render_id is not None
    )


def download_token(*, line: OrderLine) -> str:
    """`<key>:<date>:<signature>`: the random key, the base62 time it was made, and an HMAC."""
    if line.product_kind != ProductKind.DIGITAL:
        raise DownloadNotAvailable()
    return signing.TimestampSigner(salt=SALT).sign(line.download_key)


def download_url(*, line: OrderLine, absolute: bool = False) -> str:
    """The link of a digital line; `absolute` for emails."""
    path = reverse("shop:download", kwargs={"token": download_token(line=line)})
    return site_url(path) if absolute else path


def _lines() -> QuerySet[OrderLine]:
    return OrderLine.objects.select_related("order", "render")


def _legacy_line(token: str, max_age: timedelta) -> tuple[OrderLine | None, bool]:
    expired = False
    try:
        data = signing.loads(token, salt=LEGACY_SALT, max_age=max_age)
    except signing.SignatureExpired:
        data, expired = signing.loads(token, salt=LEGACY_SALT), True
    except signing.BadSignature:
        return None, False
    line_id = data.get("line") if isinstance(data, dict) else None
    number = data.get("order") if isinstance(data, dict) else None
    if not isinstance(line_id, int) or not isinstance(number, str):
        return None, False
    return _lines().filter(pk=line_id, order__number=number).first(), expired


def _signed_line(token: str) -> tuple[OrderLine | None, bool]:
    """The line a genuine link names (None if none) and whether the link has expired."""
    max_age = timedelta(days=shop_settings.DOWNLOAD_LINK_MAX_AGE_DAYS)
    signer = signing.TimestampSigner(salt=SALT)
    try:
        key, expired = signer.unsign(token, max_age=max_age), False
    except signing.SignatureExpired:  # genuine, only old: the owner is told so
        key, expired = signer.unsign(token), True
    except signing.BadSignature:
        return _legacy_line(token, max_age)
    return _lines().filter(download_key=key).first(), expired


def download_resolve(*, token: str, owner: Account) -> OrderLine:
    """The line a link points at, if the link is genuine, the order is `owner`'s, the link
    is fresh and the order is paid. Raises DownloadLinkInvalid (for every link that is not
    the owner's, whatever its state), DownloadLinkExpired or DownloadNotAvailable."""
    line, expired = _signed_line(token)
    if (
        line is None
        or line.order.owner_id != owner.pk
        or line.product_kind != ProductKind.DIGITAL
        or line.render is None
    ):
        raise DownloadLinkInvalid()
    if expired:
        raise DownloadLinkExpired()
    if line.order.status not in DOWNLOADABLE_STATUSES:
        raise DownloadNotAvailable()
    return line


# A provider offers a better file for a digital line than its approved render (printing
# registers one in its AppConfig.ready(): the print-quality PNG) or returns None. The shop
# never imports the apps above it; without any provider it serves the render.
DownloadFileProvider = Callable[[OrderLine], FieldFile | None]
_download_file_providers: list[DownloadFileProvider] = []


def download_file_provider_register(provider: DownloadFileProvider) -> None:
    """Ask `provider` first for the file of a digital line (idempotent; call in ready())."""
    if provider not in _download_file_providers:
        _download_file_providers.append(provider)


def download_file(*, line: OrderLine) -> FieldFile:
    """The file a digital line's link serves: the first a registered provider offers (with
    printing installed: its print-quality PNG once that is ready), else the approved render."""
    for provider in _download_file_providers:
        file = provider(line)
        if file is not None:
            return file
    assert line.render is not None  # download_resolve checks it
    return line.render.image
