"""Generation backends. Only figures.backends.diffusers imports torch/diffusers, lazily."""

from functools import lru_cache

from django.utils.module_loading import import_string

from figures.backends.base import GenerationBackend
from figures.conf import figures_settings


@lru_cache(maxsize=4)
def _load_backend(path: str) -> GenerationBackend:
    backend: GenerationBackend = import_string(path)()
    return backend


def get_backend() -> GenerationBackend:
    """The configured backend, one instance per process (models load once per worker)."""
    return _load_backend(figures_settings.GENERATION_BACKEND)
