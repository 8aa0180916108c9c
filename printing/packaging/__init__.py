"""Packaging art for the blister-pack box: the front panel of the blister card.

Composed, not generated. The approved render is cut out of its studio backdrop (`cutout`) and
set into a card made of shapes and real type. The composition is computed once as data
(`layout.packaging_layout` -> `elements.BoxLayout`: millimetres, origin at the panel's top-left
corner, y pointing down) and drawn by two renderers: `render_png` (Pillow; the customer's
preview, `preview`) and `render_pdf.draw_pdf` (reportlab; the print file, placed on the box net
by printing.products). Text is measured once, with reportlab's metrics (`text`); the PNG
renderer sets it from the same font files with kerning and ligatures off (reportlab applies
neither), so both lines have the same length and the preview shows what will be printed.

Colours are defined in CMYK (they go to press: printing.press.palettes); the preview shows them
through the press profile (printing_settings.ICC_PROFILE), so a screen does not promise colours
ink cannot give.
"""
