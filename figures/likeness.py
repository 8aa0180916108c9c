"""Likeness check: how much a render looks like the person in the photo (issue #15).

dlib's frontal face detector finds the largest face, its 5-point shape predictor aligns it and
its ResNet face recognition model turns it into a 128-d descriptor; the Euclidean distance
between the photo's and the render's descriptors is the likeness (below 0.6 means "same
person" on that model's own scale). The model files come from the `face-recognition-models`
package (public domain); its 68-point landmark model is never used (its training data forbids
commercial use).

Worker side only: dlib is imported by this module, and only the generation worker imports it
(figures.generation.job_run, lazily). Descriptors are biometric data: they stay in memory,
never stored, logged or exported; only the distance is kept, with MODEL_NAME.
"""

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

import dlib
import numpy as np
from PIL import Image

MODEL_NAME = "dlib_face_recognition_resnet_model_v1"
# Faces are found on a copy no larger than this (a descriptor needs ~150 px of face).
_DETECT_MAX_SIDE = 1024


@lru_cache(maxsize=1)
def _models() -> tuple[Any, Any, Any]:
    """Detector, 5-point shape predictor and ResNet model, loaded once per process. The
    package's __init__ needs pkg_resources, so its files are found without importing it."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or spec.origin is None:
        raise ImportError("face-recognition-models is not installed (the likeness extra)")
    folder = Path(spec.origin).parent / "models"
    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(str(folder / "shape_predictor_5_face_landmarks.dat")),
        dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat")),
    )


def face_descriptor(image: Image.Image) -> np.ndarray | None:
    """The 128-d descriptor of the largest face in the image; None when no face is found."""
    detector, predictor, recogniser = _models()
    rgb = image.convert("RGB")
    if max(rgb.size) > _DETECT_MAX_SIDE:
        rgb = rgb.copy()
        rgb.thumbnail((_DETECT_MAX_SIDE, _DETECT_MAX_SIDE), Image.Resampling.LANCZOS)
    pixels = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    faces = detector(pixels, 0)
    if len(faces) == 0 and max(rgb.size) < _DETECT_MAX_SIDE:
        faces = detector(pixels, 1)  # small faces: look again at twice the size
    if len(faces) == 0:
        return None
    largest = max(faces, key=lambda rect: rect.width() * rect.height())
    shape = predictor(pixels, largest)
    return np.asarray(recogniser.compute_face_descriptor(pixels, shape), dtype=np.float64)


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))


def likeness_distance(photo: Image.Image, render: Image.Image) -> float | None:
    """Distance between the largest faces of the two images (lower: more alike); None when
    either has no face."""
    reference = face_descriptor(photo)
    if reference is None:
        return None
    candidate = face_descriptor(render)
    return None if candidate is None else _distance(reference, candidate)


class PhotoLikeness:
    """One job's check: the photo's descriptor is computed once, in memory, and each render
    compared with it. `usable` is False when the photo's face was not found (then nothing can
    be measured and renders carry no likeness)."""

    model_name = MODEL_NAME

    def __init__(self, photo: Image.Image) -> None:
        self._reference = face_descriptor(photo)

    def __repr__(self) -> str:  # never the descriptor itself
        return f"<PhotoLikeness {self.model_name} usable={self.usable}>"

    @property
    def usable(self) -> bool:
        return self._reference is not None

    def distance(self, render: Image.Image) -> float | None:
        """The render's distance from the photo; None when the render shows no face."""
        if self._reference is None:
            return None
        candidate = face_descriptor(render)
        return None if candidate is None else _distance(self._reference, candidate)
