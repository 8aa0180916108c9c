"""Training sets: only people whose training consent is active at export time, each item
traceable to the consent behind it, and every subject logged (as a keyed hash) so that a
later withdrawal or erasure can tell which recipients to notify."""

import json
import tempfile
import zipfile
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from core.typing import Account
from privacy.erasure import subject_hash
from privacy.models import ConsentRecord, Purpose, TrainingExport, TrainingExportSubject
from privacy.registry import handlers
from privacy.selectors import consent_is_active, consent_latest

MANIFEST_VERSION = 1


def training_consenters() -> list[tuple[Account, ConsentRecord]]:
    """Everyone whose newest training decision is an active grant, with that record."""
    candidate_ids = (
        ConsentRecord.objects.filter(purpose=Purpose.TRAINING, granted=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    people = []
    for user in (
        get_user_model().objects.filter(pk__in=candidate_ids, is_active=True).order_by("pk")
    ):
        if consent_is_active(user=user, purpose=Purpose.TRAINING):
            record = consent_latest(user=user, purpose=Purpose.TRAINING)
            assert record is not None
            people.append((user, record))
    return people


def _consent_entry(subject: str, record: ConsentRecord) -> dict[str, Any]:
    return {
        "subject": subject,
        "consent_record": record.pk,
        "policy_version": record.policy_version,
        "consent_granted_at": record.created_at.isoformat(),
    }


def _archive_items(
    archive: zipfile.ZipFile, *, user: Account, entry: dict[str, Any]
) -> list[dict[str, Any]]:
    """Write every handler's training items of one person; their manifest entries."""
    added = []
    for handler in handlers():
        for item in handler.training_items(user=user):
            with item.file.open("rb") as source:
                archive.writestr(item.name, source.read())
            added.append({"file": item.name, "kind": item.kind, **entry})
    return added


def training_export_create(*, actor: Account | None, recipient: str) -> TrainingExport:
    """Build the ZIP (every handler's training items, e.g. photos/ and renders/, and
    manifest.json) in private storage and log who is in it. Archive names are random ids: no
    names, emails or original file names."""
    items: list[dict[str, Any]] = []
    subjects: list[tuple[str, ConsentRecord]] = []
    with tempfile.TemporaryFile() as buffer:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for user, record in training_consenters():
                subject = subject_hash(user.pk)
                added = _archive_items(archive, user=user, entry=_consent_entry(subject, record))
                if added:
                    items += added
                    subjects.append((subject, record))
            manifest = {
                "manifest_version": MANIFEST_VERSION,
                "created_at": timezone.now().isoformat(),
                "recipient": recipient,
                "items": items,
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        buffer.seek(0)
        with transaction.atomic():
            export = TrainingExport.objects.create(
                created_by=actor, recipient=recipient, item_count=len(items)
            )
            export.file.save("training.zip", File(buffer), save=True)
            TrainingExportSubject.objects.bulk_create(
                TrainingExportSubject(export=export, subject_hash=subject, consent_record=record)
                for subject, record in subjects
            )
    return export


def training_exports_containing(*, user: Account) -> list[TrainingExport]:
    """The training sets that held this person's data (to notify their recipients after a
    withdrawal or erasure)."""
    subject = subject_hash(user.pk)
    return list(
        TrainingExport.objects.filter(subjects__subject_hash=subject)
        .distinct()
        .order_by("created_at", "pk")
    )
