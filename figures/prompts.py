"""Pure prompt building. The model draws the figure and its accessories on a plain backdrop;
it is never asked for text: the packaging with the exact name is composed by `printing`."""

import re
import unicodedata

from figures.backends.base import Prompt

STYLE_PHRASES: dict[str, str] = {
    "action_figure": (
        "a collectible 1:12 scale plastic action figure, articulated joints, glossy painted "
        "plastic, heroic pose"
    ),
    "fashion_doll": (
        "a fashion doll, smooth vinyl skin, glossy styled hair, elegant pose, doll proportions"
    ),
    "retro_80s": (
        "a vintage 1980s toy action figure, chunky sculpt, bold saturated paint, slight paint wear"
    ),
    "anime_collectible": (
        "an anime-style collectible PVC figure, cel-shaded paint, large expressive eyes, "
        "dynamic pose"
    ),
}

NEGATIVE = (
    "text, letters, words, writing, logo, watermark, signature, caption, label, packaging, box, "
    "blurry, deformed face, extra limbs, extra fingers, busy background"
)

_ALLOWED_PUNCTUATION = set(" -'&/.,")


def _clean_phrase(value: str, *, max_length: int = 40) -> str:
    """Keep letters, digits and mild punctuation: user text must not steer the prompt."""
    value = unicodedata.normalize("NFC", value)
    kept = "".join(
        ch
        for ch in value
        if ch in _ALLOWED_PUNCTUATION or unicodedata.category(ch)[0] in ("L", "N")
    )
    return re.sub(r"\s+", " ", kept).strip(" -,.")[:max_length]


def build_prompt(*, style: str, accessories: list[str], tagline: str = "") -> Prompt:
    """Describe the figure for the model. The figure's name is deliberately absent."""
    if style not in STYLE_PHRASES:
        raise ValueError(f"Unknown style {style!r}")
    parts = [
        f"Turn the person in the photo into {STYLE_PHRASES[style]}",
        "keep the person's face, hairstyle and skin tone recognisable",
    ]
    role = _clean_phrase(tagline, max_length=60)
    if role:
        parts.append(f"outfit that suits their job as {role}")
    items = [c for c in (_clean_phrase(a) for a in accessories) if c]
    if items:
        parts.append("with these accessories beside the figure: " + ", ".join(items))
    parts.append(
        "full body, centred, standing on a plain seamless studio backdrop, soft studio "
        "lighting, product photo, no text"
    )
    return Prompt(positive=", ".join(parts), negative=NEGATIVE)
