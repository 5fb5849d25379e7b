"""Where ArbDesk keeps data, settings and logs on this platform.

``ARBDESK_HOME`` puts all three under one folder: a portable install, and isolated test runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "arbdesk"


def _home() -> Path | None:
    home = os.environ.get("ARBDESK_HOME")
    return Path(home).expanduser() if home else None


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    home = _home()
    if home:
        return home / "config"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    home = _home()
    return home / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def settings_file() -> Path:
    return config_dir() / "settings.toml"
