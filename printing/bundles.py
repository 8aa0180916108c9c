"""Print files bundled for download: the name each file gets, and a ZIP of the ready print
files of several orders (one folder per order) with the lines left out and why."""

import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from typing import IO

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from printing.models import PrintItem, PrintItemStatus
from printing.selectors import line_position, order_print_items
from shop.models import Order, OrderLine

CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png"}


def _suffix(name: str | None) -> str:
    name = name or ""
    return name.rsplit(".", 1)[-1].lower() if "." in name else "bin"


def print_file_content_type(name: str | None) -> str:
    return CONTENT_TYPES.get(_suffix(name), "application/octet-stream")


def print_file_name(item: PrintItem, position: int | None = None) -> str:
    """MM-000123-L1-sticker-sheet-a5-x2.pdf: sorts by order, says what and how many."""
    line = item.order_line
    position = position or line_position(line)
    what = slugify(f"{line.product_name} {line.variant_name}") or "item"
    return f"{line.order.number}-L{position}-{what}-x{line.quantity}.{_suffix(item.file.name)}"


def line_label(line: OrderLine, position: int) -> str:
    """How staff messages name a line: MM-000123 L1 (Sticker sheet A5)."""
    return f"{line.order.number} L{position} ({line.product_name} {line.variant_name})"


def _left_out(item: PrintItem | None) -> str | None:
    """Why the item's file cannot go into the ZIP, or None when it can."""
    if item is None or item.status != PrintItemStatus.READY or not item.file:
        status = item.get_status_display() if item else str(_("no print item yet"))
        if item and item.hold_reason:
            status = f"{status}: {item.hold_reason}"
        return status
    if not item.file.storage.exists(item.file.name or ""):
        return str(_("file missing"))
    return None


def print_files_zip(orders: Iterable[Order]) -> tuple[IO[bytes], int, list[str]]:
    """A ZIP of the orders' ready print files (one folder per order), how many files it
    holds and the lines left out, with why. PDFs are stored (they are compressed already).
    The caller closes the archive (a response does when it is sent)."""
    archive = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    count, skipped = 0, []
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        for line, position, item in order_print_items(orders):
            reason = _left_out(item)
            if reason is not None or item is None:
                skipped.append(f"{line_label(line, position)}: {reason}")
                continue
            name = f"{line.order.number}/{print_file_name(item, position)}"
            with (
                item.file.storage.open(item.file.name or "", "rb") as src,
                zf.open(name, "w") as dst,
            ):
                shutil.copyfileobj(src, dst, 1024 * 1024)
            count += 1
    archive.seek(0)
    return archive, count, skipped
