"""Test data through the real services, one module per app (figures, privacy, shop,
printing). The account and figure factories every test needs are importable from here too."""

from tests.factories.figures import design_for, photo_for, portrait_jpeg, portrait_upload
from tests.factories.privacy import PASSWORD, user_create

__all__ = ["PASSWORD", "design_for", "photo_for", "portrait_jpeg", "portrait_upload", "user_create"]
