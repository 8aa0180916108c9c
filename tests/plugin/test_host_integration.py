"""The plugin inside a host: its pages in the host's own site frame (MINIME_BASE_TEMPLATE) and
its URLs under any prefix (tests/plugin/urls_merch.py mounts everything under /merch/)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from tests import factories
from tests.factories.shop import approved_design_for

HOST_TEMPLATES = Path(__file__).resolve().parent / "templates"
LINK = re.compile(r'\b(?:href|action|src|data-[a-z-]*url)="([^"]*)"')


def host_templates() -> list[dict]:
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [HOST_TEMPLATES]
    return [engine]


@pytest.fixture
def design(user):
    return factories.design_for(user)


def pages(design) -> list[str]:
    return [
        reverse("shop:home"),
        reverse("figures:studio"),
        reverse("figures:design", args=[design.pk]),
        reverse("privacy:centre"),
        reverse("shop:cart"),
    ]


@pytest.mark.django_db
def test_the_host_frame_wraps_the_plugins_pages(user_client, design):
    with override_settings(TEMPLATES=host_templates(), MINIME_BASE_TEMPLATE="host/frame.html"):
        for url in pages(design):
            response = user_client.get(url)

            html = response.content.decode()
            assert response.status_code == 200, url
            assert '<body data-frame="host">' in html, url
            assert 'data-testid="host-nav"' in html, url
            assert 'class="site"' not in html, url  # nothing of the shipped frame
        design_html = user_client.get(reverse("figures:design", args=[design.pk])).content
    # the page's blocks land in the host's: title, content
    assert b"<title>Host site | J\xc3\xbcrgen</title>" in design_html
    assert re.search(rb'<main data-block="content">\s*\S', design_html)


@pytest.mark.django_db
def test_the_account_pages_use_the_host_frame_too(client):
    with override_settings(TEMPLATES=host_templates(), MINIME_BASE_TEMPLATE="host/frame.html"):
        response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert '<body data-frame="host">' in response.content.decode()


@pytest.mark.django_db
def test_without_the_setting_the_shipped_frame_wraps_them(user_client, design):
    for url in pages(design):
        html = user_client.get(url).content.decode()

        assert '<header class="site">' in html, url
        assert 'data-frame="host"' not in html, url


def links_of(html: str) -> list[str]:
    return [link for link in LINK.findall(html) if not link.startswith(settings.STATIC_URL)]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.plugin.urls_merch")
def test_under_a_prefix_every_link_stays_under_it(user_client, design):
    urls = pages(design)
    assert all(url.startswith("/merch/") for url in urls)
    checked = 0
    approved = approved_design_for(user_client.user)
    for url in [*urls, reverse("shop:product", args=[approved.pk])]:
        response = user_client.get(url)
        assert response.status_code == 200, url

        for link in links_of(response.content.decode()):
            if link.startswith(("#", "https://", "mailto:")) or link == "":
                continue
            checked += 1
            assert link.startswith("/merch/"), f"{url} links to {link}"
    assert checked > 20


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.plugin.urls_merch")
def test_under_a_prefix_sign_up_and_login_pages_link_inside_it(client):
    for name in ("account_login", "account_signup"):
        response = client.get(reverse(name))
        assert response.status_code == 200

        for link in links_of(response.content.decode()):
            if link.startswith(("#", "https://")) or link == "":
                continue
            assert link.startswith("/merch/"), f"{name} links to {link}"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.plugin.urls_merch")
def test_under_a_prefix_a_consent_redirect_stays_under_it(client):
    user = factories.user_create(consent=False)
    client.force_login(user)

    response = client.get(reverse("figures:design_new"))

    assert response.status_code == 302
    assert response["Location"].startswith("/merch/privacy/consent/")


@pytest.mark.django_db
def test_the_admin_gets_the_plugins_stylesheet_from_shops_base_site(client):
    # The plugin's apps come before django.contrib.admin (README's snippet), so
    # shop/templates/admin/base_site.html wins over the admin's own.
    staff = factories.user_create(consent=False)
    type(staff)._default_manager.filter(pk=staff.pk).update(is_staff=True, is_superuser=True)
    client.force_login(type(staff)._default_manager.get(pk=staff.pk))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert f"{settings.STATIC_URL}minime/admin.css" in response.content.decode()
