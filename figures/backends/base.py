"""The contract every generation backend fulfils."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

# on_progress(step, total): called as a render advances (1-based steps).
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class Prompt:
    positive: str
    negative: str


@dataclass(frozen=True)
class RenderInput:
    photo: Image.Image  # RGB, metadata-free, EXIF orientation applied
    face_box: tuple[int, int, int, int] | None  # x, y, w, h in photo pixels
    prompt: Prompt
    style: str  # figures.models.Style value
    seed: int
    size: int  # output is size x size pixels


class GenerationError(Exception):
    """A render failed for good; user_message is shown to the customer."""

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(detail or user_message)
        self.user_message = user_message


class TransientGenerationError(GenerationError):
    """A render failed for a reason that may pass (worker busy, storage hiccup): retry."""


class GenerationBackend(Protocol):
    name: str

    def steps_per_render(self) -> int:
        """How many progress steps one render reports."""
        ...

    def render(self, request: RenderInput, *, on_progress: ProgressCallback) -> Image.Image:
        """Return an RGB image of request.size x request.size."""
        ...
