"""Content Credentials for renders: the C2PA manifest and IPTC XMP that every stored render
carries (core.provenance), named after the backend and model that made it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from core.provenance import render_png_sign
from figures.conf import figures_settings
from figures.models import GenerationJob


def render_software_agent(backend_path: str) -> tuple[str, str]:
    """(backend, model) for a job's backend setting: ("stylize", "CPU filter") or
    ("diffusers", "<model folder name>")."""
    short = backend_path.rsplit(".", 1)[-1].removesuffix("Backend").lower() or backend_path
    if short == "diffusers":
        model_dir = figures_settings.DIFFUSERS_MODEL_DIR
        return short, Path(model_dir).name if model_dir else "unknown model"
    if short == "stylize":
        return short, "CPU filter"
    return short, ""


def render_sign(job: GenerationJob, png: bytes, *, created: datetime | None = None) -> bytes:
    """The render's PNG with XMP and a signed `c2pa.created` manifest (trainedAlgorithmicMedia,
    software agent "<backend> <model>"). Unsigned, XMP only, without credentials."""
    backend, model = render_software_agent(job.backend)
    return render_png_sign(png, backend=backend, model=model, created=created)
