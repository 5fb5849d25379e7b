"""Reading settings: shipped defaults, then the user's TOML file, then command-line overrides.

An invalid file is refused as a whole with a message naming the file, the key, the value and what
is allowed: the app never starts half-configured.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.resources import resource_path
from app.runtime import paths
from app.runtime.settings import Settings

DEFAULTS_FILE = resource_path("default_settings.toml")


class SettingsError(ValueError):
    """Settings that cannot be used; the message is meant for the user."""


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: tables merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def validate(data: Mapping[str, Any], source: str) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: invalid settings"]
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"])
            if err["type"] == "extra_forbidden":
                lines.append(f"  {key}: unknown key")
            else:
                message = err["msg"].removeprefix("Value error, ")  # pydantic's, for ours
                lines.append(f"  {key} = {err.get('input')!r}: {message}")
        raise SettingsError("\n".join(lines)) from None


def load_settings(
    user_file: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Defaults, then ``user_file`` (the platform's settings.toml when None) if it exists."""
    data = read_toml(DEFAULTS_FILE)
    path = user_file if user_file is not None else paths.settings_file()
    source = str(path)
    if path.exists():
        data = merge(data, read_toml(path))
    elif user_file is not None:
        raise SettingsError(f"{path}: no such settings file")
    if overrides:
        data = merge(data, overrides)
        source += " (with command-line options)"
    return validate(data, source)
