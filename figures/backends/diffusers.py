"""Diffusers backend: image-to-image / edit pipelines loaded from a local model folder.

This is the only module in the project that imports torch or diffusers, and it does so inside
functions, so importing it (or the web process importing figures.backends) never loads torch.
A pipeline loads once per worker process and stays cached, keyed by its folder.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_noop
from PIL import Image

from figures.backends.base import GenerationError, ProgressCallback, RenderInput
from figures.conf import figures_settings

logger = logging.getLogger(__name__)

# Stored in English on the job (the worker knows no customer language); translated on display.
NOT_SET_UP_MESSAGE = gettext_noop(
    "The figure generator is not set up yet (model folder missing). Please try again later."
)
UNSUPPORTED_MESSAGE = gettext_noop(
    "The figure generator is misconfigured (unsupported model type). Please try again later."
)
LOAD_FAILED_MESSAGE = gettext_noop(
    "The figure generator could not be started. Please try again later."
)
OUT_OF_MEMORY_MESSAGE = gettext_noop(
    "The generator ran out of GPU memory while creating your figure. Please try again later."
)

# How much of the photo around the face goes into the square: a head-and-shoulders framing.
FACE_CONTEXT = 2.4


@dataclass(frozen=True)
class _Family:
    """How to call one family of pipelines."""

    # True: strength shortens the schedule to int(steps * strength) (Stable Diffusion img2img).
    uses_strength: bool
    # (pipeline, cropped photo, request) -> the family's own call kwargs.
    call_kwargs: Callable[[Any, Image.Image, RenderInput], dict[str, Any]]


def _negative(request: RenderInput) -> str | None:
    return request.prompt.negative or None


def _sd_img2img_kwargs(pipeline: Any, image: Image.Image, request: RenderInput) -> dict[str, Any]:
    # No height/width: img2img renders at the size of `image`, which is already request.size.
    return {
        "image": image,
        "strength": figures_settings.DIFFUSERS_STRENGTH,
        "guidance_scale": figures_settings.DIFFUSERS_GUIDANCE,
        "negative_prompt": _negative(request),
    }


def _flux_kontext_kwargs(pipeline: Any, image: Image.Image, request: RenderInput) -> dict[str, Any]:
    # Without max_area/_auto_resize Kontext renders at ~1024² whatever height/width say.
    # No negative prompt: Kontext only uses one with true_cfg_scale > 1 (twice the compute).
    return {
        "image": image,
        "guidance_scale": figures_settings.DIFFUSERS_GUIDANCE,
        "height": request.size,
        "width": request.size,
        "max_area": request.size * request.size,
        "_auto_resize": False,
    }


def _flux2_klein_kwargs(pipeline: Any, image: Image.Image, request: RenderInput) -> dict[str, Any]:
    # Reference images go in as a list. The step-distilled checkpoints (is_distilled in
    # model_index.json) take no guidance; the base ones do CFG against an empty prompt.
    distilled = bool(getattr(pipeline.config, "is_distilled", False))
    return {
        "image": [image],
        "guidance_scale": 1.0 if distilled else figures_settings.DIFFUSERS_GUIDANCE,
        "height": request.size,
        "width": request.size,
    }


def _qwen_edit_plus_kwargs(
    pipeline: Any, image: Image.Image, request: RenderInput
) -> dict[str, Any]:
    # Qwen-Image-Edit uses true CFG, which is only on when a negative prompt is given.
    return {
        "image": [image],
        "true_cfg_scale": figures_settings.DIFFUSERS_GUIDANCE,
        "negative_prompt": request.prompt.negative or " ",
        "height": request.size,
        "width": request.size,
    }


# model_index.json "_class_name" -> how to call it.
FAMILIES: dict[str, _Family] = {
    "StableDiffusionImg2ImgPipeline": _Family(True, _sd_img2img_kwargs),
    "StableDiffusionXLImg2ImgPipeline": _Family(True, _sd_img2img_kwargs),
    "FluxKontextPipeline": _Family(False, _flux_kontext_kwargs),
    "Flux2KleinPipeline": _Family(False, _flux2_klein_kwargs),
    "QwenImageEditPlusPipeline": _Family(False, _qwen_edit_plus_kwargs),
}


@dataclass
class _Loaded:
    pipeline: Any
    class_name: str
    device: str


_PIPELINES: dict[str, _Loaded] = {}
_LOAD_LOCK = threading.Lock()


def clear_pipeline_cache() -> None:
    """Forget every loaded pipeline (tests; a worker never needs this)."""
    with _LOAD_LOCK:
        _PIPELINES.clear()


def _model_dir() -> Path:
    configured = figures_settings.DIFFUSERS_MODEL_DIR
    if not configured:
        raise GenerationError(NOT_SET_UP_MESSAGE, detail="MINIME_DIFFUSERS_MODEL_DIR is not set")
    return Path(configured).expanduser().resolve()


def read_class_name(model_dir: Path) -> str:
    """The pipeline class named by model_index.json; GenerationError if it can't be read."""
    index = model_dir / "model_index.json"
    if not model_dir.is_dir() or not index.is_file():
        raise GenerationError(NOT_SET_UP_MESSAGE, detail=f"no model_index.json in {model_dir}")
    try:
        class_name = json.loads(index.read_text(encoding="utf-8"))["_class_name"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GenerationError(UNSUPPORTED_MESSAGE, detail=f"unreadable {index}: {exc!r}") from exc
    if not isinstance(class_name, str):
        raise GenerationError(UNSUPPORTED_MESSAGE, detail=f"bad _class_name in {index}")
    return class_name


def _family(class_name: str, model_dir: Path) -> _Family:
    family = FAMILIES.get(class_name)
    if family is None:
        raise GenerationError(
            UNSUPPORTED_MESSAGE, detail=f"unsupported pipeline {class_name} in {model_dir}"
        )
    return family


def load_pipeline(model_dir: Path) -> _Loaded:
    """Load (once per process) the pipeline stored in model_dir."""
    key = str(model_dir)
    with _LOAD_LOCK:
        loaded = _PIPELINES.get(key)
        if loaded is not None:
            return loaded
        class_name = read_class_name(model_dir)
        _family(class_name, model_dir)

        import diffusers
        import torch

        pipeline_cls = getattr(diffusers, class_name, None)
        if pipeline_cls is None:
            raise GenerationError(
                UNSUPPORTED_MESSAGE,
                detail=f"{class_name} is not in diffusers {diffusers.__version__}",
            )
        cuda = torch.cuda.is_available()
        device = "cuda" if cuda else "cpu"
        dtype = torch.bfloat16 if cuda else torch.float32
        logger.info("Loading %s from %s on %s", class_name, model_dir, device)
        try:
            pipeline = pipeline_cls.from_pretrained(
                str(model_dir), local_files_only=True, **{_dtype_keyword(): dtype}
            )
            pipeline.to(device)
        except torch.cuda.OutOfMemoryError as exc:
            _empty_cuda_cache()
            raise GenerationError(OUT_OF_MEMORY_MESSAGE, detail=repr(exc)) from exc
        except Exception as exc:
            # A broken or incomplete model folder does not fix itself on retry.
            _empty_cuda_cache()
            raise GenerationError(
                LOAD_FAILED_MESSAGE, detail=f"loading {class_name} from {model_dir}: {exc!r}"
            ) from exc
        pipeline.set_progress_bar_config(disable=True)
        loaded = _Loaded(pipeline=pipeline, class_name=class_name, device=device)
        _PIPELINES[key] = loaded
        return loaded


def _dtype_keyword() -> str:
    """diffusers 0.42 renamed from_pretrained's torch_dtype to dtype (the old name warns)."""
    import diffusers

    major, minor = (int(part) for part in diffusers.__version__.split(".")[:2])
    return "dtype" if (major, minor) >= (0, 42) else "torch_dtype"


def _empty_cuda_cache() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _schedule(family: _Family) -> tuple[int, int]:
    """(num_inference_steps to ask for, denoising steps that will actually run)."""
    steps = max(1, figures_settings.DIFFUSERS_STEPS)
    if not family.uses_strength:
        return steps, steps
    strength = min(1.0, max(0.01, figures_settings.DIFFUSERS_STRENGTH))
    if int(steps * strength) < 1:
        # img2img runs int(steps * strength) steps: ask for enough that at least one runs.
        steps = math.ceil(1 / strength)
    return steps, max(1, int(steps * strength))


def face_square(
    photo: Image.Image, face_box: tuple[int, int, int, int] | None, size: int
) -> Image.Image:
    """A size x size RGB crop of photo framed on the face (head and shoulders)."""
    width, height = photo.size
    if face_box is None:
        side = min(width, height)
        centre_x, centre_y = width / 2, height / 2
    else:
        x, y, w, h = face_box
        side = min(width, height, max(1, round(max(w, h) * FACE_CONTEXT)))
        # Centre a little below the face centre so the shoulders come into the frame.
        centre_x, centre_y = x + w / 2, y + h / 2 + h * 0.2
    left = round(min(max(centre_x - side / 2, 0), width - side))
    top = round(min(max(centre_y - side / 2, 0), height - side))
    square = photo.convert("RGB").crop((left, top, left + side, top + side))
    return square.resize((size, size), Image.Resampling.LANCZOS)


class DiffusersBackend:
    name = "diffusers"
    uses_cuda = True  # figures.energy reads the GPU's energy counter (NVML) when CUDA is there

    def steps_per_render(self) -> int:
        try:
            model_dir = _model_dir()
            family = FAMILIES.get(read_class_name(model_dir))
        except GenerationError:
            family = None
        if family is None:
            return max(1, figures_settings.DIFFUSERS_STEPS)
        return _schedule(family)[1]

    def render(self, request: RenderInput, *, on_progress: ProgressCallback) -> Image.Image:
        model_dir = _model_dir()
        loaded = load_pipeline(model_dir)
        family = _family(loaded.class_name, model_dir)
        num_inference_steps, total = _schedule(family)
        image = face_square(request.photo, request.face_box, request.size)

        import torch

        reported = 0

        def on_step_end(
            pipeline: Any, step: int, timestep: Any, callback_kwargs: dict[str, Any]
        ) -> dict[str, Any]:
            nonlocal reported
            # Scale by the steps the pipeline really runs (a multistep scheduler may differ).
            actual = getattr(pipeline, "_num_timesteps", None) or total
            done = min(total, max(1, round((step + 1) * total / actual)))
            if done > reported:
                reported = done
                on_progress(done, total)
            return {}

        kwargs: dict[str, Any] = {
            "prompt": request.prompt.positive,
            "num_inference_steps": num_inference_steps,
            "generator": torch.Generator(loaded.device).manual_seed(request.seed),
            "callback_on_step_end": on_step_end,
            "output_type": "pil",
            **family.call_kwargs(loaded.pipeline, image, request),
        }
        try:
            with torch.inference_mode():
                result = loaded.pipeline(**kwargs)
        except torch.cuda.OutOfMemoryError as exc:
            _empty_cuda_cache()
            raise GenerationError(OUT_OF_MEMORY_MESSAGE, detail=repr(exc)) from exc
        except RuntimeError as exc:
            if "out of memory" not in str(exc).lower():
                raise
            _empty_cuda_cache()
            raise GenerationError(OUT_OF_MEMORY_MESSAGE, detail=repr(exc)) from exc
        if reported < total:
            on_progress(total, total)

        output: Image.Image = result.images[0].convert("RGB")
        if output.size != (request.size, request.size):
            # Pipelines round sizes to their latent grid (e.g. multiples of 16).
            output = output.resize((request.size, request.size), Image.Resampling.LANCZOS)
        return output
