"""A generation backend slow enough to kill its worker mid-render: the real stylize
renderer, with a pause before every progress step (configurable for the fault tests)."""

import os
import time

from PIL import Image

from figures.backends.base import ProgressCallback, RenderInput
from figures.backends.stylize import StylizeBackend

PAUSE_SECONDS = float(os.environ.get("MINIME_TEST_STEP_PAUSE", "0.4"))


class SlowStylizeBackend(StylizeBackend):
    def render(self, request: RenderInput, *, on_progress: ProgressCallback) -> Image.Image:
        def slow_progress(step: int, total: int) -> None:
            time.sleep(PAUSE_SECONDS)
            on_progress(step, total)

        return super().render(request, on_progress=slow_progress)


def slow_upscaler(image: Image.Image, factor: float) -> Image.Image:
    """A print "GPU upscaler" that takes its time (MINIME_TEST_STEP_PAUSE x 10 seconds), so a
    test can kill the worker while a print file is being made."""
    time.sleep(PAUSE_SECONDS * 10)
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.LANCZOS)
