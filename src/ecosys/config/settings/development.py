"""Local development and `make run`: debug on unless ECOSYS_DEBUG=0, a fixed dev secret."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("ECOSYS_DEBUG", True)
SECRET_KEY = os.environ.get("ECOSYS_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
LOGGING["formatters"]["default"] = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}  # noqa: F405
