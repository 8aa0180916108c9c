"""What every print file shares: units, process colours and palettes, fonts and QR codes.

The packaging art (printing.packaging), the product files (printing.products), the press
sheets (printing.imposition) and the packing slips (printing.packing_slip) all draw with these,
so a colour, a font or a QR code is defined once and looks the same on every product.
"""
