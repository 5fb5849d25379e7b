"""Can a window open here? Checked before Qt is loaded, because Qt cannot say it politely.

When Qt's platform plugin cannot start, Qt prints a line about plugins and aborts the process
(SIGABRT): nothing a trader can act on. The two causes seen on Linux are checked first and
explained: no display at all (a server, an SSH session), and the X11 plugin's one library that is
loaded at run time and so not a dependency any packager's tool can see: ``libxcb-cursor.so.0``
(needed since Qt 6.5). Windows and macOS always have what Qt needs.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Mapping

XCB_CURSOR = "libxcb-cursor.so.0"


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


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
    if not loads(XCB_CURSOR):
        return (
            f"the window needs the system library {XCB_CURSOR}, which is not installed. "
            "Install it (Debian, Ubuntu: sudo apt install libxcb-cursor0; Fedora: sudo dnf "
            "install xcb-util-cursor; Arch: sudo pacman -S xcb-util-cursor) and start again"
        )
    return None
