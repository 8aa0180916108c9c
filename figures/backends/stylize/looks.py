"""What a style looks like, and what a seed varies within it."""

import zlib
from dataclasses import dataclass

import numpy as np

FloatArray = np.ndarray
ByteArray = np.ndarray


@dataclass(frozen=True)
class StyleLook:
    colours: int  # palette size of the colour quantisation
    smoothing_passes: int  # bilateral passes at working resolution
    saturation: float  # chroma multiplier after quantisation
    contrast: float  # lightness contrast around mid-grey
    brightness: float  # lightness offset (Lab L units)
    tint: tuple[float, float]  # added to Lab a, b
    ink: tuple[int, int, int]  # outline colour, RGB
    ink_width: int  # dilation of the edge map at working resolution (0 = 1px)
    ink_strength: float
    canny: tuple[int, int]
    sheen: float  # strength of the specular highlight
    shading: float  # share of the photo's own shading kept over the flat paint
    backdrop_top: tuple[int, int, int]
    backdrop_bottom: tuple[int, int, int]
    stripes: bool = False  # retro horizon stripes on the backdrop
    face_colours: int = 2  # extra colours of the face's own palette (see likeness)
    face_shading: float = 0.4  # share of the photo's shading the face's paint keeps
    face_ink_calm: float = 0.5  # share of the ink taken off the face


STYLES: dict[str, StyleLook] = {
    "action_figure": StyleLook(
        colours=7,
        smoothing_passes=2,
        saturation=1.15,
        contrast=1.2,
        brightness=0.0,
        tint=(0.0, 3.0),
        ink=(18, 18, 26),
        ink_width=1,
        ink_strength=0.95,
        canny=(40, 100),
        sheen=0.45,
        shading=0.3,
        backdrop_top=(70, 120, 200),
        backdrop_bottom=(14, 28, 72),
    ),
    "fashion_doll": StyleLook(
        colours=10,
        smoothing_passes=3,
        saturation=1.2,
        contrast=1.05,
        brightness=6.0,
        tint=(8.0, 0.0),
        ink=(96, 32, 70),
        ink_width=0,
        ink_strength=0.7,
        canny=(60, 140),
        sheen=0.75,
        shading=0.45,
        backdrop_top=(255, 196, 222),
        backdrop_bottom=(226, 102, 164),
    ),
    "retro_80s": StyleLook(
        colours=5,
        smoothing_passes=2,
        saturation=1.35,
        contrast=1.15,
        brightness=0.0,
        tint=(12.0, -14.0),
        ink=(40, 10, 70),
        ink_width=1,
        ink_strength=0.85,
        canny=(50, 120),
        sheen=0.35,
        shading=0.15,
        backdrop_top=(255, 96, 170),
        backdrop_bottom=(48, 16, 108),
        stripes=True,
    ),
    "anime_collectible": StyleLook(
        colours=6,
        smoothing_passes=3,
        saturation=1.6,
        contrast=1.05,
        brightness=12.0,
        tint=(4.0, 2.0),
        ink=(28, 30, 64),
        ink_width=0,
        ink_strength=0.9,
        canny=(50, 130),
        sheen=0.55,
        shading=0.1,
        backdrop_top=(214, 238, 255),
        backdrop_bottom=(140, 196, 246),
    ),
}


@dataclass(frozen=True)
class Jitter:
    """Everything the seed changes, drawn once so a seed always renders the same image."""

    zoom: float
    offset: tuple[float, float]  # in face widths
    palette_turn: float  # radians, rotates the quantised palette's hue
    backdrop_turn: float  # degrees of hue rotation of the backdrop
    light_angle: float  # radians, direction the sheen comes from
    kmeans_seed: int


def draw_jitter(seed: int, style: str) -> Jitter:
    # crc32, not hash(): str hashes are salted per process and would break determinism.
    rng = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, zlib.crc32(style.encode())])
    return Jitter(
        zoom=float(rng.uniform(0.94, 1.06)),
        offset=(float(rng.uniform(-0.06, 0.06)), float(rng.uniform(-0.05, 0.05))),
        palette_turn=float(rng.uniform(-0.12, 0.12)),
        backdrop_turn=float(rng.uniform(-18.0, 18.0)),
        light_angle=float(rng.uniform(-2.6, -1.9)),
        kmeans_seed=int(rng.integers(0, 2**31 - 1)),
    )
