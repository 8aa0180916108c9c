"""A model-free, CPU-only backend: turns the customer's photo into a toy-like portrait.

The pipeline is classic image processing, so it runs anywhere (demo, CI, a worker without a
GPU) in well under a second: face-centred framing, edge-preserving smoothing, colour
quantisation, ink outlines, a plastic sheen and a studio backdrop per style. Heavy filtering
runs at half resolution and is upscaled; only the ink and the final blend run at full size.

The steps live in sibling modules, in pipeline order:

- ``looks``: the per-style look (``STYLES``) and the per-seed jitter;
- ``framing``: the face-centred, square working crop;
- ``mask``: the head-and-shoulders cut-out that separates figure from backdrop;
- ``paint``: edge-preserving smoothing and the flat, graded colour palette;
- ``likeness``: the face repainted with its own palette, so the figure keeps the person's
  features and colours (issue #15; measured by ``bench/bench_likeness.py``);
- ``toon``: ink outlines and the glossy-plastic sheen;
- ``compose``: the studio backdrop, drop shadow and full-size inking;
- ``backend``: ``StylizeBackend``, which runs them and reports progress.
"""

from figures.backends.stylize.backend import StylizeBackend
from figures.backends.stylize.looks import STYLES, StyleLook

__all__ = ["STYLES", "StyleLook", "StylizeBackend"]
