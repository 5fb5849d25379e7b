"""Saving one choice made in the window into the user's settings file, leaving the rest of the
file (comments included) as the user wrote it."""

from __future__ import annotations

import re
from pathlib import Path

from app.runtime import paths

_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*(#.*)?$")


def set_value(section: str, key: str, value: str, path: Path | None = None) -> Path:
    """Set ``[section] key = "value"`` in ``path`` (the platform's settings.toml when None),
    replacing the key's line if there is one, else adding it (and the section)."""
    target = path if path is not None else paths.settings_file()
    lines = target.read_text(encoding="utf-8").splitlines() if target.exists() else []
    entry = f'{key} = "{value}"'
    current: str | None = None
    section_end: int | None = None
    for i, line in enumerate(lines):
        match = _SECTION.match(line)
        if match:
            if current == section and section_end is None:
                section_end = i
            current = match.group(1).strip()
            continue
        if current == section and re.match(rf"^\s*{re.escape(key)}\s*=", line):
            lines[i] = entry
            break
    else:
        if current == section and section_end is None:
            section_end = len(lines)
        if section_end is not None:
            while section_end > 0 and not lines[section_end - 1].strip():
                section_end -= 1
            lines.insert(section_end, entry)
        else:
            if lines and lines[-1].strip():
                lines.append("")
            lines += [f"[{section}]", entry]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
