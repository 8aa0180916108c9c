"""The share card: a square image of the approved figure in its box, labelled AI-generated, signed,
downloaded by its owner from the design page."""

import io
from unittest import mock

import pytest
from django.urls import reverse
from PIL import Image

from core.provenance import COMPOSITE, provenance_read
from printing.models import DesignPreview
from printing.packaging import preview as preview_module
from printing.packaging.product_previews import SHARE_CARD_PX
from tests import factories
from tests.factories.shop import approved_design_for
from tests.provenance.test_signing import assert_ours

pytestmark = pytest.mark.printing


def test_the_share_card_is_a_signed_1080_square_with_the_ai_label(user_client, user):
    design = approved_design_for(user, name="Jürgen")
    url = reverse("printing:share_card", args=[design.pk])

    response = user_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="jurgen-share-card.png"'
    card = Image.open(io.BytesIO(response.content))
    assert card.format == "PNG"
    assert card.size == (SHARE_CARD_PX, SHARE_CARD_PX) == (1080, 1080)
    report = provenance_read(response.content, "image/png")
    assert_ours(report, COMPOSITE)
    assert report["title"] == "share-card.png"
    # The corner label: a white pill with dark text on the theme's dark colour.
    rgb = card.convert("RGB")
    assert rgb.getpixel((36, 52)) == (255, 255, 255)  # left of the lettering
    label = rgb.crop((28, 28, 280, 76))
    assert min(sum(p) for p in label.get_flattened_data()) < 150  # its lettering
    # Stored like the previews: the second download is the same signed file, not re-rendered.
    with mock.patch.object(preview_module, "preview_render", side_effect=AssertionError):
        assert user_client.get(url).content == response.content
    assert DesignPreview.objects.filter(design=design, kind="share_card").count() == 1


def test_the_design_page_offers_the_share_card_of_an_approved_design_only(user_client, user):
    design = approved_design_for(user)
    page = user_client.get(reverse("figures:design", args=[design.pk])).content.decode()
    assert f'href="{reverse("printing:share_card", args=[design.pk])}"' in page
    assert 'data-testid="share-card"' in page

    design.status, design.approved_render, design.approved_at = "draft", None, None
    design.save(update_fields=["status", "approved_render", "approved_at"])
    page = user_client.get(reverse("figures:design", args=[design.pk])).content.decode()
    assert 'data-testid="share-card"' not in page
    assert user_client.get(reverse("printing:share_card", args=[design.pk])).status_code == 404


def test_only_the_owner_downloads_the_share_card(client, user):
    design = approved_design_for(user)

    client.force_login(factories.user_create())
    assert client.get(reverse("printing:share_card", args=[design.pk])).status_code == 404
