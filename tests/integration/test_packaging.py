"""The packaging recipes' inputs, checked without building: the icons are valid files of the
sizes the installers use, the scripts parse, the desktop entry has what menus need, and the
spec is Python that keeps what DESIGN.md's pitfalls say it must. The build itself, and the
frozen selftest, run in CI (``.ci/build_linux``)."""

from __future__ import annotations

import ast
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(("name", "size"), [("arbdesk.png", 256), ("arbdesk-512.png", 512)])
def test_png_icons_have_their_size(name: str, size: int) -> None:
    assert png_size((ICONS / name).read_bytes()) == (size, size)


def test_ico_holds_every_windows_size_and_each_entry_is_whole() -> None:
    data = (ICONS / "arbdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        w, h, _, _, planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        size = w or 256
        assert (w, planes, bits) == (h, 1, 32)
        assert offset + length <= len(data)
        entry = data[offset : offset + length]
        if entry.startswith(PNG_MAGIC):
            assert png_size(entry) == (size, size)
        else:  # a BITMAPINFOHEADER: twice the height (image and mask), 32 bits per pixel
            header_size, bw, bh, _, bpp = struct.unpack("<IiiHH", entry[:16])
            assert (header_size, bw, bh, bpp) == (40, size, 2 * size, 32)
        sizes.append(size)
    assert sorted(sizes) == [16, 24, 32, 48, 64, 128, 256]


def test_icns_entries_are_pngs_of_their_declared_size() -> None:
    data = (ICONS / "arbdesk.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    expected = {b"icp4": 16, b"icp5": 32, b"ic07": 128, b"ic08": 256, b"ic09": 512, b"ic10": 1024}
    found = {}
    pos = 8
    while pos < len(data):
        kind, length = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        found[kind] = png_size(data[pos + 8 : pos + length])[0]
        pos += length
    assert pos == len(data)
    assert {k: found.get(k) for k in expected} == expected


def test_desktop_entry_starts_arbdesk_with_its_icon() -> None:
    path = ROOT / "packaging" / "linux" / "arbdesk.desktop"
    lines = path.read_text().splitlines()
    assert lines[0] == "[Desktop Entry]"
    entry = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "arbdesk"
    assert entry["Icon"] == "arbdesk"
    assert entry["Terminal"] == "false"
    assert "Finance" in entry["Categories"].split(";")
    validate = shutil.which("desktop-file-validate")
    if validate:
        subprocess.run([validate, str(path)], check=True)


@pytest.mark.parametrize(
    "script", ["packaging/linux/build.sh", "packaging/macos/build_dmg.sh", ".ci/build_linux"]
)
def test_shell_scripts_parse(script: str) -> None:
    subprocess.run(["bash", "-n", str(ROOT / script)], check=True)


def test_spec_is_python_and_keeps_what_the_pitfalls_require() -> None:
    text = (ROOT / "build.spec").read_text()
    tree = ast.parse(text)
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    assert {"aiosqlite", "sqlalchemy.dialects.sqlite.aiosqlite", "uvloop"} <= strings
    assert {"PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets"} <= strings  # pyqtgraph needs them
    excluded = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "Qt3D" in node.value
    )
    assert "QtOpenGL " not in excluded and "QtOpenGLWidgets" not in excluded
    assert "app/store/migrations" in strings  # Alembic reads the scripts as files
