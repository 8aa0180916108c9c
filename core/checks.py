"""System checks of a host project's settings (`manage.py check`, and before `migrate` and
`runserver`): what the README's settings snippet sets, reported with its own id and a hint
instead of failing at the first customer request. Registered in privacy's AppConfig.ready().

| id | reports |
|---|---|
| minime.E001 | `STORAGES` has no alias named by `MINIME_PRIVATE_STORAGE` |
| minime.E002 | `django.contrib.sites` not installed |
| minime.E003 | `allauth` or `allauth.account` not installed |
| minime.E004 | allauth's `AccountMiddleware` not in `MIDDLEWARE` |
| minime.E005 | `MINIME_BASE_TEMPLATE` set, `core.context_processors.minime` not installed |
| minime.E006 | `MINIME_GPU_QUEUE` not set (or empty) |
| minime.E007 | `CELERY_TASK_DEFAULT_QUEUE` not set (or empty) |
| minime.E010-E012 | deploy, DEBUG off, real Stripe: a Stripe key or secret missing |
| minime.W010 | deploy, DEBUG off, real Stripe: test-mode keys |
| minime.W020 | deploy, DEBUG off: C2PA signing credentials missing (images unsigned, XMP only) |
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks

from core.conf import core_settings

TAG = "minime"
CONTEXT_PROCESSOR = "core.context_processors.minime"
ACCOUNT_MIDDLEWARE = "allauth.account.middleware.AccountMiddleware"
HINT_SNIPPET = 'See README.md, "Installing the plugin into your Django project".'


def _error(message: str, hint: str, number: str) -> checks.Error:
    return checks.Error(message, hint=f"{hint} {HINT_SNIPPET}", id=f"minime.{number}")


@checks.register(TAG)
def storage_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    alias = core_settings.PRIVATE_STORAGE
    if alias in getattr(settings, "STORAGES", {}):
        return []
    return [
        _error(
            f"STORAGES has no {alias!r} alias for customer photos, renders, print files and "
            "exports (MINIME_PRIVATE_STORAGE).",
            f'Add STORAGES[{alias!r}] = {{"BACKEND": ..., "OPTIONS": ...}}: a private '
            "FileSystemStorage outside every URL, or S3 with default_acl 'private'.",
            "E001",
        )
    ]


@checks.register(TAG)
def accounts_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if not apps.is_installed("django.contrib.sites"):
        errors.append(
            _error(
                "django.contrib.sites is not in INSTALLED_APPS (allauth and the shop's email "
                "links use the current Site).",
                'Add "django.contrib.sites" to INSTALLED_APPS and set SITE_ID = 1.',
                "E002",
            )
        )
    missing = [name for name in ("allauth", "allauth.account") if not apps.is_installed(name)]
    if missing:
        errors.append(
            _error(
                f"{' and '.join(missing)} not in INSTALLED_APPS: customers sign up and log in "
                "through django-allauth.",
                'Add "allauth" and "allauth.account" to INSTALLED_APPS.',
                "E003",
            )
        )
    if ACCOUNT_MIDDLEWARE not in settings.MIDDLEWARE:
        errors.append(
            _error(
                f"{ACCOUNT_MIDDLEWARE} is not in MIDDLEWARE.",
                f'Append "{ACCOUNT_MIDDLEWARE}" to MIDDLEWARE.',
                "E004",
            )
        )
    return errors


def _context_processors() -> set[str]:
    found: set[str] = set()
    engines: list[dict[str, Any]] = list(settings.TEMPLATES)
    for engine in engines:
        if engine.get("BACKEND") == "django.template.backends.django.DjangoTemplates":
            found.update(engine.get("OPTIONS", {}).get("context_processors", []))
    return found


@checks.register(TAG)
def base_template_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not hasattr(settings, "MINIME_BASE_TEMPLATE") or CONTEXT_PROCESSOR in (
        _context_processors()
    ):
        return []
    return [
        _error(
            f"MINIME_BASE_TEMPLATE is set but {CONTEXT_PROCESSOR} is not a context processor: "
            "the plugin's pages would keep the shipped frame.",
            f'Add "{CONTEXT_PROCESSOR}" to TEMPLATES[0]["OPTIONS"]["context_processors"].',
            "E005",
        )
    ]


@checks.register(TAG)
def queue_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The worker commands name their queues (-Q): a queue chosen by accident (Celery's own
    "celery", or an unset GPU queue) is one no worker consumes, and the work waits forever."""
    errors: list[checks.CheckMessage] = []
    if not str(getattr(settings, "MINIME_GPU_QUEUE", "") or "").strip():
        errors.append(
            _error(
                "MINIME_GPU_QUEUE is not set: generation jobs need a Celery queue that your "
                "GPU workers consume.",
                'Set MINIME_GPU_QUEUE = "gpu" and start `celery -A <project> worker -Q gpu` '
                "(or one worker with -Q default,gpu).",
                "E006",
            )
        )
    if not str(getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "") or "").strip():
        errors.append(
            _error(
                "CELERY_TASK_DEFAULT_QUEUE is not set: the shop's emails and reconciliation "
                "would go to Celery's \"celery\" queue, which the README's workers do not consume.",
                'Set CELERY_TASK_DEFAULT_QUEUE = "default" (your Celery app reads the CELERY_ '
                "settings) and start `celery -A <project> worker -Q default -B`.",
                "E007",
            )
        )
    return errors


