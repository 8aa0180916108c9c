from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from privacy.models import (
    ConsentRecord,
    DataExport,
    DataSubjectRequest,
    DataSubjectRequestLog,
    ErasureReceipt,
    PolicyDocument,
    TrainingExport,
    TrainingExportSubject,
)
from privacy.requests import (
    IdentityNotVerified,
    RequestHasNoAccount,
    dsr_create,
    dsr_deadline,
    dsr_run_erasure,
    dsr_run_export,
)
from privacy.selectors import data_subject_requests_overdue


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):
    list_display = ["purpose", "version", "language", "title", "material", "effective_at"]
    list_filter = ["purpose", "language", "material"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    """Read-only: the ledger is append-only."""

    list_display = ["user", "purpose", "policy_version", "granted", "method", "created_at"]
    list_filter = ["purpose", "granted", "method"]
    search_fields = ["user__email"]


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "status", "created_at", "ready_at", "downloaded_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["user__email"]
    exclude = ["file"]  # staff never download a customer's export


class StuckErasureFilter(admin.SimpleListFilter):
    """Erasures the sweeper could not finish (privacy.sweeper.erasures_stuck)."""

    title = _("stuck")
    parameter_name = "stuck"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("stuck: needs staff"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        from privacy.sweeper import erasures_stuck

        if self.value() == "yes":
            return queryset.filter(pk__in=erasures_stuck().values("pk"))
        return queryset


@admin.register(ErasureReceipt)
class ErasureReceiptAdmin(ReadOnlyAdmin):
    list_display = [
        "pk", "short_hash", "status", "attempts", "last_error", "requested_at", "completed_at",
    ]  # fmt: skip
    list_filter = [StuckErasureFilter, "status"]
    search_fields = ["subject_hash"]

    @admin.display(description=_("subject"))
    def short_hash(self, obj: ErasureReceipt) -> str:
        return obj.subject_hash[:12]


class TrainingExportSubjectInline(admin.TabularInline):
    model = TrainingExportSubject
    fields = readonly_fields = ("subject_hash", "consent_record")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TrainingExport)
class TrainingExportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "recipient", "item_count", "created_by", "created_at"]
    search_fields = ["recipient", "subjects__subject_hash"]
    exclude = ["file"]
    inlines = [TrainingExportSubjectInline]


class DataSubjectRequestLogInline(admin.TabularInline):
    model = DataSubjectRequestLog
    fields = readonly_fields = ("created_at", "actor", "message")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", str(_("Overdue"))), ("no", str(_("Not overdue")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        overdue = data_subject_requests_overdue()
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return None


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "kind",
        "who",
        "received_at",
        "deadline_column",
        "status",
        "identity_verified",
        "from_customer",
    ]
    list_filter = [OverdueFilter, "status", "kind", "identity_verified", "from_customer"]
    search_fields = ["email", "user__email"]
    date_hierarchy = "received_at"
    raw_id_fields = ["user"]
    readonly_fields = ["deadline", "from_customer"]
    fields = [
        "kind",
        "user",
        "email",
        "received_at",
        "deadline",
        "status",
        "identity_verified",
        "identity_check",
        "details",
        "from_customer",
    ]
    inlines = [DataSubjectRequestLogInline]
    actions = ["run_export", "run_erasure"]

    @admin.display(description=_("user / email"))
    def who(self, obj: DataSubjectRequest) -> str:
        return obj.email or (obj.user.email if obj.user else "—")

    @admin.display(description=_("deadline"), ordering="deadline")
    def deadline_column(self, obj: DataSubjectRequest) -> str:
        is_open = obj.status in (
            DataSubjectRequest.Status.OPEN,
            DataSubjectRequest.Status.IN_PROGRESS,
        )
        if is_open and obj.deadline < timezone.localdate():
            return format_html(
                '<strong class="minime-alert" data-overdue="1">{} ({})</strong>',
                obj.deadline,
                _("overdue"),
            )
        return str(obj.deadline)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"received_at": timezone.now(), "from_customer": False}

    def save_model(
        self, request: HttpRequest, obj: DataSubjectRequest, form: Any, change: bool
    ) -> None:
        if change:
            # The deadline follows the received date, always one calendar month later.
            obj.deadline = dsr_deadline(received_at=obj.received_at)
            super().save_model(request, obj, form, change)
            return
        created = dsr_create(
            kind=obj.kind,
            user=obj.user,
            email=obj.email,
            received_at=obj.received_at,
            from_customer=False,
            identity_verified=obj.identity_verified,
            identity_check=obj.identity_check,
            details=obj.details,
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = created.pk
        obj.deadline = created.deadline
        obj.status = created.status
        obj.from_customer = created.from_customer
        obj._state.adding = False
        obj._state.db = created._state.db

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        overdue = data_subject_requests_overdue().count()
        if overdue:
            self.message_user(
                request,
                _("%(count)d data-subject request(s) are past their one-month deadline.")
                % {"count": overdue},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def _run(self, request: HttpRequest, queryset: QuerySet, run: Any, label: str) -> None:
        for dsr in queryset:
            try:
                run(request=dsr, actor=request.user)
            except IdentityNotVerified:
                self.message_user(
                    request,
                    _("Request %(pk)s: check the identity first; nothing was run.")
                    % {"pk": dsr.pk},
                    messages.ERROR,
                )
            except RequestHasNoAccount:
                self.message_user(
                    request,
                    _("Request %(pk)s has no account linked; nothing was run.") % {"pk": dsr.pk},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("Request %(pk)s: %(label)s started.") % {"pk": dsr.pk, "label": label},
                )

    @admin.action(description=_("Run export"))
    def run_export(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, dsr_run_export, str(_("export")))

    @admin.action(description=_("Run erasure"))
    def run_erasure(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, dsr_run_erasure, str(_("erasure")))
