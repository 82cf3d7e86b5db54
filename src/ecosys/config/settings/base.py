"""Settings shared by every environment; each value that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url

from ecosys.core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parents[4]
DATA_DIR = Path(os.environ.get("ECOSYS_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable (1/true/yes/on)."""
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("ECOSYS_SECRET_KEY", "")
DEBUG = env_bool("ECOSYS_DEBUG", False)
ALLOWED_HOSTS = env_list("ECOSYS_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("ECOSYS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "ninja",
    "ecosys.core",
    "ecosys.ecosystem",
    "ecosys.partners",
    "ecosys.questionnaires",
    "ecosys.readiness",
    "ecosys.performance",
    "ecosys.selling",
    "ecosys.portability",
    "ecosys.engagements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "ecosys.core.middleware.WorkspaceScopeMiddleware",
]

ROOT_URLCONF = "ecosys.config.urls"
WSGI_APPLICATION = "ecosys.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ecosys.core.context_processors.workspace",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{DATA_DIR / 'ecosys.sqlite3'}",
        conn_max_age=int(os.environ.get("ECOSYS_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the worker write while the web process reads; the timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures per account and address lock it for fifteen minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("ECOSYS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [Path(__file__).resolve().parents[2] / "static"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_BACKEND = os.environ.get(
    "ECOSYS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("ECOSYS_FROM_EMAIL", "ecosys@localhost")
EMAIL_HOST = os.environ.get("ECOSYS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("ECOSYS_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("ECOSYS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("ECOSYS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ECOSYS_EMAIL_USE_TLS", False)
# Links in e-mails point here (no request is at hand when a worker sends them).
ECOSYS_BASE_URL = os.environ.get("ECOSYS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ECOSYS_IMPORT_MAX_ROWS = int(os.environ.get("ECOSYS_IMPORT_MAX_ROWS", "200000"))
# Channel data: the Parquet store and uploads in transit (uploads above FILE_UPLOAD_MAX_MEMORY_SIZE
# stream to temporary files, so a 10-million-row file never sits in memory).
ECOSYS_ANALYTICS_DIR = Path(os.environ.get("ECOSYS_ANALYTICS_DIR", DATA_DIR / "analytics"))
ECOSYS_CHANNEL_MAX_BYTES = int(os.environ.get("ECOSYS_CHANNEL_MAX_BYTES", str(4 * 1024**3)))
# duckdb (default) or pyspark: where the analytics pipelines run.
ECOSYS_ANALYTICS_BACKEND = os.environ.get("ECOSYS_ANALYTICS_BACKEND", "duckdb")
# Exit bundles (exports and uploaded imports) and how long their downloads stay offered.
ECOSYS_BUNDLE_DIR = Path(os.environ.get("ECOSYS_BUNDLE_DIR", DATA_DIR / "bundles"))
ECOSYS_BUNDLE_TTL_HOURS = int(os.environ.get("ECOSYS_BUNDLE_TTL_HOURS", "48"))

LOGGING = logging_config(
    level=os.environ.get("ECOSYS_LOG_LEVEL", "INFO"),
    fmt=os.environ.get("ECOSYS_LOG_FORMAT", "json"),
)
