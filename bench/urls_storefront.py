"""The bench's URLconf: config.urls plus GET /bench/hello/, a bare Django view answering "hello"
through the same middleware stack (bench/settings_storefront.py selects it). Bench-only."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from config.urls import handler429
from config.urls import urlpatterns as shipped_urlpatterns

__all__ = ["handler429", "urlpatterns"]


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello", content_type="text/plain")


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/hello/", hello, name="bench_hello"),
    *shipped_urlpatterns,
]
