"""Test settings: tasks run immediately, fast hashing, in-memory email."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-use-0123456789abcdef"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Tests serve static files from the apps (finders); nothing is collected into STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Each test process keeps its channel store apart (the demo's is copied per performance test).
ECOSYS_ANALYTICS_DIR = Path(tempfile.mkdtemp(prefix="ecosys-test-analytics-"))
# Exit bundles of the tests go to a temporary folder, never into the data directory.
ECOSYS_BUNDLE_DIR = Path(tempfile.mkdtemp(prefix="ecosys-test-bundles-"))
