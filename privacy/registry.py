"""The explicit privacy registry: every app that holds personal data registers one handler
(in its AppConfig.ready()) that declares everything privacy needs to know about that app's
part of a person's data: how to export and erase it, what it stores (for the privacy centre),
its retention rules, work an erasure leaves for later, what a withdrawn consent stops, its
training items and its place in the erase order.

Privacy imports no app above it: export, erasure, retention, the privacy centre and the
training export are loops over `handlers()`, never post_delete signals, so what is erased, in
which order, and what is kept by law is written down in one place per app."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.utils import formats, timezone
from django.utils.translation import gettext

from core.typing import Account


@dataclass
class ExportPart:
    """One app's share of a data export: JSON-able data and files (archive name, file)."""

    data: dict[str, Any] = field(default_factory=dict)
    files: list[tuple[str, FieldFile]] = field(default_factory=list)


@dataclass
class ErasePart:
    """What one handler erased: counts only (never names, emails or file names), notes of
    what waits (`deferred`), and internal row references of the work left for later
    (`pending`, handed back to the handler's `finish_pending`)."""

    counts: dict[str, int] = field(default_factory=dict)
    deferred: list[str] = field(default_factory=list)
    pending: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class PendingResult:
    """What `finish_pending` did: `done` (how much waiting work was finished, or would be in a
    dry run), the handler's receipt counts after it, and the work that still waits."""

    done: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    pending: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class RuleResult:
    """What one retention rule found (and deleted unless dry run): row ids only, for logs."""

    rule: str
    count: int = 0
    items: list[str] = field(default_factory=list)


class RetentionRule:
    """One retention rule. `name` is what logs and the retention command print; `period()`
    reads the rule's setting on every call (so override_settings works); `run()` finds what
    is due and deletes it unless dry_run; `explain()` is the privacy centre's wording for one
    item under this rule, so the centre says what the rule does."""

    name: str = ""

    def period(self) -> timedelta | None:
        """How long after its clock starts something is kept (None: no fixed period)."""
        return None

    def cutoff(self, now: datetime) -> datetime:
        """Things whose clock started before this are due."""
        period = self.period()
        assert period is not None, f"Retention rule {self.name!r} has no period"
        return now - period

    def delete_on(self, start: datetime | None) -> date | None:
        """The day the daily run deletes something whose clock started at `start` (None: its
        clock has not started)."""
        period = self.period()
        assert period is not None, f"Retention rule {self.name!r} has no period"
        return None if start is None else timezone.localdate(start + period)

    def run(self, *, now: datetime, dry_run: bool) -> RuleResult:
        raise NotImplementedError

    def explain(self, *, delete_on: date | None) -> str:
        """Customer-facing: when an item under this rule is deleted (None: not known yet)."""
        if delete_on is None:
            return ""
        return gettext("Deleted on %(date)s.") % {"date": formats.date_format(delete_on)}


@dataclass(frozen=True)
class StoredItem:
    """One stored thing for the privacy centre. `kind` names the centre's section ("photo",
    "design", ...); `rule` is the retention rule that deletes it (None: kept while the account
    exists); `delete_on` is when that rule deletes it, None while that depends on something
    still to happen (an order to ship); `view_url`, the page where the person sees it ("": none)."""

    kind: str
    obj: Any
    rule: RetentionRule | None = None
    delete_on: date | None = None
    view_url: str = ""

    @property
    def retention(self) -> str:
        """The rule's own wording for this item."""
        return self.rule.explain(delete_on=self.delete_on) if self.rule else ""


@dataclass(frozen=True)
class TrainingItem:
    """One file for a training set: its archive name (random ids only), the file, its kind."""

    name: str
    file: FieldFile
    kind: str


@dataclass
class PrivacyHandler:
    """Base of the handlers: subclasses set `name` and `erase_order` and override `export` and
    `erase`; every other hook defaults to "nothing".

    `erase_order`: lower erases first. A handler that reads rows another handler anonymises
    or deletes goes before it (printing reads the orders the shop anonymises; the shop clears
    its links to designs before figures deletes them; the account goes last)."""

    name: str = ""
    erase_order: int = 50

    def export(self, *, user: Account) -> ExportPart:
        raise NotImplementedError

    def erase(self, *, user: Account) -> ErasePart:
        raise NotImplementedError

    def stored_items(self, *, user: Account) -> list[StoredItem]:
        """What this app stores about the person, each under the rule that deletes it."""
        return []

    def retention_rules(self) -> list[RetentionRule]:
        return []

    def holds(self, *, model: type[Model], pks: Collection[Any]) -> dict[Any, datetime | None]:
        """Rows of a lower app (of `model`, among `pks`) that this app still uses: pk -> the
        time the row was last used (its retention clock restarts then), or None while it is
        in use (its retention clock does not run). Rows it does not use are left out."""
        return {}

    def finish_pending(
        self, *, pending: dict[str, list[int]], counts: dict[str, int], dry_run: bool
    ) -> PendingResult:
        """Do the work `erase` left waiting (`pending` as it returned it, `counts` as the
        receipt holds them now) where it can be done now."""
        return PendingResult(counts=counts, pending=pending)

    def consent_withdrawn(self, *, user: Account, purpose: str) -> dict[str, int]:
        """Stop what depended on the consent just withdrawn; returns counts of what stopped."""
        return {}

    def training_items(self, *, user: Account) -> Iterable[TrainingItem]:
        """The person's files for a training set (called only with active training consent)."""
        return ()


_registry: dict[str, PrivacyHandler] = {}


def register(handler: PrivacyHandler) -> PrivacyHandler:
    """Register one handler (idempotent per name: a second ready() call replaces it)."""
    if not handler.name:
        raise ValueError("A privacy handler needs a name.")
    _registry[handler.name] = handler
    return handler


def handlers() -> list[PrivacyHandler]:
    """The registered handlers in erase order (ties by name)."""
    return sorted(_registry.values(), key=lambda h: (h.erase_order, h.name))


def handler(name: str) -> PrivacyHandler:
    return _registry[name]


def retention_holds(*, model: type[Model], pks: Collection[Any]) -> dict[Any, datetime | None]:
    """Every handler's holds on these rows, merged: in use anywhere wins, else the latest use."""
    merged: dict[Any, datetime | None] = {}
    for each in handlers():
        for pk, since in each.holds(model=model, pks=pks).items():
            if pk not in merged:
                merged[pk] = since
                continue
            held = merged[pk]
            if held is not None:
                merged[pk] = None if since is None else max(since, held)
    return merged


def clock_start(start: datetime, *, pk: Any, holds: dict[Any, datetime | None]) -> datetime | None:
    """When a row's retention clock started: `start`, or its last use by a handler if later;
    None while a handler uses it."""
    if pk not in holds:
        return start
    since = holds[pk]
    return None if since is None else max(start, since)


def retention_rules() -> list[RetentionRule]:
    """Every handler's rules, in handler order."""
    return [rule for each in handlers() for rule in each.retention_rules()]
