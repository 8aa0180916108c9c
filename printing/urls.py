from django.urls import path, register_converter

from printing import views


class ProductPreviewKind:
    """The product kinds printing previews: reversing another kind fails, so a template's
    `{% url ... as preview_url %}` gives "" for a product without a preview."""

    regex = "art_print|sticker_sheet|box|digital"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ProductPreviewKind, "preview_kind")

app_name = "printing"
urlpatterns = [
    path(
        "designs/<uuid:design_id>/packaging.png",
        views.packaging_preview,
        name="packaging_preview",
    ),
    path(
        "designs/<uuid:design_id>/preview/<preview_kind:kind>.png",
        views.product_preview,
        name="product_preview",
    ),
    path("designs/<uuid:design_id>/share-card.png", views.share_card, name="share_card"),
]
