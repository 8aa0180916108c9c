"""Figure studio rows through the real services: a portrait, a photo, a design."""

import io
from functools import lru_cache
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from figures import services
from figures.models import BoxTheme, FigureDesign, Photo, Style


@lru_cache(maxsize=1)
def portrait_jpeg() -> bytes:
    """scikit-image's astronaut (a public-domain portrait), upscaled like a phone selfie."""
    from skimage import data

    image = Image.fromarray(data.astronaut()).resize((1024, 1024), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def portrait_upload(name: str = "selfie.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, portrait_jpeg(), content_type="image/jpeg")


def photo_for(user: Any) -> Photo:
    return services.photo_create(owner=user, upload=portrait_upload())


def design_for(user: Any, **fields: Any) -> FigureDesign:
    values: dict[str, Any] = {
        "name": "Jürgen",
        "tagline": "Chief Coffee Officer",
        "accessories": ["coffee mug", "laptop"],
        "style": Style.ACTION_FIGURE,
        "box_theme": BoxTheme.HERO_RED,
    }
    values.update(fields)
    photo = values.pop("photo", None) or photo_for(user)
    return services.design_create(owner=user, photo=photo, **values)
