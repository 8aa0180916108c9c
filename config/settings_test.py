"""Test settings: the demo settings with a var/ folder of their own per test session, so a
running demo shop and concurrent test runs never share a database, broker or private files.
Child processes (the real Celery worker) inherit MINIME_VAR_DIR and so share this session's."""

import json
import os
from pathlib import Path

os.environ.setdefault(
    "MINIME_VAR_DIR",
    str(Path(__file__).resolve().parent.parent / "var" / "test" / f"session-{os.getpid()}"),
)

# A fixed test-only key (the demo settings refuse to load without one when DEBUG is off); child
# processes of the test session inherit it.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-" + "x" * 50)

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]  # allauth: False turns them all off

# Fault tests start real workers with their own settings (short heartbeats, a slow backend):
# a JSON object of setting names and values, read by every process of the test session.
for _name, _value in json.loads(os.environ.get("MINIME_TEST_SETTINGS", "{}")).items():
    globals()[_name] = _value
