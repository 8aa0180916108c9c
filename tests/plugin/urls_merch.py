"""The README's urls snippet mounted under one prefix, /merch/, as a host might (ROOT_URLCONF
of tests/plugin/test_prefix.py): every link the plugin's pages make must stay under it."""

from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

handler429 = "core.allauth_adapter.handler429"
printing_urls = [path("print/", include("printing.urls"))] if apps.is_installed("printing") else []
plugin_urls: list[URLPattern | URLResolver] = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("stripe/", include("shop.webhook_urls")),
    path("accounts/", include("privacy.account_urls")),
    path("privacy/", include("privacy.urls")),
    path("studio/", include("figures.urls")),
    *printing_urls,
    path("", include("shop.urls")),
]
urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("merch/", include(plugin_urls)),
]
