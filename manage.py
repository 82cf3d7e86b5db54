#!/usr/bin/env python
"""Django's manage.py, for developers used to it; operators use the `ecosys` command."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecosys.config.settings.development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
