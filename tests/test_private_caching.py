"""Pages of a signed-in customer and their private files are never stored by a cache or the
browser (core.middleware.PrivateCacheControlMiddleware, core.files.private_file_response);
public pages for visitors stay cacheable."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core.middleware import PrivateCacheControlMiddleware
from privacy.exporting import data_export_build, data_export_token
from privacy.models import DataExport
from tests import factories

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_signed_in_pages_are_private_and_not_stored(user_client):
    for name in ("figures:studio", "shop:cart", "privacy:centre"):
        response = user_client.get(reverse(name))

        assert response.status_code == 200, name
        assert {"private", "no-store"} <= cache_control(response), name


def test_the_gdpr_export_zip_is_not_stored(user_client):
    export = DataExport.objects.create(user=user_client.user)
    data_export_build(export_id=export.pk)

    response = user_client.get(reverse("privacy:export_download", args=[data_export_token(export)]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in cache_control(response)


def test_the_home_page_for_a_visitor_is_not_forced_to_no_store(client):
    response = client.get(reverse("shop:home"))

    assert response.status_code == 200
    assert "no-store" not in cache_control(response)


def test_the_home_page_for_a_signed_in_customer_is_not_stored(user_client):
    response = user_client.get(reverse("shop:home"))

    assert {"private", "no-store"} <= cache_control(response)


def test_a_views_own_cache_control_is_kept():
    request = RequestFactory().get("/")
    request.user = factories.user_create()

    def view(_request):
        response = HttpResponse("public art")
        response["Cache-Control"] = "public, max-age=60"
        return response

    response = PrivateCacheControlMiddleware(view)(request)

    assert cache_control(response) == {"public", "max-age=60"}
