"""Mounted outside i18n_patterns (Stripe calls a fixed URL): path("stripe/", include(...))."""

from django.urls import path

from shop.webhook_views import stripe_webhook

app_name = "shop_stripe"
urlpatterns = [
    path("webhook/", stripe_webhook, name="webhook"),
]
