"""Framing: the square, face-centred working image every later step draws on."""

from dataclasses import dataclass

import cv2
import numpy as np
from django.utils.translation import gettext_noop

from figures.backends.base import GenerationError
from figures.backends.stylize.looks import ByteArray, Jitter


@dataclass(frozen=True)
class Frame:
    image: ByteArray  # RGB uint8, work x work
    face_centre: tuple[float, float]  # in work pixels
    face_width: float  # in work pixels


def frame_portrait(
    photo: ByteArray, face_box: tuple[int, int, int, int] | None, work: int, jitter: Jitter
) -> Frame:
    """A square head-and-shoulders crop around the face, padded where it leaves the photo."""
    height, width = photo.shape[:2]
    if face_box is not None and face_box[2] > 0 and face_box[3] > 0:
        x, y, w, h = (float(v) for v in face_box)
        face_width = max(w, h * 0.9)
        cx, cy = x + w / 2.0, y + h / 2.0
    else:
        # Selfie heuristic: face in the horizontal middle, in the upper third.
        face_width = 0.32 * min(width, height)
        cx, cy = width / 2.0, height * 0.36
    side = 2.8 * face_width / jitter.zoom
    cx += jitter.offset[0] * face_width
    cy += jitter.offset[1] * face_width
    # The face sits a little above the centre so that the shoulders fit below it.
    x0 = round(cx - side / 2.0)
    y0 = round(cy - side * 0.42)
    side_px = max(2, round(side))
    x1, y1 = x0 + side_px, y0 + side_px
    crop = photo[max(0, y0) : min(height, y1), max(0, x0) : min(width, x1)]
    if crop.size == 0:
        raise GenerationError(
            gettext_noop("We could not find the face in this photo."),
            detail=f"face box {face_box} off photo",
        )
    pad = (max(0, -y0), max(0, y1 - height), max(0, -x0), max(0, x1 - width))
    if any(pad):
        crop = cv2.copyMakeBorder(crop, *pad, cv2.BORDER_REPLICATE)
    interpolation = cv2.INTER_AREA if side_px > work else cv2.INTER_CUBIC
    image = cv2.resize(crop, (work, work), interpolation=interpolation)
    scale = work / side_px
    return Frame(
        image=np.ascontiguousarray(image),
        face_centre=((cx - x0) * scale, (cy - y0) * scale),
        face_width=face_width * scale,
    )
