"""DiffusersBackend through its production path, on tiny random pipelines saved to disk."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("diffusers")

import numpy as np
from PIL import Image

from figures.backends import diffusers as backend_module
from figures.backends.base import (
    GenerationError,
    Prompt,
    RenderInput,
    TransientGenerationError,
)
from figures.backends.diffusers import DiffusersBackend, clear_pipeline_cache
from tests.figures import tiny_pipelines

pytestmark = pytest.mark.diffusers

FAMILIES = sorted(tiny_pipelines.BUILDERS)
SIZE = 64
STEPS = 4


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each tiny pipeline, built once for the module."""
    root = tmp_path_factory.mktemp("models")
    return {name: build(root / name) for name, build in tiny_pipelines.BUILDERS.items()}


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    clear_pipeline_cache()
    yield
    clear_pipeline_cache()


@pytest.fixture
def use_model(settings, model_dirs: dict[str, Path]) -> Callable[[str], Path]:
    settings.MINIME_DIFFUSERS_STEPS = STEPS
    settings.MINIME_DIFFUSERS_STRENGTH = 0.5
    settings.MINIME_DIFFUSERS_GUIDANCE = 3.5

    def use(name: str) -> Path:
        settings.MINIME_DIFFUSERS_MODEL_DIR = str(model_dirs[name])
        return model_dirs[name]

    return use


