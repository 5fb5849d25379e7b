"""``arbdesk replay`` throughput with bots attached, and the bot manager's quote handling latency.

The full real Binance BBO recording (loaded into memory once) replays at ``--speed max`` through
the same path as ``arbdesk replay`` (``app.cli.replay.run``: paper venues, market data, scanners,
risk, OMS, the bots of ``resources/examples/bots.toml``: a spread DCA, a cash-and-carry and a
cross-exchange bot), each run in its own throwaway data folder.

Two passes per run: one with nothing added (throughput: quotes / wall seconds from the bots'
start to the end of the order path; also quotes / CPU seconds of the loop's thread from the
engine's start to its stop, which the other processes of a shared machine inflate less), one
with two probes on the bus around the bot manager's quote handler (latency). The bus calls
handlers synchronously in subscription order, and events published by a handler are dispatched
after it returns, so a probe subscribed before the engine starts (before the manager
subscribes) and one subscribed right after the start bracket exactly the manager's handling of
each quote: routing by instrument, and for a quote of an instrument a bot watches, the bot's
decision (``on_quote``) and, when it decides, the step handed to a task. The product carries no
timing code. Figures: per routed quote (a bot watches its instrument) and per other quote (the
routing lookup alone), with the probes' own cost (~0.1 us) included.

The automatic halt for a venue down is pushed past the recording's end (its USD-M quotes stop
~346 s in, which would halt trading and stop every bot at ~376 s of 651), so the bots stay
attached to the last quote.

    python benchmarks/replay.py [--file PATH] [--bots CONFIG] [--runs 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.cli.replay import RunFigures, run  # noqa: E402
from app.core.events import QuoteUpdated  # noqa: E402
from app.core.instruments import Instrument, InstrumentId  # noqa: E402
from app.core.quotes import Quote  # noqa: E402
from app.engine.api import Engine  # noqa: E402
from app.engine.bots.config import BotSpec, load_bots_file  # noqa: E402
from app.engine.bots.registry import bot_class  # noqa: E402
from app.engine.wiring import paper_market  # noqa: E402
from app.runtime.settings_loader import load_settings  # noqa: E402
from app.store.engine import sqlite_url  # noqa: E402
from app.store.store import Store  # noqa: E402
from app.venues.replay import ReplayMarket  # noqa: E402

FULL_FILE = ROOT.parent / "shared" / "data" / "binance-btc-eth-spot-perp-2024-08-08-bbo.csv.gz"
EXAMPLE = ROOT / "resources" / "examples" / "bots.toml"
TARGET_UPDATES_PER_S = 100_000
TARGET_P99_US = 20.0
#: Venue-down halt for the benchmark: longer than the recording (see ``build_engine``).
HALT_AFTER_S = 3_600.0


class Probes:
    """Two bus handlers around the bot manager's: the time between them, per quote."""

    def __init__(self, watched: set[tuple[str, str]]) -> None:
        self._watched = watched
        self._t0 = 0
        self.routed: list[int] = []
        self.other: list[int] = []

    def before(self, event: QuoteUpdated) -> None:
        self._t0 = time.perf_counter_ns()

    def after(self, event: QuoteUpdated) -> None:
        dt = time.perf_counter_ns() - self._t0
        quote = event.quote
        if (quote.venue, quote.symbol) in self._watched:
            self.routed.append(dt)
        else:
            self.other.append(dt)


def build_engine(
    quotes: list[Quote], instruments: list[Instrument], data: Path, file: Path
) -> Engine:
    overrides = {
        "market": {"source": "replay", "speed": "max"},
        # the USD-M quotes stop ~346 s into the recording; the default halt (venue down 30 s
        # with exposure open) would stop the bots ~376 s in: keep them attached to the end
        "risk": {"halts": {"venue_down_halt_s": HALT_AFTER_S}},
    }
    settings = load_settings(None, overrides)
    replay = ReplayMarket.from_quotes(quotes, instruments, speed=None)
    market = paper_market(replay, settings, data / "paper.sqlite")
    store = Store(sqlite_url(data / "arbdesk.sqlite"))
    return Engine(settings, market=market, store=store, replay_file=str(file))


