"""Wall-clock behaviour the tests check only through fake clocks and loop turns, timed for real.

- ``sim_quotes_per_s``: the simulated market at 15 instruments x 1,334 Hz (the 20,000 quotes/s of
  ``ui_load.py``) for 5 s of market time, as fast as it can go: quotes made per second of wall
  time. It must outrun the storm it feeds.
- ``replay_speed10_s``: the first second of the bundled Binance recording replayed at speed 10
  with the real pacer: the wall time it takes (0.1 s is exact).
- ``replay_close_ms``: a real-time replay closed while it waits for its next quote: from
  ``close()`` until ``run()`` has returned.
- ``pacer_stop_ms``: a pacer sleeping through an hour of market time: from ``stop()`` until
  ``emit`` has returned.
- ``shutdown_hanging_s``: the window (offscreen) closed while no venue ever answers its
  ``close``: from the close request until the window is gone (the engine gives each venue
  ``VENUE_CLOSE_TIMEOUT_S``). Skipped with ``--no-ui``.

JSON on stdout (medians over ``--runs``, each run's figures under ``runs``); ``--out`` writes it.

    QT_QPA_PLATFORM=offscreen python benchmarks/timing.py [--runs 3] [--no-ui] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.clock import ManualClock  # noqa: E402
from app.core.events import VenueState  # noqa: E402
from app.core.quotes import Quote  # noqa: E402
from app.venues.pacing import Pacer  # noqa: E402
from app.venues.replay import ReplayMarket  # noqa: E402
from app.venues.sim import SimulatedMarket  # noqa: E402

S = 1_000_000_000
SIM_MIN_PER_S = 20_000.0
SPEED10_RANGE_S = (0.08, 0.2)
CLOSE_MAX_MS = 500.0
STOP_MAX_MS = 500.0
SHUTDOWN_MAX_S = 5.0
TARGETS = {
    "sim_quotes_per_s": f"> {SIM_MIN_PER_S:,.0f}",
    "replay_speed10_s": f"{SPEED10_RANGE_S[0]}-{SPEED10_RANGE_S[1]}",
    "replay_close_ms": f"< {CLOSE_MAX_MS:g}",
    "pacer_stop_ms": f"< {STOP_MAX_MS:g}",
    "shutdown_hanging_s": f"< {SHUTDOWN_MAX_S:g}",
}


def _sink(quote: Quote) -> None:
    pass


def _status(venue: str, state: VenueState, detail: str) -> None:
    pass


class _Count:
    def __init__(self) -> None:
        self.n = 0

    def sink(self, quote: Quote) -> None:
        self.n += 1


async def sim_quotes_per_s() -> float:
    market = SimulatedMarket(1, speed=None, duration_s=5, quote_rate_hz=1_334.0)
    count = _Count()
    t0 = time.perf_counter()
    await market.run(count.sink, _status)
    return count.n / (time.perf_counter() - t0)


async def replay_speed10_s(full: ReplayMarket) -> float:
    t0_ns = full.quotes[0].received_ns
    one_second = [q for q in full.quotes if q.received_ns < t0_ns + S]
    market = ReplayMarket.from_quotes(one_second, full.instruments(), speed=10.0)
    t0 = time.perf_counter()
    await market.run(_sink, _status)
    return time.perf_counter() - t0


async def replay_close_ms(full: ReplayMarket) -> float:
    market = ReplayMarket.from_quotes(full.quotes, full.instruments(), speed=1.0)
    task = asyncio.create_task(market.run(_sink, _status))
    await asyncio.sleep(0.3)
    t0 = time.perf_counter()
    await market.close()
    await task
    return (time.perf_counter() - t0) * 1000


async def pacer_stop_ms() -> float:
    pacer = Pacer(1.0)
    quotes = [Quote("v", "BTC/USDT", 1.0, 1.0, 2.0, 1.0, t) for t in (0, 3600 * S)]
    task = asyncio.create_task(pacer.emit(quotes, _sink, ManualClock()))
    await asyncio.sleep(0.05)
    t0 = time.perf_counter()
    pacer.stop()
    assert await task is False
    return (time.perf_counter() - t0) * 1000


class HangingClose:
    """A venue whose ``close`` never returns; everything else is the wrapped venue's."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def close(self) -> None:
        await asyncio.Event().wait()


async def _shutdown(home: str) -> float:
    from app.engine.engine import Engine
    from app.engine.wiring import Market, build_market
    from app.runtime.settings import Settings
    from app.ui.app import Desk

    settings = Settings()
    built = build_market(settings, Path(home) / "data")
    venues: dict[str, Any] = {name: HangingClose(v) for name, v in built.venues.items()}
    market = Market(feed=built.feed, venues=venues, paper_store=built.paper_store)
    desk = Desk(Engine(settings, market=market))
    await desk.start()
    while not desk.engine.running:  # noqa: ASYNC110 - the engine's start runs in the loop
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.5)
    t0 = time.perf_counter()
    desk.window.close()
    await desk.run_until_closed()
    return time.perf_counter() - t0


def shutdown_hanging_s() -> float:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync

    from app.ui.app import application

    app = application()
    with tempfile.TemporaryDirectory() as home:
        os.environ["ARBDESK_HOME"] = home
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            return runner.run(_shutdown(home))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-ui", action="store_true", help="skip the window's shutdown")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    full = ReplayMarket(speed=None)
    runs: list[dict[str, float]] = []
    for _ in range(args.runs):
        run = {
            "sim_quotes_per_s": round(asyncio.run(sim_quotes_per_s())),
            "replay_speed10_s": round(asyncio.run(replay_speed10_s(full)), 4),
            "replay_close_ms": round(asyncio.run(replay_close_ms(full)), 2),
            "pacer_stop_ms": round(asyncio.run(pacer_stop_ms()), 2),
        }
        runs.append(run)
    if not args.no_ui:
        for run in runs:  # after the rest: Qt's loop is set up once per process
            run["shutdown_hanging_s"] = round(shutdown_hanging_s(), 3)
    medians = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    low, high = SPEED10_RANGE_S
    meets = {
        "sim_quotes_per_s": medians["sim_quotes_per_s"] > SIM_MIN_PER_S,
        "replay_speed10_s": low <= medians["replay_speed10_s"] <= high,
        "replay_close_ms": medians["replay_close_ms"] < CLOSE_MAX_MS,
        "pacer_stop_ms": medians["pacer_stop_ms"] < STOP_MAX_MS,
    }
    if "shutdown_hanging_s" in medians:
        meets["shutdown_hanging_s"] = medians["shutdown_hanging_s"] < SHUTDOWN_MAX_S
    result = {
        "benchmark": "timing",
        "runs": runs,
        "median": medians,
        "targets": TARGETS,
        "meets_targets": meets,
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
