"""Template tags for what the privacy pages tell the customer about stored data."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def photo_background_removed() -> bool:
    """Whether intake keeps only the person (MINIME_PHOTO_BACKGROUND_REMOVAL, default on):
    figures.minimise reads the same setting. A plain setting read, no import of figures."""
    return bool(getattr(settings, "MINIME_PHOTO_BACKGROUND_REMOVAL", True))