def make_request(seed: int = 7, size: int = SIZE) -> RenderInput:
    # A gradient "portrait" with some texture; the face box sits off-centre.
    ys, xs = np.mgrid[0:240, 0:320]
    noise = np.random.default_rng(0).integers(0, 40, (240, 320))
    pixels = np.stack([xs * 255 // 320, ys * 255 // 240, (xs + ys + noise) % 256], axis=-1)
    photo = Image.fromarray(pixels.astype(np.uint8), "RGB")
    return RenderInput(
        photo=photo,
        face_box=(190, 40, 50, 60),
        prompt=Prompt(positive="an action figure in a blister pack", negative="blurry"),
        style="classic",
        seed=seed,
        size=size,
    )


def render(seed: int = 7) -> tuple[Image.Image, list[tuple[int, int]]]:
    progress: list[tuple[int, int]] = []
    image = DiffusersBackend().render(
        make_request(seed), on_progress=lambda step, total: progress.append((step, total))
    )
    return image, progress


@pytest.mark.parametrize("family", FAMILIES)
def test_render_size_mode_and_progress(family: str, use_model) -> None:
    use_model(family)
    backend = DiffusersBackend()
    image, progress = render()

    assert image.size == (SIZE, SIZE)
    assert image.mode == "RGB"
    total = backend.steps_per_render()
    expected = int(STEPS * 0.5) if family == "StableDiffusionImg2ImgPipeline" else STEPS
    assert total == expected
    assert progress[-1] == (total, total)
    steps = [step for step, _ in progress]
    assert steps == sorted(set(steps))
    assert all(t == total for _, t in progress)


@pytest.mark.parametrize("family", FAMILIES)
def test_seed_decides_the_image(family: str, use_model) -> None:
    use_model(family)
    first, _ = render(seed=1)
    again, _ = render(seed=1)
    other, _ = render(seed=2)

    assert np.array_equal(np.asarray(first), np.asarray(again))
    assert not np.array_equal(np.asarray(first), np.asarray(other))


def test_pipeline_loads_once_per_process(use_model, monkeypatch) -> None:
    import diffusers

    model_dir = use_model("FluxKontextPipeline")
    pipeline_cls = diffusers.FluxKontextPipeline
    original = pipeline_cls.from_pretrained
    calls: list[str] = []

    def counting(cls, path, **kwargs):
        calls.append(path)
        return original(path, **kwargs)

    monkeypatch.setattr(pipeline_cls, "from_pretrained", classmethod(counting))
    render(seed=1)
    render(seed=2)
    assert calls == [str(model_dir.resolve())]
    loaded = backend_module.load_pipeline(model_dir.resolve())
    assert backend_module.load_pipeline(model_dir.resolve()) is loaded

    clear_pipeline_cache()
    render(seed=3)
    assert len(calls) == 2


@pytest.mark.parametrize("kind", ["unset", "missing", "empty", "no_index"])
def test_missing_model_is_a_permanent_error(kind: str, settings, tmp_path: Path) -> None:
    if kind == "unset":
        settings.MINIME_DIFFUSERS_MODEL_DIR = None
    elif kind == "missing":
        settings.MINIME_DIFFUSERS_MODEL_DIR = str(tmp_path / "nowhere")
    elif kind == "empty":
        settings.MINIME_DIFFUSERS_MODEL_DIR = str(tmp_path)
    else:
        (tmp_path / "unet").mkdir()
        settings.MINIME_DIFFUSERS_MODEL_DIR = str(tmp_path)

    with pytest.raises(GenerationError) as caught:
        DiffusersBackend().render(make_request(), on_progress=lambda step, total: None)
    assert not isinstance(caught.value, TransientGenerationError)
    assert "not set up" in caught.value.user_message
    assert "Traceback" not in caught.value.user_message


def test_unsupported_pipeline_class(settings, tmp_path: Path) -> None:
    index = {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.42.1"}
    (tmp_path / "model_index.json").write_text(json.dumps(index))
    settings.MINIME_DIFFUSERS_MODEL_DIR = str(tmp_path)
    settings.MINIME_DIFFUSERS_STEPS = 5

    backend = DiffusersBackend()
    assert backend.steps_per_render() == 5
    with pytest.raises(GenerationError) as caught:
        backend.render(make_request(), on_progress=lambda step, total: None)
    assert not isinstance(caught.value, TransientGenerationError)
    assert "unsupported" in caught.value.user_message
    assert "StableDiffusionPipeline" in str(caught.value)


def test_broken_model_folder(settings, tmp_path: Path) -> None:
    index = {"_class_name": "FluxKontextPipeline", "transformer": ["diffusers", "X"]}
    (tmp_path / "model_index.json").write_text(json.dumps(index))
    settings.MINIME_DIFFUSERS_MODEL_DIR = str(tmp_path)

    with pytest.raises(GenerationError) as caught:
        DiffusersBackend().render(make_request(), on_progress=lambda step, total: None)
    assert caught.value.user_message == backend_module.LOAD_FAILED_MESSAGE


@pytest.mark.parametrize(
    "error",
    [RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"), "cuda_oom"],
)
def test_out_of_memory_becomes_generation_error(error, use_model) -> None:
    import torch

    model_dir = use_model("StableDiffusionImg2ImgPipeline")
    loaded = backend_module.load_pipeline(model_dir.resolve())
    exc = torch.cuda.OutOfMemoryError("CUDA out of memory") if error == "cuda_oom" else error

    def explode(**kwargs):
        raise exc

    loaded.pipeline = explode
    with pytest.raises(GenerationError) as caught:
        render()
    assert caught.value.user_message == backend_module.OUT_OF_MEMORY_MESSAGE


def test_other_runtime_errors_propagate(use_model) -> None:
    model_dir = use_model("StableDiffusionImg2ImgPipeline")
    loaded = backend_module.load_pipeline(model_dir.resolve())

    def explode(**kwargs):
        raise RuntimeError("shape mismatch")

    loaded.pipeline = explode
    with pytest.raises(RuntimeError, match="shape mismatch"):
        render()


def test_face_square_frames_the_face() -> None:
    photo = Image.new("RGB", (400, 300), "white")
    photo.paste((255, 0, 0), (300, 50, 340, 100))  # the "face"
    square = backend_module.face_square(photo, (300, 50, 40, 50), 96)
    assert square.size == (96, 96)
    red = np.asarray(square)[..., 1] < 128
    assert 0.05 < red.mean() < 0.5

    centred = backend_module.face_square(photo.convert("L"), None, 32)
    assert centred.size == (32, 32)
    assert centred.mode == "RGB"


def test_importing_the_backend_does_not_load_torch() -> None:
    code = (
        "import sys; import figures.backends.diffusers, figures.backends; "
        "assert 'torch' not in sys.modules and 'diffusers' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('torch', 'diffusers')))"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_SECRET_KEY": "test", "PATH": ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_img2img_always_runs_at_least_one_step(use_model, settings) -> None:
    use_model("StableDiffusionImg2ImgPipeline")
    settings.MINIME_DIFFUSERS_STEPS = 1  # int(1 * 0.5) == 0 steps unless the backend adjusts
    assert DiffusersBackend().steps_per_render() == 1
    image, progress = render()
    assert image.size == (SIZE, SIZE)
    assert progress == [(1, 1)]
