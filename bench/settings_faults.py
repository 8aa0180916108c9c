"""Settings of bench/bench_faults.py: the demo settings plus short fault timings and an SMTP
sink, from the environment (every process of the run reads the same values).

Selected with DJANGO_SETTINGS_MODULE=bench.settings_faults (the repository root on sys.path)."""

import os

from config.settings import *  # noqa: F403

MINIME_DISPATCH_RETRY_SECONDS = int(os.environ.get("MINIME_DISPATCH_RETRY_SECONDS", "2"))
MINIME_GENERATION_HEARTBEAT_TIMEOUT = int(
    os.environ.get("MINIME_GENERATION_HEARTBEAT_TIMEOUT", "4")
)
MINIME_PRINT_RENDER_TIMEOUT = int(os.environ.get("MINIME_PRINT_RENDER_TIMEOUT", "10"))
MINIME_RENDER_SIZE = int(os.environ.get("MINIME_RENDER_SIZE", "128"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "5"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # set-up speed only