def one_run(
    quotes: list[Quote],
    instruments: list[Instrument],
    specs: list[BotSpec],
    file: Path,
    probes: Probes | None,
) -> tuple[RunFigures, float]:
    """One replay; returns its figures and the CPU seconds of the loop's thread from the
    engine's start to the end of the run (feed, bots, stop), which other processes on the
    machine do not inflate as they do wall time."""
    cpu0: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as tmp:
        engine = build_engine(quotes, instruments, Path(tmp), file)
        if probes is not None:
            engine.subscribe(QuoteUpdated, probes.before)  # before the manager's (at start)

        def hook(e: Engine) -> None:
            cpu0.append(time.thread_time())
            if probes is not None:
                e.subscribe(QuoteUpdated, probes.after)  # right after the manager's

        gc.collect()
        figures = asyncio.run(run(engine, specs, on_started=hook))
        return figures, time.thread_time() - cpu0[0]


def watched_by(specs: list[BotSpec], instruments: list[Instrument]) -> set[tuple[str, str]]:
    """The instruments the bots watch (their quotes are routed to a bot)."""
    by_id: dict[InstrumentId, Instrument] = {i.id: i for i in instruments}
    out: set[tuple[str, str]] = set()
    for spec in specs:
        cls = bot_class(spec.kind)
        bot = cls(spec.id, cls.params_model.model_validate(dict(spec.params)), by_id)
        out |= {(i.venue, i.symbol) for i in bot.watched()}
    return out


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))])


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "app"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip() + (" (app/ modified)" if dirty.stdout.strip() else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=FULL_FILE)
    parser.add_argument("--bots", type=Path, default=EXAMPLE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as home:
        os.environ["ARBDESK_HOME"] = home  # defaults only: no user settings, no user data
        t0 = time.perf_counter()
        source = ReplayMarket(args.file, speed=None)
        quotes = list(source.quotes)  # a replay streams its file; this one is preloaded
        load_s = time.perf_counter() - t0
        instruments = list(source.instruments())
        specs = load_bots_file(args.bots)
        watched = watched_by(specs, instruments)

        rates: list[float] = []
        routed_p50: list[float] = []
        routed_p99: list[float] = []
        other_p99: list[float] = []
        bots: list[dict[str, Any]] = []
        trading_state = ""
        cpu_rates: list[float] = []
        for _ in range(args.runs):
            figures, cpu_s = one_run(quotes, instruments, specs, args.file, None)
            cpu_rates.append(figures.updates / cpu_s)
            assert figures.updates == len(quotes), (figures.updates, len(quotes))
            rates.append(figures.updates / figures.wall_s)
            bots = [
                {
                    "id": v.id,
                    "state": f"{v.status.value}:{v.phase}",
                    "orders": v.orders,
                    "cycles": v.cycle - 1,
                }
                for v in figures.bots
            ]
            trading_state = figures.summary["trading_state"]
            probes = Probes(watched)
            one_run(quotes, instruments, specs, args.file, probes)
            routed_p50.append(percentile(probes.routed, 50) / 1000)
            routed_p99.append(percentile(probes.routed, 99) / 1000)
            other_p99.append(percentile(probes.other, 99) / 1000)

    result: dict[str, Any] = {
        "benchmark": "replay",
        "commit": commit(),
        "file": args.file.name,
        "bots_file": args.bots.name,
        "bots": bots,
        "trading_state_at_end": trading_state,
        "updates": len(quotes),
        "routed_updates": sum(1 for q in quotes if (q.venue, q.symbol) in watched),
        "runs": args.runs,
        "load_s": round(load_s, 3),
        "updates_per_s_median": round(statistics.median(rates)),
        "updates_per_s_runs": [round(r) for r in rates],
        "updates_per_loop_cpu_s_median": round(statistics.median(cpu_rates)),
        "updates_per_loop_cpu_s_runs": [round(r) for r in cpu_rates],
        "bot_quote_us_p50_median": round(statistics.median(routed_p50), 2),
        "bot_quote_us_p99_median": round(statistics.median(routed_p99), 2),
        "bot_quote_us_p99_runs": [round(v, 2) for v in routed_p99],
        "unrouted_quote_us_p99_median": round(statistics.median(other_p99), 2),
        "target_updates_per_s": TARGET_UPDATES_PER_S,
        "target_p99_us": TARGET_P99_US,
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
    }
    result["meets_targets"] = (
        result["updates_per_s_median"] >= TARGET_UPDATES_PER_S
        and result["bot_quote_us_p99_median"] < TARGET_P99_US
    )
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
