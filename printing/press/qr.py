"""QR codes: one encoder (reportlab's, error correction M) for the box, the packaging front and
the packing slips; each draws the modules its own way from `dark_runs`."""

from __future__ import annotations

from collections.abc import Iterator

from reportlab.graphics.barcode.qr import QrCodeWidget

Modules = tuple[tuple[bool, ...], ...]


def qr_modules(value: str) -> Modules:
    """The module matrix of `value` (True: dark), without the quiet zone."""
    encoder = QrCodeWidget(value, barLevel="M").qr
    encoder.make()
    return tuple(tuple(bool(m) for m in row) for row in encoder.modules)


def dark_runs(modules: Modules) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules, top row first:
    one rectangle per run draws the code with few, seamless shapes."""
    for row_index, row in enumerate(modules):
        col = 0
        while col < len(row):
            if not row[col]:
                col += 1
                continue
            start = col
            while col < len(row) and row[col]:
                col += 1
            yield row_index, start, col - start
