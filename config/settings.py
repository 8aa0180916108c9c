"""Settings of the demo host project, read from the environment.

Embedded defaults (no server needed): SQLite, a Celery broker on its own SQLite file, private
files in var/private. Set DATABASE_URL / CELERY_BROKER_URL to use PostgreSQL and Redis.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MINIME_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The fallback key only suits a local demo; production sets DJANGO_SECRET_KEY.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-demo-key-set-DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "django_countries",
    # Mini-Me Merch plugin apps
    "privacy",
    "figures",
    "shop",
    "printing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so it sees the views' exceptions: database away -> 503, not 500.
    "core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            # Health checks: a connection the server closed (restart, pg_terminate_backend)
            # is replaced at the start of the next request instead of failing it.
            os.environ["DATABASE_URL"],
            conn_max_age=60,
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            # WAL + IMMEDIATE: the web process and the Celery worker write concurrently.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not :memory:, so a real worker process can see the test database.
            "TEST": {"NAME": str(VAR_DIR / "test_db.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Accounts (django-allauth): email + password, verified email ----------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "figures:studio"
ACCOUNT_LOGOUT_REDIRECT_URL = "shop:home"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# A mail server that hangs must not hold a request: customer emails are retried from the
# outbox (shop.services.emails), so give up quickly.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Mini-Me Merch <shop@localhost>")

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"  # public media; customer photos never go here
MEDIA_ROOT = VAR_DIR / "media"
PRIVATE_FILES_ROOT = Path(os.environ.get("MINIME_PRIVATE_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Customer photos and renders: outside any URL; served only through owner-checked views.
    "minime_private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_FILES_ROOT, "base_url": "/nonexistent-private/"},
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get(
    "CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
CELERY_RESULT_BACKEND = os.environ.get(
    "CELERY_RESULT_BACKEND", f"db+sqlite:///{VAR_DIR / 'celery-results.sqlite3'}"
)
# Job state lives in our own tables; Celery results are not needed.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sweepers send again any work whose hand-off to the broker was lost (core.dispatch).
MINIME_SWEEP_SECONDS = float(os.environ.get("MINIME_SWEEP_SECONDS", "15"))
CELERY_BEAT_SCHEDULE = {
    "figures-reap-stuck-jobs": {
        "task": "figures.reap_stuck_jobs",
        "schedule": MINIME_SWEEP_SECONDS,
    },
    # Orders paid at Stripe whose webhook never arrived (shop.services.payments.reconciliation).
    "shop-reconcile-payments": {"task": "shop.reconcile_payments", "schedule": 300.0},
    "shop-deliver-emails": {"task": "shop.deliver_emails", "schedule": MINIME_SWEEP_SECONDS},
    "printing-sweep": {"task": "printing.sweep_print_items", "schedule": MINIME_SWEEP_SECONDS},
    "privacy-sweep": {"task": "privacy.sweep_requests", "schedule": MINIME_SWEEP_SECONDS},
    "privacy-retention": {"task": "privacy.run_retention", "schedule": 86400.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Mini-Me Merch (every MINIME_* setting and its default is in README.md) ------------------
MINIME_DIFFUSERS_MODEL_DIR = os.environ.get("MINIME_DIFFUSERS_MODEL_DIR") or None
if os.environ.get("MINIME_GENERATION_BACKEND"):
    MINIME_GENERATION_BACKEND = os.environ["MINIME_GENERATION_BACKEND"]
if os.environ.get("MINIME_RENDERS_PER_JOB"):
    MINIME_RENDERS_PER_JOB = int(os.environ["MINIME_RENDERS_PER_JOB"])
if os.environ.get("MINIME_DAILY_GENERATION_QUOTA"):
    MINIME_DAILY_GENERATION_QUOTA = int(os.environ["MINIME_DAILY_GENERATION_QUOTA"])
# Stripe: test or live keys from the environment. MINIME_STRIPE_API_BASE points the shop at
# localstripe (scripts/run.sh sets it when no keys are given); unset means real Stripe.
MINIME_STRIPE_SECRET_KEY = os.environ.get("MINIME_STRIPE_SECRET_KEY", "")
MINIME_STRIPE_PUBLISHABLE_KEY = os.environ.get("MINIME_STRIPE_PUBLISHABLE_KEY", "")
MINIME_STRIPE_WEBHOOK_SECRET = os.environ.get("MINIME_STRIPE_WEBHOOK_SECRET", "")
MINIME_STRIPE_API_BASE = os.environ.get("MINIME_STRIPE_API_BASE") or None
MINIME_STRIPE_JS_URL = os.environ.get("MINIME_STRIPE_JS_URL") or "https://js.stripe.com/v3/"

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
