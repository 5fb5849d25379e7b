"""Can a window open here? Checked before Qt is loaded, because Qt cannot say it politely.

When Qt's platform plugin cannot start, Qt prints a line about plugins (naming libxcb-cursor
whatever is missing) and aborts the process: nothing a trader can act on. On Linux the two causes
seen are checked first and explained: no display at all (a server, an SSH session), and X11
libraries of Qt's xcb plugin that neither the wheel nor the bundle carries and a minimal system
lacks. Windows and macOS always have what Qt needs.

A library counts as missing only when neither the system's loader nor the bundle's own folder
(frozen app, PySide6's ``Qt/lib``) can load it, so a false alarm never keeps the window shut.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# The xcb plugin's libraries that minimal installs lack, with their Debian/Ubuntu packages.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def _bundle_dirs() -> list[Path]:
    dirs: list[Path] = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        dirs.append(Path(frozen))
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "Qt" / "lib")
    return dirs


def _loads(name: str) -> bool:
    for candidate in [name, *(str(d / name) for d in _bundle_dirs())]:
        try:
            ctypes.CDLL(candidate)
        except OSError:
            continue
        return True
    return False


def display_problem(
    env: Mapping[str, str],
    platform: str = sys.platform,
    loads: Callable[[str], bool] = _loads,
) -> str | None:
    """What stops the window from opening, as advice; None when nothing is known to."""
    if not platform.startswith("linux"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen and not chosen.startswith("xcb"):
        return None  # offscreen, wayland, eglfs…: the user chose, Qt reports for itself
    if not chosen and env.get("WAYLAND_DISPLAY"):
        return None  # Qt may take Wayland; it falls back to X11 itself
    if not env.get("DISPLAY"):
        return (
            "there is no display to open the window on (DISPLAY is not set). On a server or over "
            "SSH, run the engine without a window: arbdesk headless"
        )
    missing = [package for name, package in XCB_LIBRARIES.items() if not loads(name)]
    if missing:
        return (
            f"Qt's X11 support needs system libraries that are not installed: "
            f"{', '.join(missing)}. Install them (Debian, Ubuntu: sudo apt install "
            f"{' '.join(missing)}; Fedora and Arch name them xcb-util-*) and start again"
        )
    return None