STRIPE_KEYS = (
    ("MINIME_STRIPE_SECRET_KEY", ("sk_", "rk_"), "E010"),
    ("MINIME_STRIPE_PUBLISHABLE_KEY", ("pk_",), "E011"),
    ("MINIME_STRIPE_WEBHOOK_SECRET", ("whsec_",), "E012"),
)


@checks.register(TAG, deploy=True)
def stripe_keys_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`check --deploy` with DEBUG off against real Stripe (no MINIME_STRIPE_API_BASE, which
    points at localstripe): every key present, and live ones."""
    if settings.DEBUG or getattr(settings, "MINIME_STRIPE_API_BASE", None):
        return []
    messages: list[checks.CheckMessage] = []
    for name, prefixes, number in STRIPE_KEYS:
        value = str(getattr(settings, name, "") or "")
        if not value.startswith(prefixes):
            messages.append(
                _error(
                    f"{name} is {'not set' if not value else 'not a Stripe key'} and DEBUG is "
                    "off: customers cannot pay (or payments are never confirmed).",
                    f"Set {name} to the {prefixes[0]}... value from the Stripe dashboard "
                    "(Developers > API keys / Webhooks).",
                    number,
                )
            )
    test_keys = [
        name
        for name, _prefixes, _number in STRIPE_KEYS[:2]
        if "_test_" in str(getattr(settings, name, "") or "")
    ]
    if test_keys:
        messages.append(
            checks.Warning(
                f"{' and '.join(test_keys)} hold test-mode keys and DEBUG is off: no real "
                "payment is taken.",
                hint="Use the live keys (sk_live_..., pk_live_...) in production. " + HINT_SNIPPET,
                id="minime.W010",
            )
        )
    return messages


@checks.register(TAG, deploy=True)
def provenance_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`check --deploy` with DEBUG off: images are delivered without credentials too (XMP
    label only), so this warns rather than stops; in production every file should carry a
    signed C2PA manifest."""
    if settings.DEBUG:
        return []
    from core.provenance import credentials_problem

    problem = credentials_problem()
    if problem is None:
        return []
    return [
        checks.Warning(
            f"C2PA {problem}: renders, downloads and previews are delivered without Content "
            "Credentials (only their XMP label).",
            hint="Set MINIME_C2PA_CERT_CHAIN and MINIME_C2PA_PRIVATE_KEY to your certificate "
            "chain and key (PEM), or run `manage.py minime_c2pa_credentials` for untrusted "
            'development credentials. See README.md, "Provenance".',
            id="minime.W020",
        )
    ]
