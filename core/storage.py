"""The private storage every app keeps customers' files in (never served from a public URL)."""

from django.core.files.storage import Storage, storages

from core.conf import core_settings


def private_storage() -> Storage:
    """Callable so the alias is looked up at run time (and swappable per setting)."""
    return storages[core_settings.PRIVATE_STORAGE]
