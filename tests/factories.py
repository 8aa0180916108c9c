"""Plain factory functions: real rows through the real services."""

import io
from functools import lru_cache
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from figures import services
from figures.models import BoxTheme, FigureDesign, Photo, Style
from privacy.models import ConsentMethod
from privacy.services import consent_form_submit

PASSWORD = "correct-horse-battery-staple"
_counter = iter(range(1, 10**9))


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


def user_create(*, email: str | None = None, consent: bool = True, training: bool = False) -> Any:
    email = email or f"user{next(_counter)}@example.com"
    user = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if consent:
        consent_form_submit(
            user=user, generation=True, training=training, method=ConsentMethod.CONSENT_FORM
        )
    return user


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
