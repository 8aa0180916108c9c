"""Settings of the demo host project, read from the environment.

Embedded defaults (no server needed): SQLite, a Celery broker on its own SQLite file, private
files in var/private. Set DATABASE_URL / CELERY_BROKER_URL to use PostgreSQL and Redis.
With DEBUG off they refuse to load without a secret key (DJANGO_SECRET_KEY, or the var/secret_key
file that `make run` writes); DJANGO_HTTPS=1 turns on HSTS, the HTTPS redirect and secure cookies.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
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


DEBUG = env_bool("DJANGO_DEBUG", False)
# The key signs sessions, password resets and download/export links: a public fallback would let
# anyone forge them, so without DEBUG there is none. The embedded `make run` (scripts/run.sh via
# scripts/secret-key.sh) writes a random key once into this file (mode 0600) and reuses it.
SECRET_KEY_FILE = VAR_DIR / "secret_key"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip() or (
    SECRET_KEY_FILE.read_text().strip() if SECRET_KEY_FILE.is_file() else ""
)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set and DEBUG is off: refusing to start with a public key. "
            "Set DJANGO_SECRET_KEY to a long random value (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'), or use `make run`, which keeps one in "
            f"{SECRET_KEY_FILE}; DJANGO_DEBUG=1 allows a development-only key."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-for-production"  # noqa: S105
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Mini-Me Merch plugin apps, first: their templates override allauth's account frame and
    # the admin's base_site.html (as README's snippet has it).
    "privacy",
    "figures",
    "shop",
    "printing",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # A NUL byte in the URL, query or cookies: 400 before anything else looks at it.
    "core.middleware.NullCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages for a signed-in user: Cache-Control: private, no-store (unless the view set its own).
    "core.middleware.PrivateCacheControlMiddleware",
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
        "DIRS": [],  # every template ships in its app (<app>/templates/)
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.minime",  # minime_base_template
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
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend whose health check polls the socket instead of sending SELECT 1 on
        # every request (core/db/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "core.db.postgresql"
        # Prepared statements: each query shape is planned once per connection, not on every
        # request (planning a storefront join cost PostgreSQL more than running it).
        # DATABASE_PREPARED_STATEMENTS=0 behind PgBouncer in transaction mode, which cannot
        # keep a connection's prepared statements.
        if env_bool("DATABASE_PREPARED_STATEMENTS", True):
            DATABASES["default"].setdefault("OPTIONS", {}).update(
                server_side_binding=True, prepare_threshold=5
            )
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

# --- Cache: rate limits (core.ratelimit, allauth) are counted once for all web workers --------
# The database cache on embedded defaults (its table is made by `manage.py createcachetable`);
# REDIS_URL (e.g. redis://127.0.0.1:6379/1) puts it in Redis instead.
CACHES: dict[str, dict[str, object]]
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "minime_cache",
            # Culling at the default 300 rows would drop live counters (junk keys could flush
            # a lockout); expired rows are culled first.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's and allauth's backends, reading the signed-in account of each request with a
# compiled query (core/auth.py); the sign-in itself is theirs.
AUTHENTICATION_BACKENDS = [
    "core.auth.ModelBackend",
    "core.auth.AuthenticationBackend",
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
# Throttling (core.allauth_adapter), counted in CACHES: failed logins per client IP and per
# IP + account (the adapter adds the IP to allauth's per-account "key"), so a stranger cannot
# lock the owner out; sign-ups and password resets per IP, reset emails per address. Each
# refusal is a 429 page saying when to retry. Behind a reverse proxy set
# DJANGO_TRUSTED_PROXY_COUNT, or every client shares the proxy's address (and its limits).
ACCOUNT_ADAPTER = "core.allauth_adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,100/h/ip,5/5m/key,20/h/key",
    "signup": "10/h/ip",
    "reset_password": "5/h/ip,3/h/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# A mail server that hangs must not hold a request: customer emails are retried from the
# outbox (shop.services.emails), so give up quickly.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Mini-Me Merch <shop@localhost>")

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
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
# MINIME_S3_BUCKET: the private files go to that S3 bucket instead (django-storages, the `s3`
# extra). Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
# an instance role). No URL to the bucket is ever handed out: every download streams through
# Django's owner-checked views, so objects stay private and no signed links are made.
if os.environ.get("MINIME_S3_BUCKET"):
    STORAGES["minime_private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["MINIME_S3_BUCKET"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,  # MinIO, moto...
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # "" for a bucket with ACLs disabled (AWS's default): it refuses any ACL header.
            "default_acl": os.environ.get("AWS_DEFAULT_ACL", "private") or None,
            "querystring_auth": False,
            "file_overwrite": False,
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
MINIME_GPU_QUEUE = "gpu"  # generation jobs (figures.generate_renders)
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
if os.environ.get("MINIME_PHOTO_BACKGROUND_REMOVAL"):  # 0: keep the whole uploaded photo
    _removal = os.environ["MINIME_PHOTO_BACKGROUND_REMOVAL"].strip().lower()
    MINIME_PHOTO_BACKGROUND_REMOVAL = _removal not in ("0", "false", "no", "off")
# Stripe: test or live keys from the environment. MINIME_STRIPE_API_BASE points the shop at
# localstripe (scripts/run.sh sets it when no keys are given); unset means real Stripe.
MINIME_STRIPE_SECRET_KEY = os.environ.get("MINIME_STRIPE_SECRET_KEY", "")
MINIME_STRIPE_PUBLISHABLE_KEY = os.environ.get("MINIME_STRIPE_PUBLISHABLE_KEY", "")
MINIME_STRIPE_WEBHOOK_SECRET = os.environ.get("MINIME_STRIPE_WEBHOOK_SECRET", "")
MINIME_STRIPE_API_BASE = os.environ.get("MINIME_STRIPE_API_BASE") or None
MINIME_STRIPE_JS_URL = os.environ.get("MINIME_STRIPE_JS_URL") or "https://js.stripe.com/v3/"

# --- Security -----------------------------------------------------------------------------------
# DJANGO_HTTPS=1: the site is served over TLS, usually by a reverse proxy that sets
# X-Forwarded-Proto (and drops a client's own): HSTS for a year, plain HTTP redirected, cookies
# only over HTTPS. Then `manage.py check --deploy` reports nothing (tests/test_security_settings).
served_over_https = env_bool("DJANGO_HTTPS", False)
SECURE_SSL_REDIRECT = served_over_https
SECURE_HSTS_SECONDS = 31_536_000 if served_over_https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = served_over_https
# Preloading asks browsers to hard-code HTTPS for the whole domain, which is slow to undo: an
# operator opts in (DJANGO_HSTS_PRELOAD=1); until then its reminder (W021) is not a finding.
SECURE_HSTS_PRELOAD = served_over_https and env_bool("DJANGO_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if served_over_https else None
# Sessions are read from the cache (the database cache, or Redis with REDIS_URL) and written
# to both: a signed-in page reads its session with one key lookup, not an ORM query; a cache
# that lost it falls back to the database. core.sessions is Django's cached_db that reads the
# catalog version (shop.catalog) in the same cache round trip.
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_HTTPONLY = True
# DJANGO_SECURE_COOKIES=1 alone: secure cookies without the rest (TLS handled elsewhere).
SESSION_COOKIE_SECURE = served_over_https or env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No inline scripts or styles anywhere (static files only; data through data-* attributes and
# json_script). The pay page adds Stripe.js and its frames for itself (shop.csp.allow_stripe).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
