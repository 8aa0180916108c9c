"""Development signing credentials for the provenance tests, made once per test session in
the session's own var folder (MINIME_C2PA_DIR defaults to VAR_DIR/c2pa)."""

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from core.conf import core_settings
from core.provenance.credentials import DevelopmentCredentials, ensure_development_credentials
from figures.backends.base import Prompt, RenderInput
from figures.backends.stylize import StylizeBackend
from tests.factories.figures import portrait_jpeg


@pytest.fixture(scope="session", autouse=True)
def c2pa_credentials() -> DevelopmentCredentials:
    return ensure_development_credentials(core_settings.C2PA_DIR)


@pytest.fixture(scope="session")
def stylize_png() -> bytes:
    """A real render of the default CPU backend, stored as the worker stores it."""
    photo = Image.open(io.BytesIO(portrait_jpeg())).convert("RGB")
    request = RenderInput(
        photo=photo,
        face_box=None,
        prompt=Prompt("action figure", ""),
        style="action_figure",
        seed=7,
        size=256,
    )
    image = StylizeBackend().render(request, on_progress=lambda step, total: None)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@pytest.fixture
def no_credentials(settings, tmp_path) -> Iterator[None]:
    settings.MINIME_C2PA_DIR = str(tmp_path / "none")
    yield
