from django.contrib import admin

from privacy.models import ConsentRecord, PolicyDocument


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):
    list_display = ["purpose", "version", "language", "title", "effective_at"]
    list_filter = ["purpose", "language"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    """Read-only: the ledger is append-only."""

    list_display = ["user", "purpose", "policy_version", "granted", "method", "created_at"]
    list_filter = ["purpose", "granted", "method"]
    search_fields = ["user__email"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
