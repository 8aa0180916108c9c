"""Template context of the plugin's pages (TEMPLATES[...]["OPTIONS"]["context_processors"]).

Every customer page starts with `{% extends minime_base_template|default:"minime/base.html" %}`:
a host wraps the shop in its own site frame by setting MINIME_BASE_TEMPLATE. The default in the
tag keeps pages rendered without a request (Django's CSRF failure page) on the shipped frame."""

from django.http import HttpRequest

from core.conf import core_settings


def minime(request: HttpRequest) -> dict[str, str]:
    return {"minime_base_template": core_settings.BASE_TEMPLATE}
