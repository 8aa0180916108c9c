"""Likeness: the face keeps the person's own features and colours under the toy finish.

Flat paint and ink lines are what make a toy figure, but on the face they cost the likeness:
posterised skin, scribbled cheeks and a palette spent on hair and clothes are what a face
recogniser (and a friend) notices first. Inside a soft ellipse over the face the paint gets
its own palette, found in the face's pixels only (so skin, eyes and lips get several shades
instead of the one or two a whole-figure palette spares them), over a more lightly smoothed
photo, keeping a little more of the real shading. It is still flat paint, graded like the
rest. The ink there stays thin and light (see ``toon.ink_lines``).
"""

import cv2
import numpy as np

from figures.backends.stylize.framing import Frame
from figures.backends.stylize.looks import ByteArray, FloatArray, Jitter, StyleLook
from figures.backends.stylize.paint import quantise_colours

# The face has few colours: k-means learns them from fewer pixels than the whole figure's.
_FACE_SAMPLES = 1200


def face_weight(frame: Frame, work: int) -> FloatArray:
    """How much each pixel belongs to the face (0..1): a soft ellipse from brow to chin."""
    cx, cy = frame.face_centre
    fw = max(1.0, frame.face_width)
    ys, xs = np.ogrid[0:work, 0:work]
    dx = ((xs - cx) / (0.44 * fw)).astype(np.float32)
    dy = ((ys - cy - 0.06 * fw) / (0.58 * fw)).astype(np.float32)
    # 1 inside 0.75 of the radii, fading smoothly to 0 at 1.25 of them.
    edge = np.clip((1.25 - np.sqrt(dx * dx + dy * dy)) * 2.0, 0.0, 1.0)
    return edge * edge * (3.0 - 2.0 * edge)


def keep_face(
    colour: FloatArray, image: ByteArray, weight: FloatArray, look: StyleLook, jitter: Jitter
) -> FloatArray:
    """Repaint the face with its own palette and a little more shading (in place)."""
    rows = np.flatnonzero(weight.max(axis=1) > 0.004)
    cols = np.flatnonzero(weight.max(axis=0) > 0.004)
    if len(rows) < 4 or len(cols) < 4:
        return colour  # the face is (almost) off the working image
    # Only the face's bounding box is repainted: a few milliseconds, whatever the work size.
    box = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    photo = cv2.bilateralFilter(np.ascontiguousarray(image[box]), 5, 24, 3)
    photo = cv2.bilateralFilter(photo, 5, 30, 4)
    inside = weight[box]
    face = quantise_colours(
        photo,
        inside,
        look,
        jitter,
        colours=look.colours + look.face_colours,
        shading=look.face_shading,
        samples=_FACE_SAMPLES,
    )
    colour[box] += (face - colour[box]) * inside[..., None]
    return colour
