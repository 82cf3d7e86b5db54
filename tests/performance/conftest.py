import shutil

import pytest


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path):
    """A private copy of the demo's channel store: tests may load and withdraw freely."""
    private = tmp_path / "analytics"
    shutil.copytree(settings.ECOSYS_ANALYTICS_DIR, private, dirs_exist_ok=True)
    settings.ECOSYS_ANALYTICS_DIR = private
    return private
