"""Toon finish: dark ink outlines and the glossy-plastic sheen of a moulded toy."""

import math

import cv2
import numpy as np

from figures.backends.stylize.framing import Frame
from figures.backends.stylize.looks import ByteArray, FloatArray, Jitter, StyleLook


def ink_lines(
    smooth: ByteArray, mask: FloatArray, frame: Frame, look: StyleLook, face: FloatArray
) -> FloatArray:
    """Dark outlines from the smoothed lightness, small specks removed. Returns 0..1.

    ``face`` (0..1, see ``likeness.face_weight``) is where the lines stay thin and light:
    thick ink across cheeks and nose costs the likeness more than anything else.
    """
    work = smooth.shape[0]
    gray = cv2.GaussianBlur(cv2.cvtColor(smooth, cv2.COLOR_RGB2GRAY), (0, 0), 1.2)
    edges = cv2.Canny(gray, *look.canny)
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(edges, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= max(6, work // 20)
    keep[0] = False
    edges = np.where(keep[labels], 255, 0).astype(np.uint8)
    calm = _ink_calm(edges, frame)
    ink = edges.astype(np.float32) / 255.0
    if look.ink_width > 0:
        size = 2 * look.ink_width + 1
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        thick = cv2.dilate(edges, kernel).astype(np.float32) / 255.0
        ink = thick + (ink - thick) * face
    ink *= calm * (1.0 - face * look.face_ink_calm)
    # Ink only on the figure, fading out towards its silhouette.
    return ink * np.clip(mask * 1.5 - 0.25, 0.0, 1.0)


def _ink_calm(edges: ByteArray, frame: Frame) -> FloatArray:
    """How much ink each pixel keeps (0.2..1).

    Hair and fabric texture turn into scribbles: thin the ink where lines crowd, except on
    the face itself, whose eyes and mouth are crowded lines worth keeping.
    """
    work = edges.shape[0]
    crowding = cv2.GaussianBlur(edges.astype(np.float32) / 255.0, (0, 0), work / 64)
    calm = np.clip(1.0 - (crowding - 0.08) / 0.08, 0.2, 1.0)
    face = np.zeros((work, work), np.uint8)
    cx, cy = frame.face_centre
    axes = (max(1, round(0.36 * frame.face_width)), max(1, round(0.5 * frame.face_width)))
    cv2.ellipse(face, (round(cx), round(cy + 0.05 * frame.face_width)), axes, 0, 0, 360, 255, -1)
    return np.maximum(calm, cv2.GaussianBlur(face, (0, 0), work / 100).astype(np.float32) / 255)


def add_sheen(
    colour: FloatArray,
    smooth: ByteArray,
    mask: FloatArray,
    frame: Frame,
    look: StyleLook,
    jitter: Jitter,
) -> FloatArray:
    """Glossy-plastic highlights: soft speculars on the lit side of bright, smooth areas."""
    work = colour.shape[0]
    low = max(16, work // 4)
    gray = cv2.resize(
        cv2.cvtColor(smooth, cv2.COLOR_RGB2GRAY), (low, low), interpolation=cv2.INTER_AREA
    )
    lum = gray.astype(np.float32) / 255.0
    ys, xs = np.mgrid[0:low, 0:low].astype(np.float32) / low
    fx, fy = frame.face_centre[0] / work, frame.face_centre[1] / work
    dx, dy = math.cos(jitter.light_angle), math.sin(jitter.light_angle)
    # How much each point faces the light, as if the figure were a rounded shape.
    facing = np.clip(0.5 + ((xs - fx) * dx + (ys - fy) * dy) * 2.2, 0.0, 1.0)
    # Speculars where a spot is brighter than its surroundings: forehead, nose, hair shine.
    local = lum - cv2.GaussianBlur(lum, (0, 0), low / 16)
    bright = np.clip((local - 0.01) / 0.1, 0.0, 1.0) * np.clip((lum - 0.3) / 0.4, 0.0, 1.0)
    spec = cv2.GaussianBlur(bright * (0.35 + 0.65 * facing), (0, 0), max(1.0, low / 70))
    # A rim of light just inside the silhouette on the lit side, like moulded vinyl.
    mask_low = cv2.resize(mask, (low, low), interpolation=cv2.INTER_AREA)
    rim = np.clip(mask_low - cv2.GaussianBlur(mask_low, (0, 0), low / 60), 0.0, 1.0) * 2.5
    spec = np.clip(spec + rim * facing**2, 0.0, 1.0)
    spec = cv2.resize(spec, (work, work), interpolation=cv2.INTER_LINEAR)
    spec = (spec * mask * look.sheen)[..., None]
    # Shade the far side a little so the figure reads as a rounded, moulded object.
    shade = cv2.resize(1.0 - facing, (work, work), interpolation=cv2.INTER_LINEAR)
    shade = (1.0 - 0.18 * shade * mask)[..., None]
    return colour * shade * (1.0 - spec) + spec
