"""Data export (right of access / portability): a ZIP of the person's own data, built in the
background from every registered handler, downloadable once by its owner through a link
with a random token (DataExport.token: it names no export or account) within
MINIME_EXPORT_LINK_HOURS."""

import json
import logging
import re
import tempfile
import zipfile
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from core.dispatch import dispatch_on_commit, mark_taken
from core.typing import Account
from privacy.conf import privacy_settings
from privacy.exceptions import (
    ExportAlreadyDownloaded,
    ExportExpired,
    ExportLinkInvalid,
    ExportNotOwner,
    ExportNotReady,
)
from privacy.models import DataExport
from privacy.registry import handlers

logger = logging.getLogger(__name__)

# What export_token_new() makes; anything else (a NUL byte, a path) never reaches the database.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def data_export_pending(*, user: Account) -> DataExport | None:
    return DataExport.objects.filter(user=user, status=DataExport.Status.PENDING).first()


def data_export_create(*, user: Account) -> DataExport:
    """Ask for an export; it is built by the task privacy.build_export after the commit (the
    row is the durable hand-off: the sweeper sends it again if the broker was away).
    One export is prepared at a time: while one is pending, it is returned instead."""
    from privacy import tasks

    with transaction.atomic():
        # Parallel requests of one account queue up on its row, so only the first finds no
        # pending export (SQLite's IMMEDIATE transactions serialise them anyway).
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        pending = data_export_pending(user=user)
        if pending is not None:
            return pending
        export = DataExport.objects.create(user=user)
        export_id = export.pk
        dispatch_on_commit(
            model=DataExport, pk=export_id, send=lambda: tasks.enqueue_export(export_id=export_id)
        )
    return export


def _collect(user: Account) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    data: dict[str, Any] = {"generated_at": timezone.now().isoformat()}
    files: list[tuple[str, Any]] = []
    for handler in handlers():
        part = handler.export(user=user)
        data.update(part.data)
        files += part.files
    return data, files


def data_export_build(*, export_id: int) -> DataExport:
    """Build the ZIP (data.json + original photos and renders) into private storage.
    Idempotent: an export that is no longer pending is returned as it is."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().select_related("user").get(pk=export_id)
        if export.status != DataExport.Status.PENDING:
            return export
        mark_taken(model=DataExport, pk=export_id)
    try:
        data, files = _collect(export.user)
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
                for name, field_file in files:
                    if not field_file or not field_file.storage.exists(field_file.name):
                        continue
                    with field_file.storage.open(field_file.name, "rb") as source:
                        # Images are compressed already.
                        archive.writestr(name, source.read(), compress_type=zipfile.ZIP_STORED)
            spool.seek(0)
            with transaction.atomic():
                export = DataExport.objects.select_for_update().get(pk=export_id)
                if export.status != DataExport.Status.PENDING:
                    return export
                export.file.save("export.zip", File(spool), save=False)
                now = timezone.now()
                export.status = DataExport.Status.READY
                export.ready_at = now
                export.expires_at = now + timedelta(hours=privacy_settings.EXPORT_LINK_HOURS)
                export.save()
    except Exception:
        logger.exception("Building data export %s failed", export_id)
        DataExport.objects.filter(pk=export_id).update(status=DataExport.Status.FAILED)
        raise
    return export


def data_export_token(export: DataExport) -> str:
    return export.token


def data_export_claim(*, token: str, user: Account) -> DataExport:
    """Check a download link for this account and mark the export downloaded (once).
    Raises a privacy.exceptions.ExportUnavailable subclass saying why not (the view answers
    each the same: 404)."""
    if not TOKEN_SHAPE.fullmatch(token):
        raise ExportLinkInvalid("This download link is not valid.")
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(token=token).first()
        if export is None:
            raise ExportLinkInvalid("This download link is not valid.")
        if export.user_id != user.pk:
            raise ExportNotOwner("This export belongs to another account.")
        if export.status == DataExport.Status.DOWNLOADED or export.downloaded_at is not None:
            raise ExportAlreadyDownloaded("This export has been downloaded already.")
        if export.status == DataExport.Status.EXPIRED or (
            export.expires_at is not None and export.expires_at <= timezone.now()
        ):
            raise ExportExpired("This download link has expired. Please ask for a new export.")
        if export.status != DataExport.Status.READY or not export.file:
            raise ExportNotReady("This export is not ready yet.")
        export.status = DataExport.Status.DOWNLOADED
        export.downloaded_at = timezone.now()
        export.save(update_fields=["status", "downloaded_at"])
    return export
