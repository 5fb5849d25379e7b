"""Where ArbDesk keeps data, settings and logs on this platform.

``ARBDESK_HOME`` puts all three under one folder: a portable install, and isolated test runs.
"""

from __future__ import annotations

import os
import sys
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


def runtime_dir() -> Path:
    """Where the running app leaves its control endpoint (``control.json``): per user, private.

    Without ``XDG_RUNTIME_DIR`` on Linux/BSD, platformdirs falls back to a folder under the shared
    ``/tmp``, which another user could create first; the data folder is used instead.
    """
    home = _home()
    if home:
        return home / "run"
    unix = os.name == "posix" and sys.platform != "darwin"
    if unix and not os.environ.get("XDG_RUNTIME_DIR"):
        return data_dir() / "run"
    return Path(platformdirs.user_runtime_dir(APP_NAME, appauthor=False))


def settings_file() -> Path:
    return config_dir() / "settings.toml"
