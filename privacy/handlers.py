"""The account's own part of export and erasure: login, email addresses, consent records,
data exports and data-subject requests (registered in PrivacyConfig.ready()).

Consent records are deleted with the account: they prove consent for processing that no
longer happens, and the ErasureReceipt (keyed subject hash, no personal data) proves the
erasure. Training exports that held the person's photos cannot be recalled from their
recipients; the receipt counts them (training_exports_with_data) so staff can ask the
recipients to delete them."""

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from core.typing import Account
from privacy.models import (
    ConsentRecord,
    DataExport,
    DataSubjectRequest,
    TrainingExportSubject,
)
from privacy.registry import ErasePart, ExportPart, PrivacyHandler, RetentionRule
from privacy.retention import ExpiredExportsRule, UnusedAccountsRule


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def data_exports_delete(exports: Any) -> int:
    """Delete export ZIPs (they hold photos) and their rows."""
    count = 0
    for export in exports:
        if export.file:
            export.file.delete(save=False)
        export.delete()
        count += 1
    return count


def account_delete(*, user: Account) -> None:
    """The last step of an erasure: the login itself. Admin log entries about the account
    keep who-did-what but lose the account's name."""
    user_type = ContentType.objects.get_for_model(get_user_model())
    LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).update(
        object_repr="(erased account)", change_message=""
    )
    user.delete()


@dataclass
class AccountsPrivacyHandler(PrivacyHandler):
    name: str = "accounts"
    # Last: the other handlers erase what hangs off the account first.
    erase_order: int = 90

    def export(self, *, user: Account) -> ExportPart:
        account = {
            "email": user.email,
            "username": user.get_username(),
            "first_name": getattr(user, "first_name", ""),
            "last_name": getattr(user, "last_name", ""),
            "date_joined": _iso(getattr(user, "date_joined", None)),
            "last_login": _iso(user.last_login),
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
        }
        consents = [
            {
                "purpose": record.purpose,
                "policy_version": record.policy_version,
                "granted": record.granted,
                "method": record.method,
                "at": _iso(record.created_at),
            }
            for record in ConsentRecord.objects.filter(user=user).order_by("created_at", "pk")
        ]
        return ExportPart(data={"account": account, "consents": consents})

    def erase(self, *, user: Account) -> ErasePart:
        from privacy.erasure import subject_hash

        with transaction.atomic():
            exports = data_exports_delete(DataExport.objects.filter(user=user))
            training_exports = (
                TrainingExportSubject.objects.filter(subject_hash=subject_hash(user.pk))
                .values("export")
                .distinct()
                .count()
            )
            TrainingExportSubject.objects.filter(consent_record__user=user).update(
                consent_record=None
            )
            _, consents = ConsentRecord.objects.filter(user=user).delete()
            _, emails = EmailAddress.objects.filter(user=user).delete()
            # The request stays as proof it was handled in time, without who asked.
            requests = DataSubjectRequest.objects.filter(user=user).update(
                email="", identity_check="", details=""
            )
        return ErasePart(
            counts={
                "consent_records": consents.get("privacy.ConsentRecord", 0),
                "email_addresses": emails.get("account.EmailAddress", 0),
                "data_exports": exports,
                "requests_redacted": requests,
                "training_exports_with_data": training_exports,
            }
        )

    def retention_rules(self) -> list[RetentionRule]:
        return [UnusedAccountsRule(), ExpiredExportsRule()]
