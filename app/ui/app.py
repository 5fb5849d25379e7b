"""Boots ``QApplication`` and the qasync loop, and shuts down in order (DESIGN.md, UI).

Start: window first (it paints while the engine opens its store and reconciles), then the engine,
then the bridge's timers. Close: stop accepting input, stop the bridge, ``Engine.stop()`` (bots,
feed, venues each bounded by a timeout, then the store), save the layout, and quit, all from a
coroutine, within ``SHUTDOWN_BUDGET_S`` even when a venue never answers. Per the pitfalls of the
stack: ``asyncio.Runner(loop_factory=...)`` and ``setQuitOnLastWindowClosed(False)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
import time
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication

from app.control.server import ControlServer
from app.engine.api import Engine
from app.runtime import paths
from app.runtime.settings import Settings
from app.ui import i18n, theme
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.live_confirm import ask_once_a_day
from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

SHUTDOWN_BUDGET_S = 4.5  # the window is gone and the process exits within 5 s


def application(language: str | None = None) -> QApplication:
    """The one ``QApplication``; with ``language`` (``[ui] language``), its translators are
    installed now, before any widget is created."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("ArbDesk")
    app.setOrganizationName("arbdesk")
    app.setQuitOnLastWindowClosed(False)
    if language is not None:
        i18n.install(app, language)
    return app


class Desk:
    """The engine, the bridge and the window, and their ordered lifecycle."""

    def __init__(
        self,
        engine: Engine,
        *,
        styled: bool = True,
        control: bool = False,
        freeze_gc: bool = False,
    ) -> None:
        self.app = application(engine.settings.ui.language)
        if styled:
            theme.apply(self.app)
        self.engine = engine
        self.controller = Controller(engine)
        self.bridge = Bridge(engine, self.controller)
        self.window = MainWindow(self.controller, self.bridge)
        self.control = ControlServer(engine) if control else None
        self._freeze_gc = freeze_gc
        self.closed = asyncio.Event()
        self.shutdown_s: float | None = None
        self._shutting_down = False
        self.window.close_requested.connect(self._close_requested)

    async def start(self, *, show: bool = True) -> None:
        if show:
            self.window.show()
            await asyncio.sleep(0)  # let it paint before the engine's start-up work
        self.bridge.start()
        await self.engine.start()
        if self.control is not None:
            try:
                await self.control.start()  # ``arbdesk panic`` from a shell reaches this window
            except Exception:
                log.exception("the control channel could not start")
        self.bridge.flush_tables()
        self.bridge.flush_snapshot()
        if self._freeze_gc:
            # Everything built so far (Qt, pyqtgraph, the engine) lives as long as the window:
            # moved out of the collector's sight, a full collection takes a few ms, not ~100.
            gc.collect()
            gc.freeze()
        self.window.equity.load_history()
        self.window.spread.load_history()
        self.window.bots.load()

    async def run_until_closed(self) -> None:
        await self.closed.wait()

    def _close_requested(self) -> None:
        if not self._shutting_down:
            self.controller.spawn(self.shutdown(), "shutdown")

    async def shutdown(self) -> None:
        """Ordered, bounded; safe to call twice."""
        if self._shutting_down:
            await self.closed.wait()
            return
        self._shutting_down = True
        t0 = time.perf_counter()
        self.window.stop_input()
        with contextlib.suppress(Exception):
            self.window.save_layout()
        self.bridge.stop()
        if self.control is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.control.close(), 1.0)
        budget = max(0.5, SHUTDOWN_BUDGET_S - (time.perf_counter() - t0))
        try:
            await asyncio.wait_for(self.engine.stop(), budget)
        except TimeoutError:
            log.error("engine did not stop within %.1f s; leaving anyway", SHUTDOWN_BUDGET_S)
        except Exception:
            log.exception("engine stop failed")
        self.window.allow_close()
        self.window.close()
        self.shutdown_s = time.perf_counter() - t0
        log.info("window closed %.2f s after the request", self.shutdown_s)
        self.closed.set()


async def _main(settings: Settings, replay_file: str | None, exit_after: float | None) -> int:
    if settings.mode == "live" and not ask_once_a_day(settings.live.accounts, paths.data_dir()):
        log.info("live trading not confirmed: the window closes")
        return 0
    engine = await Engine.create(settings, replay_file=replay_file)
    desk = Desk(engine, control=True, freeze_gc=True)
    await desk.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C in the terminal: the same orderly close
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(desk.window.close))
    if exit_after is not None:
        loop.call_later(exit_after, desk.window.close)
    await desk.run_until_closed()
    return 0


def run(
    settings: Settings, *, replay_file: str | None = None, exit_after: float | None = None
) -> int:
    """The GUI's entry point: returns the process exit code."""
    app = application(settings.ui.language)

    def factory() -> Any:
        return qasync.QEventLoop(app)

    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(_main(settings, replay_file, exit_after))
