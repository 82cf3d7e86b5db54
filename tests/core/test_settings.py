"""Production settings are secure: `manage.py check --deploy` is clean."""

import os
import subprocess
import sys


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ecosys.config.settings.production",
        "ECOSYS_SECRET_KEY": "k3J#9xQ!pL2@vR7&wZ5^mN8*bT4(yH6)cF1-dG0+sA=eU_iO~oP" * 2,
        "ECOSYS_ALLOWED_HOSTS": "ecosys.example.com",
        "ECOSYS_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ecosys.config.settings.production",
        "ECOSYS_SECRET_KEY": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ECOSYS_SECRET_KEY" in result.stderr


def test_collectstatic_succeeds_with_the_manifest_storage(tmp_path):
    """`make run` collects static files with hashed names; a dangling reference would stop it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ecosys.config.settings.development",
        "ECOSYS_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "collectstatic", "--noinput"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/htmx-2.0.11.min.js" in manifest


def test_migrations_match_the_models():
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemigrations", "--check", "--dry-run"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ecosys.config.settings.test"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
