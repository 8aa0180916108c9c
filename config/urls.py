from django.apps import apps
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("stripe/", include("shop.webhook_urls")),  # Stripe calls it: no language prefix
]
# printing is optional: the shop runs without it (config.settings_test_shop_only).
printing_urls = [path("print/", include("printing.urls"))] if apps.is_installed("printing") else []
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("privacy.account_urls")),  # allauth, refused forms -> 400
    path("privacy/", include("privacy.urls")),
    path("studio/", include("figures.urls")),
    *printing_urls,
    path("", include("shop.urls")),
    prefix_default_language=False,
)
# allauth answers its rate limits with this view: a 429 page saying when to retry.
handler429 = "core.allauth_adapter.handler429"
