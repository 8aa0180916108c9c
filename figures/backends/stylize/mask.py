"""The cut-out: a soft head-and-shoulders silhouette that separates figure from backdrop.

A portrait-shaped prior (head ellipse, neck, shoulders) is refined by GrabCut at a tiny
size, so the cut follows hair and shoulders but can never wander far from the prior.
"""

import cv2
import numpy as np

from figures.backends.stylize.framing import Frame
from figures.backends.stylize.looks import ByteArray, FloatArray, Jitter

# GrabCut runs on a thumbnail of this edge length: it only has to find the silhouette.
_CUT_SIZE = 96


def figure_mask(image: ByteArray, frame: Frame, jitter: Jitter) -> FloatArray:
    """A soft head-and-shoulders silhouette (0..1): the figure; everything else is backdrop."""
    work = image.shape[0]
    scale = _CUT_SIZE / work
    cx, cy = (c * scale for c in frame.face_centre)
    fw = frame.face_width * scale
    prior = _portrait_silhouette(cx, cy, fw, grow=1.0)
    envelope = _portrait_silhouette(cx, cy, fw, grow=1.2)
    cut = _grabcut_seeds(prior, envelope, _sure_figure(cx, cy, fw))
    small = cv2.cvtColor(
        cv2.resize(image, (_CUT_SIZE, _CUT_SIZE), interpolation=cv2.INTER_AREA),
        cv2.COLOR_RGB2BGR,
    )
    figure = _refine_with_grabcut(small, cut, prior, jitter.kmeans_seed)
    return _mould(figure, frame, work)


def _portrait_silhouette(cx: float, cy: float, fw: float, *, grow: float) -> ByteArray:
    """Head and hair, neck, shoulders and torso around a face, drawn at cut size."""
    target = np.zeros((_CUT_SIZE, _CUT_SIZE), np.uint8)

    def pt(dx: float, dy: float) -> tuple[int, int]:
        return round(cx + dx * fw), round(cy + dy * fw)

    def ax(a: float, b: float) -> tuple[int, int]:
        return max(1, round(a * fw * grow)), max(1, round(b * fw * grow))

    cv2.ellipse(target, pt(0.0, -0.1), ax(0.72, 0.88), 0, 0, 360, 255, -1)  # head, hair
    cv2.rectangle(target, pt(-0.34 * grow, 0.2), pt(0.34 * grow, 1.0), 255, -1)  # neck
    cv2.ellipse(target, pt(0.0, 1.62), ax(1.5, 0.85), 0, 0, 360, 255, -1)  # shoulders
    cv2.rectangle(target, pt(-1.5 * grow, 1.62), pt(1.5 * grow, 6.0), 255, -1)  # torso
    return target


def _sure_figure(cx: float, cy: float, fw: float) -> ByteArray:
    """What is certainly the figure: the face itself and the middle of the chest."""
    core = np.zeros((_CUT_SIZE, _CUT_SIZE), np.uint8)
    cv2.ellipse(
        core,
        (round(cx), round(cy + 0.05 * fw)),
        (round(0.36 * fw), round(0.5 * fw)),
        0,
        0,
        360,
        255,
        -1,
    )
    cv2.rectangle(
        core,
        (round(cx - 0.8 * fw), round(cy + 1.5 * fw)),
        (round(cx + 0.8 * fw), _CUT_SIZE),
        255,
        -1,
    )
    return core


def _grabcut_seeds(prior: ByteArray, envelope: ByteArray, core: ByteArray) -> ByteArray:
    """GrabCut's starting labels: backdrop outside the envelope, figure inside the core."""
    cut = np.full((_CUT_SIZE, _CUT_SIZE), cv2.GC_BGD, np.uint8)
    cut[envelope > 0] = cv2.GC_PR_BGD
    cut[prior > 0] = cv2.GC_PR_FGD
    cut[core > 0] = cv2.GC_FGD
    return cut


def _refine_with_grabcut(
    small: ByteArray, cut: ByteArray, prior: ByteArray, seed: int
) -> ByteArray:
    """The silhouette GrabCut finds from the seeds; the prior itself when the cut fails."""
    if not (np.any(cut == cv2.GC_BGD) or np.any(cut == cv2.GC_PR_BGD)):
        return prior
    # GrabCut seeds its colour models with OpenCV's thread RNG: pin it for determinism.
    cv2.setRNGSeed(seed)
    try:
        cv2.grabCut(
            small,
            cut,
            (0, 0, 0, 0),  # unused: the mask seeds the cut
            np.zeros((1, 65)),
            np.zeros((1, 65)),
            2,
            cv2.GC_INIT_WITH_MASK,
        )
    except cv2.error:
        return prior
    found = np.where((cut == cv2.GC_FGD) | (cut == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    # A cut that lost most of the prior failed; the plain silhouette is better then.
    if np.count_nonzero(found) > 0.6 * np.count_nonzero(prior):
        return found
    return prior


def _mould(figure: ByteArray, frame: Frame, work: int) -> FloatArray:
    """Round the cut into a smooth, moulded outline and keep the piece holding the face."""
    mask = cv2.resize(figure, (work, work), interpolation=cv2.INTER_LINEAR)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.05 * frame.face_width))
    mask = np.where(mask > 127, 255, 0).astype(np.uint8)
    mask = _piece_holding_the_face(mask, frame, work)
    soft = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.012 * work))
    return soft.astype(np.float32) / 255.0


def _piece_holding_the_face(mask: ByteArray, frame: Frame, work: int) -> ByteArray:
    count, labels = cv2.connectedComponents(mask, connectivity=4)
    if count > 2:
        face_label = labels[
            min(work - 1, max(0, round(frame.face_centre[1]))),
            min(work - 1, max(0, round(frame.face_centre[0]))),
        ]
        if face_label:
            return np.where(labels == face_label, 255, 0).astype(np.uint8)
    return mask
