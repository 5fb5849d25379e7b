"""The window's pre-flight check: a missing display or X11 library is explained, not aborted on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.display_check import XCB_LIBRARIES, display_problem


def loads_all(name: str) -> bool:
    return True


def loads_none(name: str) -> bool:
    return False


def test_x11_without_some_libraries_names_exactly_their_packages() -> None:
    absent = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    problem = display_problem({"DISPLAY": ":0"}, "linux", lambda name: name not in absent)
    assert problem is not None
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1;" in problem
    assert "libxcb-cursor0" not in problem


def test_x11_with_its_libraries_is_fine() -> None:
    asked: list[str] = []
    assert display_problem({"DISPLAY": ":0"}, "linux", lambda n: asked.append(n) or True) is None
    assert asked == list(XCB_LIBRARIES)


def test_this_machines_loader_is_asked_for_real() -> None:
    """The default loader: libc always loads, a made-up library never does."""
    from app.cli.display_check import _loads

    assert _loads("libc.so.6")
    assert not _loads("libarbdesk-does-not-exist.so.9")


def test_no_display_suggests_headless() -> None:
    problem = display_problem({}, "linux", loads_all)
    assert problem is not None and "arbdesk headless" in problem


@pytest.mark.parametrize(
    ("env", "platform"),
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),
        ({}, "win32"),
        ({}, "darwin"),
    ],
)
def test_other_platforms_are_left_to_qt(env: dict[str, str], platform: str) -> None:
    assert display_problem(env, platform, loads_none) is None


def test_forced_xcb_is_checked_like_the_default() -> None:
    env = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":1"}
    assert display_problem(env, "linux", loads_none) is not None


def test_arbdesk_without_a_display_says_so_and_exits_1(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "ARBDESK_HOME": str(tmp_path), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli.main"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 1, proc.stderr
    assert "no display" in proc.stderr and "arbdesk headless" in proc.stderr
    assert "Aborted" not in proc.stderr and "Traceback" not in proc.stderr
