"""The ``--settings`` option shared by the shell commands, and loading it with a plain message."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic: loaded when the settings are, not by every parser that names them
    from app.runtime.settings import Settings


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--settings", help="settings file instead of the platform's settings.toml")


def load(args: argparse.Namespace) -> Settings | None:
    """The settings, or None after printing why they cannot be used."""
    from app.runtime.settings_loader import SettingsError, load_settings

    try:
        return load_settings(Path(args.settings) if args.settings else None)
    except SettingsError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return None
