"""The explicit privacy registry: every app that holds personal data registers one handler
(in its AppConfig.ready()) that exports and erases that app's part of a person's data.

Export and erasure walk `handlers()` in a fixed order, never post_delete signals, so what
is erased, in which order, and what is kept by law is written down in one place per app."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models.fields.files import FieldFile

from core.typing import Account

# Fixed order: printing reads the person's orders before the shop anonymises them (owner ->
# NULL), the shop clears its links to designs and renders before figures deletes those, and
# the account (consents, login) goes last.
ORDER = ("printing", "shop", "figures", "accounts")


@dataclass
class ExportPart:
    """One app's share of a data export: JSON-able data and files (archive name, file)."""

    data: dict[str, Any] = field(default_factory=dict)
    files: list[tuple[str, FieldFile]] = field(default_factory=list)


@dataclass
class ErasePart:
    """What one handler erased: counts only (never names, emails or file names), notes of
    what waits (`deferred`), and internal row references the follow-up job needs."""

    counts: dict[str, int] = field(default_factory=dict)
    deferred: list[str] = field(default_factory=list)
    pending: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class PrivacyHandler:
    """Base of the handlers: subclasses set `name` and override both methods."""

    name: str = ""

    def export(self, *, user: Account) -> ExportPart:
        raise NotImplementedError

    def erase(self, *, user: Account) -> ErasePart:
        raise NotImplementedError


_registry: dict[str, PrivacyHandler] = {}


def register(handler: PrivacyHandler) -> PrivacyHandler:
    """Register one handler (idempotent per name: a second ready() call replaces it)."""
    if not handler.name:
        raise ValueError("A privacy handler needs a name.")
    _registry[handler.name] = handler
    return handler


def handlers() -> list[PrivacyHandler]:
    """The registered handlers in the fixed order (unknown names last, by name)."""

    def rank(name: str) -> tuple[int, str]:
        return (ORDER.index(name) if name in ORDER else len(ORDER), name)

    return [_registry[name] for name in sorted(_registry, key=rank)]


def handler(name: str) -> PrivacyHandler:
    return _registry[name]
