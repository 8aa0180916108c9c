"""Celery app of the demo host project. A merchant's own project has an equivalent."""

import os

from celery import Celery
from kombu.transport import sqlalchemy as kombu_sqlalchemy

# The embedded (SQLite) broker polls; kombu's 1 s default would dominate "click generate to
# first render". Its transport options go to create_engine, so the interval is set here.
kombu_sqlalchemy.Transport.polling_interval = 0.1

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
