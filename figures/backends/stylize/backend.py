"""StylizeBackend: runs the stylize steps in order and reports progress after each."""

import numpy as np
from django.utils.translation import gettext_noop
from PIL import Image

from figures.backends.base import GenerationError, ProgressCallback, RenderInput
from figures.backends.stylize.compose import compose_on_backdrop
from figures.backends.stylize.framing import frame_portrait
from figures.backends.stylize.likeness import face_weight, keep_face
from figures.backends.stylize.looks import STYLES, StyleLook, draw_jitter
from figures.backends.stylize.mask import figure_mask
from figures.backends.stylize.paint import quantise_colours, smooth_photo
from figures.backends.stylize.toon import add_sheen, ink_lines

# The heavy work never runs above this edge length; the render is upscaled from it.
_WORK_SIZE_MAX = 512
_WORK_SIZE_MIN = 64


class StylizeBackend:
    name = "stylize"

    _stages: tuple[str, ...] = ("frame", "smooth", "quantise", "outline", "sheen", "compose")

    def steps_per_render(self) -> int:
        return len(self._stages)

    def render(self, request: RenderInput, *, on_progress: ProgressCallback) -> Image.Image:
        look = _look_for(request)
        total = self.steps_per_render()
        step = 0

        def advance() -> None:
            nonlocal step
            step += 1
            on_progress(step, total)

        jitter = draw_jitter(request.seed, request.style)
        photo = np.asarray(request.photo.convert("RGB"))
        if photo.shape[0] < 8 or photo.shape[1] < 8:
            raise GenerationError(
                gettext_noop("The photo is too small."), detail=f"photo {photo.shape}"
            )
        work = max(_WORK_SIZE_MIN, min(request.size, _WORK_SIZE_MAX))

        frame = frame_portrait(photo, request.face_box, work, jitter)
        advance()
        smooth = smooth_photo(frame.image, look.smoothing_passes)
        mask = figure_mask(frame.image, frame, jitter)
        advance()
        colour = quantise_colours(smooth, mask, look, jitter)
        face = face_weight(frame, work)
        colour = keep_face(colour, frame.image, face, look, jitter)
        advance()
        ink = ink_lines(smooth, mask, frame, look, face)
        advance()
        colour = add_sheen(colour, smooth, mask, frame, look, jitter)
        advance()
        out = compose_on_backdrop(colour, ink, mask, request.size, look, jitter)
        advance()
        return Image.fromarray(out, mode="RGB")


def _look_for(request: RenderInput) -> StyleLook:
    """The request's style look, once the request is known to be renderable."""
    look = STYLES.get(request.style)
    if look is None:
        raise GenerationError(
            gettext_noop("This figure style is not available right now."),
            detail=f"stylize backend has no look for style {request.style!r}",
        )
    if request.size < 16:
        raise GenerationError(
            gettext_noop("The render could not be created."),
            detail=f"size {request.size} too small",
        )
    return look
