"""Draw ArbDesk's application icon and write it in every format the installers need.

Run from the repository root (no display needed)::

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py

It writes, into ``resources/icons/``:

- ``arbdesk.png`` (256 x 256) and ``arbdesk-512.png``: the window icon and the Linux hicolor icons;
- ``arbdesk.ico``: Windows (16 to 256 px; 32-bit bitmaps below 256 px, PNG at 256 px);
- ``arbdesk.icns``: macOS (16 px to 1024 px, PNG entries).

The drawing is vector (QPainter), rendered separately at each size so small sizes stay sharp.
The output is deterministic: running the script again gives the same bytes.

The picture: two price lines of the same asset on two venues, the band between them (the spread)
shaded, and a marker across the band where it is widest: the arbitrage.
"""

from __future__ import annotations

import itertools
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "icons"
UNIT = 1024.0  # the drawing's own coordinate space

UPPER = [(170, 560), (290, 492), (400, 528), (520, 430), (640, 452), (760, 318), (860, 290)]
LOWER = [(170, 600), (290, 578), (400, 622), (520, 598), (640, 648), (760, 690), (860, 672)]
MARKER_X = 760
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# OSType -> pixel size; the @2x types carry the same picture at twice the pixels.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def _path(points: list[tuple[int, int]]) -> QPainterPath:
    path = QPainterPath(QPointF(*points[0]))
    for x, y in points[1:]:
        path.lineTo(QPointF(x, y))
    return path


def _y_at(points: list[tuple[int, int]], x: float) -> float:
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    raise ValueError(f"x={x} is outside the line")


def render(size: int) -> QImage:
    """The icon at ``size`` x ``size`` pixels, transparent outside the rounded square."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / UNIT, size / UNIT)
    small = size < 48

    # The tile: a rounded square with a dark vertical gradient and a thin light rim.
    tile = QRectF(64, 64, 896, 896)
    background = QLinearGradient(0, 64, 0, 960)
    background.setColorAt(0.0, QColor("#22314a"))
    background.setColorAt(1.0, QColor("#0b111b"))
    painter.setPen(QPen(QColor(255, 255, 255, 40), 8))
    painter.setBrush(QBrush(background))
    painter.drawRoundedRect(tile, 200, 200)

    if not small:  # a faint chart grid; at small sizes it is only noise
        painter.setPen(QPen(QColor(255, 255, 255, 22), 6))
        for y in (320, 512, 704):
            painter.drawLine(QPointF(150, y), QPointF(874, y))

    # The spread: the band between the two venues' prices.
    band = _path(UPPER)
    for x, y in reversed(LOWER):
        band.lineTo(QPointF(x, y))
    band.closeSubpath()
    fill = QLinearGradient(170, 0, 860, 0)
    fill.setColorAt(0.0, QColor(45, 212, 191, 30))
    fill.setColorAt(1.0, QColor(45, 212, 191, 110))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(fill))
    painter.drawPath(band)

    width = 56 if small else 40
    cap = Qt.PenCapStyle.RoundCap
    join = Qt.PenJoinStyle.RoundJoin
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor("#2dd4bf"), width, Qt.PenStyle.SolidLine, cap, join))
    painter.drawPath(_path(UPPER))
    painter.setPen(QPen(QColor("#f59e0b"), width, Qt.PenStyle.SolidLine, cap, join))
    painter.drawPath(_path(LOWER))

    # The marker across the band, with arrowheads: the edge being taken.
    top = _y_at(UPPER, MARKER_X) + 48
    bottom = _y_at(LOWER, MARKER_X) - 48
    white = QColor("#f8fafc")
    painter.setPen(QPen(white, 40 if small else 28, Qt.PenStyle.SolidLine, cap, join))
    painter.drawLine(QPointF(MARKER_X, top + 40), QPointF(MARKER_X, bottom - 40))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(white)
    head = 58 if small else 46
    for tip, direction in ((top, 1), (bottom, -1)):
        arrow = QPainterPath(QPointF(MARKER_X, tip))
        arrow.lineTo(QPointF(MARKER_X - head, tip + direction * head * 1.3))
        arrow.lineTo(QPointF(MARKER_X + head, tip + direction * head * 1.3))
        arrow.closeSubpath()
        painter.drawPath(arrow)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buffer.close()
    return bytes(data.data())


def _dib(image: QImage) -> bytes:
    """A 32-bit BGRA device-independent bitmap as an .ico entry wants it (bottom-up, with an
    all-zero AND mask: the alpha channel decides transparency)."""
    w, h = image.width(), image.height()
    header = struct.pack("<IiiHHIIiiII", 40, w, h * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    stride = image.bytesPerLine()
    raw = bytes(image.constBits())  # ARGB32 is B, G, R, A in memory on little-endian machines
    rows = [raw[y * stride : y * stride + w * 4] for y in range(h)]
    if sys.byteorder != "little":
        rows = [_swap_words(row) for row in rows]
    mask_row = b"\0" * (((w + 31) // 32) * 4)
    return header + b"".join(reversed(rows)) + mask_row * h


def _swap_words(row: bytes) -> bytes:
    return b"".join(row[i : i + 4][::-1] for i in range(0, len(row), 4))


def ico_bytes(images: dict[int, QImage]) -> bytes:
    entries = [(size, png_bytes(img) if size >= 256 else _dib(img)) for size, img in images.items()]
    out = struct.pack("<HHH", 0, 1, len(entries))
    offset = 6 + 16 * len(entries)
    payload = b""
    for size, data in entries:
        dim = 0 if size >= 256 else size  # 0 means 256 in an icon directory
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(payload))
        payload += data
    return out + payload


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(
        ostype + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for ostype, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    sizes = sorted({*ICO_SIZES, *(size for _, size in ICNS_TYPES), 512})
    images = {size: render(size) for size in sizes}
    pngs = {size: png_bytes(images[size]) for size in sizes}
    OUT.mkdir(parents=True, exist_ok=True)
    files = {
        "arbdesk.png": pngs[256],
        "arbdesk-512.png": pngs[512],
        "arbdesk.ico": ico_bytes({size: images[size] for size in ICO_SIZES}),
        "arbdesk.icns": icns_bytes(pngs),
    }
    for name, data in files.items():
        (OUT / name).write_bytes(data)
        print(f"{OUT / name}: {len(data):,} bytes")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
