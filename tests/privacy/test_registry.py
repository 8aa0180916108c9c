"""Privacy knows only its registry: erasure, retention, the privacy centre and the training
export are loops over the registered handlers, and no privacy module imports an app above it."""

import ast
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from privacy.erasure import consent_withdrawn_effects, erasure_finish_waiting
from privacy.models import ErasureReceipt, Purpose
from privacy.registry import (
    ErasePart,
    ExportPart,
    PendingResult,
    PrivacyHandler,
    RetentionRule,
    RuleResult,
    StoredItem,
    handlers,
    register,
    retention_holds,
)
from privacy.retention import retention_run
from privacy.selectors import stored_data_of
from tests import factories

PRIVACY = Path(__file__).resolve().parents[2] / "privacy"
HIGHER_APPS = {"figures", "shop", "printing"}


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


def test_no_privacy_module_imports_a_higher_app_not_even_inside_a_function():
    offenders = {
        f"{path.relative_to(PRIVACY.parent)}: {module}"
        for path in PRIVACY.rglob("*.py")
        for module in _imported_modules(path)
        if module.split(".")[0] in HIGHER_APPS
    }

    assert offenders == set()


@dataclass
class FakeRule(RetentionRule):
    name: str = "fake_rule"
    ran: list[bool] = field(default_factory=list)

    def run(self, *, now: datetime, dry_run: bool) -> RuleResult:
        self.ran.append(dry_run)
        return RuleResult(self.name, count=1, items=["Thing 1"])


@dataclass
class FakeHandler(PrivacyHandler):
    """A handler of an app privacy has never heard of."""

    name: str = "fake"
    erase_order: int = 5
    rule: FakeRule = field(default_factory=FakeRule)
    shipped: set[int] = field(default_factory=set)
    withdrawn: list[str] = field(default_factory=list)
    held: dict[Any, datetime | None] = field(default_factory=dict)

    def export(self, *, user: Any) -> ExportPart:
        return ExportPart()

    def erase(self, *, user: Any) -> ErasePart:
        return ErasePart(counts={"things": 2, "waiting": 2}, pending={"things": [1, 2]})

    def finish_pending(
        self, *, pending: dict[str, list[int]], counts: dict[str, int], dry_run: bool
    ) -> PendingResult:
        still = [pk for pk in pending["things"] if pk not in self.shipped]
        done = len(pending["things"]) - len(still)
        if not dry_run:
            counts = {**counts, "finished": counts.get("finished", 0) + done}
            counts["waiting"] = len(still)
        return PendingResult(done=done, counts=counts, pending={"things": still})

    def stored_items(self, *, user: Any) -> list[StoredItem]:
        return [StoredItem("thing", "a thing", self.rule)]

    def retention_rules(self) -> list[RetentionRule]:
        return [self.rule]

    def consent_withdrawn(self, *, user: Any, purpose: str) -> dict[str, int]:
        self.withdrawn.append(purpose)
        return {"stopped": 1}

    def holds(self, *, model: Any, pks: Any) -> dict[Any, datetime | None]:
        return {pk: since for pk, since in self.held.items() if pk in pks}


@pytest.fixture
def fake():
    with mock.patch.dict("privacy.registry._registry"):
        yield register(FakeHandler())


def test_handlers_run_in_their_erase_order(fake):
    names = [h.name for h in handlers()]

    assert names[0] == "fake" and names[-1] == "accounts"
    assert [h.erase_order for h in handlers()] == sorted(h.erase_order for h in handlers())


def test_retention_runs_every_handlers_rules(db, fake):
    results = retention_run(dry_run=True)

    assert "fake_rule" in [result.rule for result in results]
    assert fake.rule.ran == [True]


def test_the_centre_lists_every_handlers_stored_items(db, fake):
    data = stored_data_of(user=factories.user_create())

    assert [item.obj for item in data.by_kind["thing"]] == ["a thing"]


def test_withdrawing_a_consent_asks_every_handler(db, fake):
    effects = consent_withdrawn_effects(user=factories.user_create(), purpose=Purpose.TRAINING)

    assert effects["fake"] == {"stopped": 1}
    assert fake.withdrawn == [Purpose.TRAINING]


def test_pending_work_of_a_handler_is_finished_later_by_that_handler(db, fake):
    # given an erasure that left two things of the fake handler waiting
    from privacy.erasure import erasure_run, subject_hash

    user = factories.user_create()
    receipt = ErasureReceipt.objects.create(user=user, subject_hash=subject_hash(user.pk))
    receipt = erasure_run(receipt_id=receipt.pk)
    assert receipt.status == ErasureReceipt.Status.WAITING
    assert receipt.details["_waiting"] == {"fake.things": [1, 2]}

    # when nothing can be done yet, nothing is listed; when one is done, a dry run lists it
    assert erasure_finish_waiting(handler="fake", dry_run=True) == []
    fake.shipped = {1}
    assert erasure_finish_waiting(handler="fake", dry_run=True) == [(receipt.pk, 1)]
    receipt.refresh_from_db()
    assert receipt.details["_waiting"] == {"fake.things": [1, 2]}

    # then a real run finishes what it can, and the last one completes the receipt
    assert erasure_finish_waiting(handler="fake") == [(receipt.pk, 1)]
    receipt.refresh_from_db()
    assert receipt.status == ErasureReceipt.Status.WAITING
    assert receipt.details["_waiting"] == {"fake.things": [2]}
    assert receipt.details["fake"] == {"things": 2, "waiting": 1, "finished": 1}
    fake.shipped = {1, 2}
    assert erasure_finish_waiting(handler="fake") == [(receipt.pk, 1)]
    receipt.refresh_from_db()
    assert receipt.status == ErasureReceipt.Status.COMPLETED and receipt.completed_at
    assert "_waiting" not in receipt.details
    assert receipt.details["fake"] == {"things": 2, "waiting": 0, "finished": 2}


def test_holds_merge_in_use_anywhere_wins_else_the_latest_use(fake):
    now = timezone.now()
    other = FakeHandler(name="other", held={1: now, 2: now, 3: None})
    fake.held = {1: now - timedelta(days=3), 2: None, 4: now}
    register(other)

    holds = retention_holds(model=object, pks={1, 2, 3, 4, 5})

    assert holds == {1: now, 2: None, 3: None, 4: now}
