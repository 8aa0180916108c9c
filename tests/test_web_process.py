"""The web process must stay lean: it never imports torch, diffusers or dlib (the likeness
check runs in the generation worker only)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
import django
from django.conf import settings
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()  # allows the 'testserver' host
from django.urls import get_resolver
from config.wsgi import application  # noqa: F401
import figures.views, figures.services, figures.tasks, figures.admin, privacy.views, shop.views

def walk(resolver):
    for p in resolver.url_patterns:
        if hasattr(p, "url_patterns"):
            walk(p)
        else:
            p.callback
walk(get_resolver())
client = Client()
codes = [client.get(url).status_code for url in ("/", "/accounts/login/", "/studio/new/")]
worker_only = ("torch", "diffusers", "transformers", "dlib", "figures.likeness")
heavy = sorted(m for m in worker_only if m in sys.modules)
print(json.dumps({"codes": codes, "heavy": heavy}))
"""


@pytest.mark.django_db
def test_web_process_never_imports_torch_diffusers_or_dlib(django_subprocess_env):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=django_subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["codes"] == [200, 200, 302]
    assert report["heavy"] == []
