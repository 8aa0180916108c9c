"""Celery app of the demo host project. A merchant's own project has an equivalent."""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

# sqla+sqlite:// URLs use our faster-polling subclass (imported only on first connection).
TRANSPORT_ALIASES["sqla"] = TRANSPORT_ALIASES["sqlalchemy"] = "config.kombu_sqlite:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
