"""Lengths: print geometry is in millimetres, reportlab and PDF work in points (1/72 inch)."""

MM = 72.0 / 25.4  # points per millimetre: `5 * MM` is 5 mm in points
PT = 25.4 / 72.0  # millimetres per point: `size_pt * PT` is a font size in mm
