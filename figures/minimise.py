"""Keep only the person: the stored selfie is the subject's head and shoulders, nothing else.

Intake (figures.intake.photo_clean) hands the upright sRGB photo and the subject's face box
here before anything is encoded or stored. What comes back is

- cropped to the head-and-shoulders region the backends frame (stylize's square of about
  three face widths around the face, diffusers' smaller one), plus a margin,
- bounded in size (long side at most `max_side`),
- cut out: a GrabCut segmentation seeded with a portrait prior (face, neck, shoulders,
  torso) keeps the person; everything else is replaced by a colour wash made from a
  handful of pixels, so people, papers and rooms behind the subject cannot be recovered,
- cleared of other faces: any face besides the subject's that survives the crop and the
  cut-out, however small, is pixelated beyond recognition.

OpenCV is imported lazily (the web process boots lean). No file is written: the original
upload only ever exists in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PIL import Image

from figures.conf import figures_settings

if TYPE_CHECKING:
    import numpy as np

Box = tuple[int, int, int, int]

# The head-and-shoulders region, in face widths from the face centre: what stylize's
# framing can reach (2.8 face widths / its smallest zoom 0.94, face 42 % from the top,
# offsets up to 0.06 face widths) covers diffusers' (2.4 x the face box) too.
_REACH_SIDE = 1.55
_REACH_UP = 1.3
_REACH_DOWN = 1.8
# GrabCut works on a thumbnail with this long side: it only has to find the silhouette.
_CUT_SIDE = 128
# The cut-out's edge is rounded and feathered at this long side, then stretched.
_MASK_SIDE = 512
# The background becomes this many pixels on its long side, blown up again: a colour wash.
_WASH_SIDE = 6
# Other faces are looked for on a copy with this long side, down to the cascade's own window
# (24 px: 58 px on a 1536 px photo); smaller ones can only be in the washed background,
# or on the person where they are too small to recognise anyone.
_FACE_SEARCH_SIDE = 640
_FACE_SEARCH_MIN = 24
# A pixelated face keeps this many blocks across: no features survive.
_PIXEL_BLOCKS = 4


@dataclass(frozen=True)
class MinimiseOptions:
    remove_background: bool = True
    margin: float = 0.25  # face widths around the head-and-shoulders region
    max_side: int = 1536

    @classmethod
    def from_settings(cls) -> MinimiseOptions:
        """MINIME_PHOTO_BACKGROUND_REMOVAL, MINIME_PHOTO_CROP_MARGIN, MINIME_PHOTO_MAX_SIDE."""
        return cls(
            remove_background=figures_settings.PHOTO_BACKGROUND_REMOVAL,
            margin=figures_settings.PHOTO_CROP_MARGIN,
            max_side=figures_settings.PHOTO_MAX_SIDE,
        )


def photo_minimise(
    image: Image.Image, face_box: Box, options: MinimiseOptions
) -> tuple[Image.Image, Box]:
    """The subject's head and shoulders on a washed-out background, other faces pixelated;
    returns the new RGB image and the face box in it. With background removal off, the
    photo comes back unchanged."""
    if not options.remove_background:
        return image, face_box
    import numpy as np

    cropped, box = _crop(image, face_box, options)
    pixels = np.asarray(cropped.convert("RGB"), dtype=np.uint8)
    figure = _person_mask(pixels, box)
    kept = _on_wash(pixels, figure)
    kept = _pixelate_other_faces(kept, box)
    return Image.fromarray(kept, mode="RGB"), box


# --- crop -------------------------------------------------------------------------------


def _crop(image: Image.Image, face_box: Box, options: MinimiseOptions) -> tuple[Image.Image, Box]:
    """The head-and-shoulders region (clipped to the photo), at most max_side long."""
    x, y, w, h = face_box
    fw = max(w, h * 0.9)
    cx, cy = x + w / 2.0, y + h / 2.0
    margin = max(0.0, options.margin)
    left = max(0, round(cx - (_REACH_SIDE + margin) * fw))
    right = min(image.width, round(cx + (_REACH_SIDE + margin) * fw))
    top = max(0, round(cy - (_REACH_UP + margin) * fw))
    bottom = min(image.height, round(cy + (_REACH_DOWN + margin) * fw))
    crop = image.crop((left, top, right, bottom))
    box = (x - left, y - top, w, h)
    scale = min(1.0, options.max_side / max(crop.size))
    if scale < 1.0:
        size = (max(1, round(crop.width * scale)), max(1, round(crop.height * scale)))
        crop = crop.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        bx, by, bw, bh = (round(v * scale) for v in box)
        box = (bx, by, max(1, min(bw, size[0] - bx)), max(1, min(bh, size[1] - by)))
    return crop, box


# --- the person -------------------------------------------------------------------------


def _person_mask(pixels: np.ndarray, box: Box) -> np.ndarray:
    """0..1 float: the person (head, hair, neck, shoulders, torso) found by GrabCut inside a
    generous portrait envelope; never anything outside that envelope."""
    import cv2
    import numpy as np

    height, width = pixels.shape[:2]
    scale = _CUT_SIDE / max(height, width)
    small_size = (max(8, round(width * scale)), max(8, round(height * scale)))
    small = cv2.resize(pixels, small_size, interpolation=cv2.INTER_AREA)
    x, y, w, h = (v * scale for v in box)
    fw = max(w, h * 0.9)
    cx, cy = x + w / 2.0, y + h / 2.0
    shape = (small_size[1], small_size[0])
    prior = _silhouette(shape, cx, cy, fw, grow=1.0)
    envelope = _silhouette(shape, cx, cy, fw, grow=1.3)
    seeds = np.full(shape, cv2.GC_BGD, np.uint8)
    seeds[envelope > 0] = cv2.GC_PR_BGD
    seeds[prior > 0] = cv2.GC_PR_FGD
    seeds[_sure_person(shape, cx, cy, fw) > 0] = cv2.GC_FGD
    cut = _grabcut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), seeds, prior)
    cut = _piece_holding(cut, (round(cx), round(cy)))
    # Round the blocky thumbnail edge at a mid size (cheap), then stretch it: the linear
    # stretch leaves a feathered edge of a few pixels.
    mid_scale = min(1.0, _MASK_SIDE / max(height, width))
    mid_size = (max(8, round(width * mid_scale)), max(8, round(height * mid_scale)))
    mask = cv2.resize(cut, mid_size, interpolation=cv2.INTER_LINEAR)
    sigma = max(1.0, 0.03 * fw * mid_scale / scale)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    mask = np.where(mask > 127, 255, 0).astype(np.uint8)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, sigma / 3.0))
    soft = cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)
    result: np.ndarray = soft.astype(np.float32) * np.float32(1.0 / 255.0)
    return result


def _silhouette(shape: tuple[int, int], cx: float, cy: float, fw: float, *, grow: float) -> Any:
    """Head and hair, neck, shoulders and torso around a face (uint8 0/255)."""
    import cv2
    import numpy as np

    target = np.zeros(shape, np.uint8)

    def pt(dx: float, dy: float) -> tuple[int, int]:
        return round(cx + dx * fw), round(cy + dy * fw)

    def ax(a: float, b: float) -> tuple[int, int]:
        return max(1, round(a * fw * grow)), max(1, round(b * fw * grow))

    cv2.ellipse(target, pt(0.0, -0.1), ax(0.72, 0.9), 0, 0, 360, 255, -1)  # head, hair
    cv2.rectangle(target, pt(-0.36 * grow, 0.2), pt(0.36 * grow, 1.1), 255, -1)  # neck
    cv2.ellipse(target, pt(0.0, 1.62), ax(1.5, 0.85), 0, 0, 360, 255, -1)  # shoulders
    cv2.rectangle(target, pt(-1.5 * grow, 1.62), pt(1.5 * grow, 8.0), 255, -1)  # torso
    return target


def _sure_person(shape: tuple[int, int], cx: float, cy: float, fw: float) -> Any:
    """What is certainly the person: the face itself and the middle of the chest."""
    import cv2
    import numpy as np

    core = np.zeros(shape, np.uint8)
    centre = (round(cx), round(cy + 0.05 * fw))
    cv2.ellipse(core, centre, (round(0.36 * fw), round(0.5 * fw)), 0, 0, 360, 255, -1)
    top_left = (round(cx - 0.7 * fw), round(cy + 1.6 * fw))
    cv2.rectangle(core, top_left, (round(cx + 0.7 * fw), shape[0]), 255, -1)
    return core


def _grabcut(small: np.ndarray, seeds: np.ndarray, prior: np.ndarray) -> Any:
    """GrabCut's person (uint8 0/255); the prior itself when the cut fails or runs away."""
    import cv2
    import numpy as np

    if not np.any(seeds == cv2.GC_PR_FGD) or not np.any(
        (seeds == cv2.GC_BGD) | (seeds == cv2.GC_PR_BGD)
    ):
        return prior
    cv2.setRNGSeed(16)  # GrabCut seeds its colour models from OpenCV's RNG: deterministic
    try:
        cv2.grabCut(
            small, seeds, (0, 0, 0, 0), np.zeros((1, 65)), np.zeros((1, 65)), 3,
            cv2.GC_INIT_WITH_MASK,
        )  # fmt: skip
    except cv2.error:
        return prior
    found = np.where((seeds == cv2.GC_FGD) | (seeds == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    # A cut that lost most of the prior failed; the plain silhouette is better then.
    if np.count_nonzero(found) < 0.5 * np.count_nonzero(prior):
        return prior
    return found


def _piece_holding(mask: np.ndarray, point: tuple[int, int]) -> Any:
    """Only the connected piece that holds the face: islands elsewhere are background."""
    import cv2
    import numpy as np

    count, labels = cv2.connectedComponents(mask, connectivity=8)
    x = min(mask.shape[1] - 1, max(0, point[0]))
    y = min(mask.shape[0] - 1, max(0, point[1]))
    if count > 2 and labels[y, x]:
        return np.where(labels == labels[y, x], 255, 0).astype(np.uint8)
    return mask


def _on_wash(pixels: np.ndarray, figure: np.ndarray) -> Any:
    """The person over a smooth wash of the background's colours (a few pixels' worth)."""
    import cv2
    import numpy as np

    height, width = pixels.shape[:2]
    scale = _WASH_SIDE / max(height, width)
    tiny = cv2.resize(
        pixels,
        (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA,
    )
    # Smoothed at a small size (cheap), then stretched: no edge, no detail survives.
    step = 8
    smooth_size = (tiny.shape[1] * step, tiny.shape[0] * step)
    smooth = cv2.resize(tiny, smooth_size, interpolation=cv2.INTER_LINEAR)
    smooth = cv2.GaussianBlur(smooth, (0, 0), step / 2.0, borderType=cv2.BORDER_REFLECT)
    wash = cv2.resize(smooth, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.blendLinear(pixels, wash, figure, np.float32(1.0) - figure)


# --- other faces ------------------------------------------------------------------------


def _pixelate_other_faces(pixels: np.ndarray, subject: Box) -> Any:
    """Pixelate every face candidate that is not the subject's, however small."""
    import cv2

    out = pixels.copy()
    for x, y, w, h in other_faces(pixels, subject):
        pad = round(0.25 * max(w, h))
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(out.shape[1], x + w + pad), min(out.shape[0], y + h + pad)
        region = out[y0:y1, x0:x1]
        if region.size == 0:
            continue
        blocks = cv2.resize(region, (_PIXEL_BLOCKS, _PIXEL_BLOCKS), interpolation=cv2.INTER_AREA)
        out[y0:y1, x0:x1] = cv2.resize(blocks, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    return out


def other_faces(pixels: np.ndarray, subject: Box) -> list[Box]:
    """Faces (sensitive search: small ones too) that do not overlap the subject's face."""
    import cv2
    import numpy as np

    from figures.intake import confirmed_face, haar_cascades

    gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    scale = min(1.0, _FACE_SEARCH_SIDE / max(gray.shape))
    if scale < 1.0:
        size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    gray = cv2.equalizeHist(np.ascontiguousarray(gray))
    detector, verifier = haar_cascades()
    largest = max(_FACE_SEARCH_MIN + 1, round(1.5 * max(subject[2], subject[3]) * scale))
    found = detector.detectMultiScale(
        gray,
        scaleFactor=1.15,
        minNeighbors=3,
        minSize=(_FACE_SEARCH_MIN, _FACE_SEARCH_MIN),
        maxSize=(largest, largest),
    )
    boxes: list[Box] = []
    # Each candidate confirmed by the second cascade, as intake does (no blocks on clothes).
    for fx, fy, fw, fh in found:
        if not confirmed_face(verifier, gray, (int(fx), int(fy), int(fw), int(fh))):
            continue
        box = (round(fx / scale), round(fy / scale), round(fw / scale), round(fh / scale))
        if _overlap(box, subject) < 0.2:
            boxes.append(box)
    return boxes


def _overlap(a: Box, b: Box) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    smaller = min(a[2] * a[3], b[2] * b[3])
    return (ix * iy) / smaller if smaller else 0.0
