"""The window under a quote storm: the simulated market at 20,000 quotes/s for 30 s (offscreen).

Every panel is visible (the default layout at 1920 x 1080) and the spread chart follows a pair
live. Each run is its own process, so "start to first painted window" includes the imports of
Qt, pyqtgraph and the app, as a user would wait for them. Measured over the storm, after a short
warm-up:

- event-loop lag: how late a 50 ms asyncio sleep wakes (p50 / p99 / max), the window included;
- bridge flush: the table and snapshot flushes (p50 / p99 / max of wall time; and p99 of the
  thread's CPU time, which preemption by other processes leaves out), timed by wrapping the
  bridge's public flush calls (``FlushTimer``), and the chart flushes apart;
- memory growth: resident set size at the end minus after the warm-up;
- start to first paint: process start to the window's first paint event (an event filter the
  benchmark installs on the window before it is shown, ``FirstPaint``);
- CPU: the process's CPU time over the storm, in % of one core (all threads): the headroom left,
  and a figure that other load on the machine distorts less than the latencies;
- quote wait: how long a quote waits, from when the simulated feed has it due on the loop to
  when the engine publishes it (a subscriber of ``QuoteUpdated`` through the engine's public
  ``subscribe``), while the window paints: the wall clock minus the quote's market time, less
  the smallest such difference of the run (the feed's clock is the market's, paced at speed 1;
  the feed may hand a quote out up to 1 ms early, so this reads up to 1 ms high). Counted in a
  histogram of 0.1 ms bins, so a run of any length costs no memory;
- memory over time: resident set size every 10 s of the storm (``rss_mb_timeline``).

``--busy-core`` starts ``python -c "while True: pass"`` for each run's duration: the figures of
a machine with one core taken by something else. ``--duration 1800``: a trading half-hour.

The machine's 1-minute load average before and after the runs is recorded with the results.

JSON on stdout (medians over ``--runs``; each run's figures under ``runs``); ``--out`` writes it.

    QT_QPA_PLATFORM=offscreen python benchmarks/ui_load.py [--runs 3] [--duration 30]
        [--busy-core] [--out FILE]
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # before any heavy import: the user's wait starts here

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "lag_p99_ms": 25.0,
    "flush_p99_ms": 8.0,
    "memory_growth_mb": 50.0,
    "first_paint_s": 2.5,
    "quote_wait_p99_ms": 10.0,
    "cpu_percent": 60.0,
}
LONG_RUN_S = 600.0  # from this duration on, the memory target is the trading day's
LONG_MEMORY_MB = 60.0
INSTRUMENTS = 15  # 3 simulated venues x 5 instruments


class FlushTimer:
    """Times the bridge's flushes from outside: its public ``flush_*`` calls are wrapped on the
    instance (its frame clock calls them through ``self``), so the product carries no probe."""

    def __init__(self, bridge: Any) -> None:
        self.flush_ms: list[float] = []  # tables and snapshots: wall time
        self.flush_cpu_ms: list[float] = []  # the same on the thread's CPU clock
        self.chart_flush_ms: list[float] = []
        for name in ("flush_tables", "flush_snapshot"):
            setattr(bridge, name, self._timed(getattr(bridge, name), self.flush_ms, True))
        bridge.flush_charts = self._timed(bridge.flush_charts, self.chart_flush_ms, False)

    def _timed(self, flush: Callable[[], None], into: list[float], cpu: bool) -> Callable[[], None]:
        def timed() -> None:
            t0, c0 = time.perf_counter(), time.thread_time()
            flush()
            into.append((time.perf_counter() - t0) * 1000)
            if cpu:
                self.flush_cpu_ms.append((time.thread_time() - c0) * 1000)

        return timed

    def clear(self) -> None:
        self.flush_ms.clear()
        self.flush_cpu_ms.clear()
        self.chart_flush_ms.clear()


class QuoteWait:
    """Waits of published quotes (see the module's docstring) in 0.1 ms bins."""

    BIN_NS = 100_000
    BINS = 100_000  # up to 10 s; later ones count in the last bin
    BELOW = 2_000  # bins for quotes earlier than the first one seen (up to 200 ms)

    def __init__(self) -> None:
        self.counts = [0] * self.BINS
        self._ref: int | None = None

    def on_quote(self, event: Any) -> None:
        diff = time.monotonic_ns() - event.quote.received_ns
        if self._ref is None:
            self._ref = diff
        i = (diff - self._ref) // self.BIN_NS + self.BELOW
        self.counts[0 if i < 0 else i if i < self.BINS else self.BINS - 1] += 1

    def clear(self) -> None:
        self.counts = [0] * self.BINS

    def percentiles(self, *qs: float) -> list[float]:
        """Waits in ms at the percentiles ``qs``, from the smallest difference seen."""
        total = sum(self.counts)
        if not total:
            return [0.0 for _ in qs]
        first = next(i for i, c in enumerate(self.counts) if c)
        out = []
        for q in qs:
            need, seen = max(1, round(q / 100 * total)), 0
            for i, c in enumerate(self.counts):
                seen += c
                if seen >= need:
                    out.append((i - first) * self.BIN_NS / 1e6)
                    break
        return out


def first_paint_probe(window: Any) -> Callable[[], float | None]:
    """Installs an event filter on ``window`` that notes its first paint event (perf_counter);
    returns a call that reads it (None until then)."""
    from PySide6.QtCore import QEvent, QObject

    class FirstPaint(QObject):
        at: float | None = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.at is None:
                self.at = time.perf_counter()
                watched.removeEventFilter(self)
            return False

    probe = FirstPaint(window)  # parented: lives as long as the window
    window.installEventFilter(probe)
    return lambda: probe.at


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def _storm(rate: float, duration: float, warmup: float) -> dict[str, Any]:
    from app.core.events import QuoteUpdated
    from app.engine.engine import Engine
    from app.runtime.settings import Settings
    from app.runtime.settings_loader import merge, validate
    from app.ui.app import Desk

    settings = validate(
        merge(
            Settings().model_dump(mode="json"),
            {"sim": {"quote_rate_hz": rate / INSTRUMENTS}, "market": {"speed": 1.0}},
        ),
        "benchmark",
    )
    desk = Desk(Engine(settings), freeze_gc=True)  # as ``arbdesk`` runs it
    first_paint = first_paint_probe(desk.window)  # before it is shown
    timer = FlushTimer(desk.bridge)
    waits = QuoteWait()
    desk.engine.subscribe(QuoteUpdated, waits.on_quote)
    await desk.start()
    while (painted := first_paint()) is None:  # noqa: ASYNC110 - set by a Qt event filter
        await asyncio.sleep(0.005)
    first_paint_s = painted - T0
    await asyncio.sleep(warmup)
    rss0 = rss_mb()
    quotes0 = desk.engine.market_data_stats().quotes_total
    timer.clear()
    waits.clear()
    lags: list[float] = []
    rss_timeline = [round(rss0, 1)]
    cpu0 = time.process_time()
    start = time.perf_counter()
    end = start + duration
    next_rss = start + 10.0
    while time.perf_counter() < end:
        t = time.perf_counter()
        await asyncio.sleep(0.05)
        lags.append((time.perf_counter() - t - 0.05) * 1000)
        if t >= next_rss:
            rss_timeline.append(round(rss_mb(), 1))
            next_rss += 10.0
    cpu_percent = (time.process_time() - cpu0) / duration * 100
    quotes = desk.engine.market_data_stats().quotes_total - quotes0
    rss1 = rss_mb()
    flush = list(timer.flush_ms)
    flush_cpu = list(timer.flush_cpu_ms)
    chart = list(timer.chart_flush_ms)
    series = desk.window.spread.series
    points, raw_points = len(series), series.raw_points
    wait_p50, wait_p99, wait_max = waits.percentiles(50, 99, 100)
    desk.window.close()
    await desk.run_until_closed()
    return {
        "quotes_per_s": round(quotes / duration),
        "lag_p50_ms": round(pct(lags, 50), 2),
        "lag_p99_ms": round(pct(lags, 99), 2),
        "lag_max_ms": round(max(lags, default=0.0), 2),
        "flush_p50_ms": round(pct(flush, 50), 3),
        "flush_p99_ms": round(pct(flush, 99), 3),
        "flush_max_ms": round(max(flush, default=0.0), 3),
        "flush_cpu_p99_ms": round(pct(flush_cpu, 99), 3),
        "chart_flush_p99_ms": round(pct(chart, 99), 3),
        "memory_growth_mb": round(rss1 - rss0, 1),
        "cpu_percent": round(cpu_percent, 1),
        "first_paint_s": round(first_paint_s, 3),
        "quote_wait_p50_ms": round(wait_p50, 2),
        "quote_wait_p99_ms": round(wait_p99, 2),
        "quote_wait_max_ms": round(wait_max, 2),
        "chart_points": points,
        "chart_raw_points": raw_points,
        "rss_mb_timeline": rss_timeline,
        "shutdown_s": round(desk.shutdown_s or 0.0, 3),
    }


def one_run(rate: float, duration: float, warmup: float) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    import qasync

    from app.ui.app import application

    app = application()
    with tempfile.TemporaryDirectory() as home:
        os.environ["ARBDESK_HOME"] = home
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            return runner.run(_storm(rate, duration, warmup))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=20_000.0, help="quotes per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of storm")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--busy-core",
        action="store_true",
        help='keep one core busy during each run (python -c "while True: pass")',
    )
    parser.add_argument("--out", help="also write the JSON here")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.rate, args.duration, args.warmup)))
        return 0
    runs = []
    load_before = os.getloadavg()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for _ in range(args.runs):
        busy = (
            subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy_core else None
        )
        try:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    "--rate",
                    str(args.rate),
                    "--duration",
                    str(args.duration),
                    "--warmup",
                    str(args.warmup),
                ],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    medians = {
        k: statistics.median(r[k] for r in runs)
        for k in runs[0]
        if not isinstance(runs[0][k], list)
    }
    memory_target = LONG_MEMORY_MB if args.duration >= LONG_RUN_S else TARGETS["memory_growth_mb"]
    result = {
        "benchmark": "ui_load",
        "rate_quotes_per_s": args.rate,
        "duration_s": args.duration,
        "busy_core": args.busy_core,
        "runs": runs,
        "median": medians,
        "targets": {**TARGETS, "memory_growth_mb": memory_target},
        "meets_targets": {
            "lag_p99_ms": medians["lag_p99_ms"] < TARGETS["lag_p99_ms"],
            "flush_p99_ms": medians["flush_p99_ms"] < TARGETS["flush_p99_ms"],
            "memory_growth_mb": medians["memory_growth_mb"] < memory_target,
            "first_paint_s": medians["first_paint_s"] < TARGETS["first_paint_s"],
            "quote_wait_p99_ms": medians["quote_wait_p99_ms"] < TARGETS["quote_wait_p99_ms"],
            "cpu_percent": medians["cpu_percent"] < TARGETS["cpu_percent"],
        },
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            # other work on the machine shows in the latencies: 1-minute load, before and after
            "load_average_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
            "uptime_load_after": [round(x, 2) for x in os.getloadavg()],
        },
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
