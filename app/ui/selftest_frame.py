"""One offscreen frame of the main window for `arbdesk selftest`: the Qt half of its window step.

Kept in the UI layer so that the command line stays free of Qt (DESIGN.md layering); the CLI
judges the frame and reports.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import qasync
from PySide6.QtGui import QImage

from app.engine.api import Engine
from app.runtime.settings_loader import load_settings
from app.ui.app import Desk, application


@dataclass(frozen=True, slots=True)
class Frame:
    width: int
    height: int
    panels: int
    colours: int  # distinct colours on a 64 x 64 grid: a blank frame has one or two
    platform: str


def render_frame(path: Path, *, settle_s: float, timeout_s: float) -> Frame:
    """Start a desk on the simulated market, let it paint for ``settle_s``, save one frame to
    ``path`` and shut down; at most ``timeout_s`` in all."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # never a visible window, with or without a display
    qt_app = application()
    engine = Engine(load_settings(None, {"market": {"source": "sim", "speed": 1.0}}))

    async def render() -> tuple[QImage, int]:
        desk = Desk(engine)
        try:
            await desk.start(show=True)
            # The loop runs Qt's events meanwhile: a few of the bridge's flushes and paints.
            # (Never processEvents() here: under qasync it would re-enter the running loop.)
            await asyncio.sleep(settle_s)
            return desk.window.grab().toImage(), len(desk.window.docks)
        finally:
            await desk.shutdown()

    def loop_factory() -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop = qasync.QEventLoop(qt_app)
        return loop

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        image, panels = runner.run(asyncio.wait_for(render(), timeout_s))
    if not image.isNull():
        image.save(str(path))
    return Frame(image.width(), image.height(), panels, _colours(image), qt_app.platformName())


def _colours(image: QImage) -> int:
    if image.isNull():
        return 0
    xs = range(0, image.width(), max(1, image.width() // 64))
    ys = range(0, image.height(), max(1, image.height() // 64))
    return len({image.pixel(x, y) for x in xs for y in ys})
