"""Django settings, read from the environment.

The embedded default (no DATABASE_URL) is a SQLite file under FUSIONCENTER_DATA_DIR and may
generate its own SECRET_KEY there; any other deployment must set SECRET_KEY explicitly, so a
server can never start with a guessable or throw-away key.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("FUSIONCENTER_DATA_DIR", Path.cwd() / "var")).resolve()
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/files/"  # never served directly: attachments go through access-checked views


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
EMBEDDED = not DATABASE_URL
TESTING = _env_bool("FUSIONCENTER_TESTING") or "pytest" in sys.modules


def _sqlite_page_size() -> int:
    """FUSIONCENTER_SQLITE_PAGE_SIZE, checked: SQLite silently ignores a size it cannot use."""
    raw = os.environ.get("FUSIONCENTER_SQLITE_PAGE_SIZE", "8192").strip()
    size = int(raw) if raw.isdigit() else 0
    if size < 512 or size > 65536 or size & (size - 1):
        raise ImproperlyConfigured(
            f"FUSIONCENTER_SQLITE_PAGE_SIZE={raw!r}: a power of two from 512 to 65536 is required (default 8192)."
        )
    return size


if EMBEDDED:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # The page size of a database this creates: 8 KB, not SQLite's 4 KB. A bulk import inserts into
    # large indexes in random order, and at 301,015 rows the writer used 6–10% less CPU (90.5–90.9
    # s against 96.3–100.1 s; 16 KB no better, 1 and 2 KB 25–30% worse; docs/entities.md, Bulk
    # import). It must come before WAL is set, and applies only to a new file: an existing
    # database keeps the size it was made with.
    SQLITE_PAGE_SIZE = _sqlite_page_size()
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("FUSIONCENTER_SQLITE_PATH", str(DATA_DIR / "fusioncenter.sqlite3")),
            "OPTIONS": {
                # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
                # the start of a transaction so two writers never deadlock upgrading a read lock;
                # secure_delete overwrites freed pages so a purge leaves nothing in the file.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    f"PRAGMA page_size={SQLITE_PAGE_SIZE}; "
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": os.environ.get("FUSIONCENTER_SQLITE_TEST_PATH") or None},
        }
    }
# Imports resolve one chunk while a second process writes the one before (entities.pipeline).
IMPORT_PIPELINE = _env_bool("FUSIONCENTER_IMPORT_PIPELINE", True)
# The largest chunk an import writes in one transaction (entities.imports._chunk_size). Larger
# chunks import faster, but on SQLite every other writer waits while one is written: at a million
# rows, 3.6–3.9 s for 12,000 rows, 2.2 s for 6,000 (docs/entities.md, Bulk import).
IMPORT_LARGE_CHUNK = int(os.environ.get("FUSIONCENTER_IMPORT_LARGE_CHUNK", "12000"))
# The importer's SQLite page cache while it imports (entities.imports._large_page_cache), in MB.
SQLITE_IMPORT_CACHE_MB = int(os.environ.get("FUSIONCENTER_SQLITE_IMPORT_CACHE_MB", "512"))

if not EMBEDDED:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    # Parameters bound by the server and statements prepared after their second use: the same few
    # INSERTs run for every report, and a prepared one skips PostgreSQL's parse and plan and psycopg's
    # quoting of every value in Python (measured in docs/sar.md, Performance). The whole suite runs
    # with it on PostgreSQL in CI.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 2})

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if EMBEDDED or TESTING:
        key_file = DATA_DIR / "secret_key"
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(64))
            key_file.chmod(0o600)
        SECRET_KEY = key_file.read_text().strip()
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Outside the embedded SQLite default (DATABASE_URL is set), "
            "the platform refuses to start without an explicit SECRET_KEY; see docs/configuration.md."
        )

DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI from the installed package, not a CDN
    "django_tasks",
    "django_tasks_db",
    "fusioncenter.core",
    "fusioncenter.delivery",
    "fusioncenter.privacy",
    "fusioncenter.entities",
    "fusioncenter.sar",
    "fusioncenter.products",
    "fusioncenter.alerts",
    "fusioncenter.clearinghouse",
]
if TESTING:
    INSTALLED_APPS.append("tests.access_app")  # a record type used only by the access-rule tests

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fusioncenter.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "fusioncenter.core.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fusioncenter.urls"
WSGI_APPLICATION = "fusioncenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fusioncenter.core.context.platform",
            ],
        },
    }
]

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    # Django's list of 20,000 common passwords stands in for the CJIS compromised-password list.
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Argon2 at full cost makes a test suite of hundreds of sign-ins slow; production keeps it.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# CJIS Security Policy: 30 minutes idle ends a session, 12 hours ends it regardless.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
FUSIONCENTER_SESSION_IDLE_SECONDS = int(os.environ.get("FUSIONCENTER_SESSION_IDLE_SECONDS", 30 * 60))
FUSIONCENTER_SESSION_MAX_SECONDS = 12 * 60 * 60
FUSIONCENTER_LOCKOUT_ATTEMPTS = 5
FUSIONCENTER_LOCKOUT_WINDOW_SECONDS = 15 * 60
FUSIONCENTER_CFR23_TRAINING_VALID_DAYS = int(os.environ.get("FUSIONCENTER_CFR23_TRAINING_VALID_DAYS", 365))

# Behind TLS (a proxy that sets X-Forwarded-Proto), cookies are secure and HSTS is sent.
BEHIND_TLS = _env_bool("FUSIONCENTER_BEHIND_TLS")
if BEHIND_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = _env_bool("FUSIONCENTER_SSL_REDIRECT", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Chicago"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "FUSIONCENTER_TASK_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend" if TESTING else "django_tasks_db.DatabaseBackend",
        ),
    }
}

EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fusioncenter@localhost")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

FUSIONCENTER_NAME = os.environ.get("FUSIONCENTER_NAME", "Wisconsin Statewide Intelligence Center")
FUSIONCENTER_SHORT_NAME = os.environ.get("FUSIONCENTER_SHORT_NAME", "WSIC")
FUSIONCENTER_STATE = os.environ.get("FUSIONCENTER_STATE", "WI")
FUSIONCENTER_DEFAULT_CENTER = os.environ.get("FUSIONCENTER_DEFAULT_CENTER", "WSIC")
# Another state's reference data (centers, regions, counties, ZIP codes, boundaries): docs/reference-data.md
FUSIONCENTER_REFERENCE_DATA_DIR = os.environ.get("FUSIONCENTER_REFERENCE_DATA_DIR") or None
FUSIONCENTER_BASE_URL = os.environ.get("FUSIONCENTER_BASE_URL", "http://127.0.0.1:8000")
FUSIONCENTER_HANDLING_NOTICE = os.environ.get(
    "FUSIONCENTER_HANDLING_NOTICE",
    "This system holds law enforcement sensitive information and information about people. "
    "Handle it according to its markings; share it only with those who have a right and a need to know.",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "django.server": {"level": "WARNING"}},
}
