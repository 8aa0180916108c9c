"""The demo settings (config/settings.py) in fresh processes, as a deployment starts them: no
start on a public secret key, the embedded key file of `make run`, and DJANGO_HTTPS=1 passing
`manage.py check --deploy` without a warning."""

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def settings_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """A production-like environment: config.settings, DEBUG off, an empty var folder, none
    of the test session's variables (its key, database, var folder)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "MINIME_", "DATABASE_", "CELERY_", "REDIS_"))
        and key not in {"SQLITE_PATH", "PYTEST_CURRENT_TEST"}
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="0")
    env["MINIME_VAR_DIR"] = str(var_dir)
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_a_secret_key_and_debug_off_the_site_refuses_to_start(tmp_path):
    result = manage("check", env=settings_env(tmp_path))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set and DEBUG is off" in result.stderr


# Live Stripe keys: with DEBUG off `check --deploy` refuses missing ones (minime.E010-E012).
LIVE_STRIPE = {
    "MINIME_STRIPE_SECRET_KEY": "sk_live_" + "a" * 24,
    "MINIME_STRIPE_PUBLISHABLE_KEY": "pk_live_" + "b" * 24,
    "MINIME_STRIPE_WEBHOOK_SECRET": "whsec_" + "c" * 24,
}


def test_https_settings_pass_check_deploy_without_a_warning(tmp_path):
    env = settings_env(
        tmp_path, DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_HTTPS="1", **LIVE_STRIPE
    )
    manage("minime_c2pa_credentials", env=env)  # signing credentials, as scripts/run.sh makes

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "security.W" not in output
    assert "System check identified no issues" in output


def test_without_https_check_deploy_names_what_is_missing(tmp_path):
    env = settings_env(tmp_path, DJANGO_SECRET_KEY=secrets.token_urlsafe(50))

    result = manage("check", "--deploy", env=env)

    for warning in ("W004", "W008", "W012", "W016"):
        assert f"security.{warning}" in result.stderr
    for error in ("E010", "E011", "E012"):  # and the Stripe keys production needs
        assert f"minime.{error}" in result.stderr


def test_https_turns_on_hsts_redirect_secure_cookies_and_the_proxy_header(tmp_path):
    env = settings_env(tmp_path, DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_HTTPS="1")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "31536000 True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


@pytest.mark.skipif(not Path(ROOT, ".venv/bin/python").exists(), reason="needs the .venv")
def test_make_runs_key_is_made_once_private_and_used_by_the_settings(tmp_path):
    env = settings_env(tmp_path)

    subprocess.run(["bash", "scripts/secret-key.sh"], cwd=ROOT, env=env, check=True)
    key_file = tmp_path / "secret_key"
    first = key_file.read_text().strip()
    subprocess.run(["bash", "scripts/secret-key.sh"], cwd=ROOT, env=env, check=True)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    used = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    ).stdout.strip()  # fmt: skip

    assert len(first) >= 50
    assert key_file.read_text().strip() == first  # reused, not replaced
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert used == first
