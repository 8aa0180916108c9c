from django.contrib import admin

from figures.energy import energy_by_backend, energy_by_day_and_backend
from figures.models import FigureDesign, FigureEvent, GenerationJob, Render


class FigureEventInline(admin.TabularInline):
    model = FigureEvent
    extra = 0
    can_delete = False
    readonly_fields = ["job", "from_status", "to_status", "actor", "reason", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FigureDesign)
class FigureDesignAdmin(admin.ModelAdmin):
    # No photo field here: staff work with renders, never with the customer's selfie.
    list_display = ["name", "version", "owner", "style", "status", "created_at"]
    list_filter = ["status", "style", "box_theme"]
    search_fields = ["name", "owner__email"]
    readonly_fields = [
        "owner",
        "version",
        "previous_version",
        "name",
        "tagline",
        "accessories",
        "style",
        "box_theme",
        "status",
        "approved_render",
        "approved_at",
        "created_at",
    ]
    exclude = ["photo"]
    inlines = [FigureEventInline]

    def has_add_permission(self, request):
        return False


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "design",
        "status",
        "progress_step",
        "progress_total",
        "energy_wh",
        "energy_method",
        "created_at",
    ]
    list_filter = ["status", "backend", "energy_method"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in GenerationJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        """Above the list: energy per day and backend, of the jobs the filters select."""
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context is not None and "cl" in context:
            jobs = context["cl"].queryset
            context["energy_by_day"] = energy_by_day_and_backend(jobs)
            context["energy_by_backend"] = energy_by_backend(jobs)
        return response


@admin.register(Render)
class RenderAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "job",
        "index",
        "seed",
        "likeness_distance",
        "likeness_model",
        "energy_wh",
        "energy_method",
        "created_at",
    ]
    list_filter = ["likeness_model"]
    # No image field: the admin would link its storage URL (on S3, a bucket URL). Staff see
    # the art through the production queue's views, which stream it through Django.
    exclude = ["image"]
    readonly_fields = [f.name for f in Render._meta.fields if f.name != "image"]

    def has_add_permission(self, request):
        return False
