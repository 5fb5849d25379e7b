"""Scanner benchmarks on real data.

1. ``pipeline``: the full real Binance BBO recording (335,931 updates, loaded first) through replay
   feed -> paper venues -> market data -> bus -> opportunity service with every scanner running
   (cross, triangular, cycles on its timer, basis of spot against USD-M and COIN-M perpetuals on
   the same and across venues, pairs ETH~BTC on spot and on USD-M) -> decisions -> bus and store.
   Throughput on an untimed pass; per-update latency on a second pass.
2. ``triangular``: the whole real Binance spot graph (823 markets, 2,110 directed triangles) at
   10 bps fees: build time, and per-update latency of ``on_quote`` for random 0.1 % moves of
   random markets (all markets alike) and of the hubs (BTC/USDT, ETH/BTC, BNB/BTC, BTC/BUSD: 100
   to 180 directed triangles each). Prices are the real ones made consistent (``real_graph.
   consistent``: no standing arbitrage, as in a live market); ``triangular_stale`` repeats it on
   the snapshot as is, whose stale last prices leave about 200 triangles "profitable" for good:
   the worst case, where the time goes to building hundreds of opportunities per hub update.
3. ``cycles``: a full search of the stale snapshot (the harder case: thousands of profitable
   cycles), up to 4 legs, keeping the best 100 (the engine's default) and, for reference, every
   undominated cycle; and with 3 legs.

JSON on stdout; ``--out FILE`` also writes it.

    python benchmarks/scanners.py [--runs 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "integration"))

import real_graph  # noqa: E402
from quote_pipeline import TimedFeed, percentile  # noqa: E402

from app.core.instruments import Instrument  # noqa: E402
from app.core.quotes import Quote  # noqa: E402
from app.engine.engine import Engine  # noqa: E402
from app.engine.scanners import CycleScanner, TriangularScanner  # noqa: E402
from app.engine.wiring import paper_market  # noqa: E402
from app.runtime.scanner_settings import ScannersSettings  # noqa: E402
from app.runtime.settings import Settings  # noqa: E402
from app.venues.base import MarketFeed  # noqa: E402
from app.venues.replay import ReplayMarket  # noqa: E402

FULL_FILE = real_graph.DATA / "binance-btc-eth-spot-perp-2024-08-08-bbo.csv.gz"
TARGETS = {
    "pipeline_updates_per_s": 60_000,
    "triangular_build_s": 1.0,
    "triangular_p99_us": 50.0,
    "cycles_search_ms": 50.0,
}
HUBS = ("BTC/USDT", "ETH/BTC", "BNB/BTC", "BTC/BUSD")

#: Every scanner with something to do on the recording's six markets.
ALL_SCANNERS = ScannersSettings.model_validate(
    {
        "basis": {"quote_groups": [["USD", "USDT"]], "reverse": True},
        "cycles": {"cross_venue": True},
        "pairs": {
            "window": 120,
            "pairs": [
                {"leg1": "binance:ETH/USDT", "leg2": "binance:BTC/USDT"},
                {"leg1": "binanceusdm:ETH/USDT:USDT", "leg2": "binanceusdm:BTC/USDT:USDT"},
            ],
        },
    }
)


# -- 1. the pipeline ------------------------------------------------------------------------


def build_engine(
    quotes: list[Quote], instruments: Sequence[Instrument], home: Path, samples: list[int] | None
) -> Engine:
    replay: MarketFeed = ReplayMarket.from_quotes(quotes, instruments, speed=None)
    if samples is not None:
        replay = TimedFeed(replay, samples)
    settings = Settings(scanners=ALL_SCANNERS)
    market = paper_market(replay, settings, home / f"paper-{time.time_ns()}.sqlite")
    return Engine(settings, market=market)


async def one_pass(engine: Engine) -> tuple[float, int]:
    await engine.start()
    t0 = time.perf_counter()
    await engine.wait_feed_done()
    elapsed = time.perf_counter() - t0
    count = engine.market_data_stats().quotes_total
    await engine.stop()
    return elapsed, count


def bench_pipeline(runs: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    source = ReplayMarket(FULL_FILE, speed=None)
    load_s = time.perf_counter() - t0
    quotes, instruments = list(source.quotes), list(source.instruments())
    rates: list[float] = []
    p50s: list[float] = []
    p99s: list[float] = []
    stats: Any = None
    kinds: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ARBDESK_HOME"] = tmp
        for _ in range(runs):
            gc.collect()
            engine = build_engine(quotes, instruments, Path(tmp), None)
            elapsed, count = asyncio.run(one_pass(engine))
            assert count == len(quotes), (count, len(quotes))
            rates.append(count / elapsed)
            stats = engine.opportunity_stats()
            kinds = list(engine.summary()["opportunities_per_kind"])
            samples: list[int] = []
            gc.collect()
            engine = build_engine(quotes, instruments, Path(tmp), samples)
            asyncio.run(one_pass(engine))
            p50s.append(percentile(samples, 50) / 1000)
            p99s.append(percentile(samples, 99) / 1000)
    return {
        "file": FULL_FILE.name,
        "updates": len(quotes),
        "load_s": round(load_s, 3),
        "scanners": kinds,
        "updates_per_s_median": round(statistics.median(rates)),
        "updates_per_s_runs": [round(r) for r in rates],
        "latency_us_p50_median": round(statistics.median(p50s), 2),
        "latency_us_p99_median": round(statistics.median(p99s), 2),
        "found_per_kind": stats.found_per_kind,
        "published_per_kind": stats.published_per_kind,
        "dropped_per_reason": stats.dropped_per_reason,
        "timer_scans": stats.timer_scans,
    }


# -- 2. triangular on the real graph --------------------------------------------------------


def timed(fn: Callable[[Quote], object], quotes: list[Quote]) -> list[int]:
    clock = time.perf_counter_ns
    out = []
    for q in quotes:
        t0 = clock()
        fn(q)
        out.append(clock() - t0)
    return out


def moves(
    rows: list[dict[str, Any]], count: int, pick: list[dict[str, Any]], seed: int
) -> list[Quote]:
    rng = random.Random(seed)
    out = []
    for t in range(count):
        row = rng.choice(pick)
        move = 1.0 + rng.gauss(0.0, 0.001)
        out.append(
            Quote(
                row["venue"],
                row["symbol"],
                row["bid"] * move,
                row["bid_qty"],
                row["ask"] * move,
                row["ask_qty"],
                t,
            )
        )
    return out


def bench_triangular(runs: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    insts = real_graph.instruments(rows, 10.0)
    snapshot = real_graph.quotes(rows)
    hubs = [r for r in rows if r["symbol"] in HUBS]
    builds, p50, p99, hub_p50, hub_p99, paths = [], [], [], [], [], 0
    for run in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        scanner = TriangularScanner(insts)
        builds.append(time.perf_counter() - t0)
        paths = len(scanner.paths)
        for q in snapshot:
            scanner.update(q)
        on_quote = scanner.on_quote
        timed(on_quote, moves(rows, 5_000, rows, 100 + run))  # warm up
        all_ns = timed(on_quote, moves(rows, 50_000, rows, run))
        hub_ns = timed(on_quote, moves(rows, 20_000, hubs, run))
        p50.append(percentile(all_ns, 50) / 1000)
        p99.append(percentile(all_ns, 99) / 1000)
        hub_p50.append(percentile(hub_ns, 50) / 1000)
        hub_p99.append(percentile(hub_ns, 99) / 1000)
    return {
        "markets": len(rows),
        "directed_triangles": paths,
        "build_s_median": round(statistics.median(builds), 4),
        "update_us_p50_median": round(statistics.median(p50), 2),
        "update_us_p99_median": round(statistics.median(p99), 2),
        "hub_update_us_p50_median": round(statistics.median(hub_p50), 2),
        "hub_update_us_p99_median": round(statistics.median(hub_p99), 2),
    }


# -- 3. cycles on the real graph ------------------------------------------------------------


def bench_cycles(runs: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    insts = real_graph.instruments(rows, 10.0)
    snapshot = real_graph.quotes(rows)
    out: dict[str, Any] = {}
    for name, max_len, keep in (
        ("len4_best100", 4, 100),
        ("len4_all", 4, None),
        ("len3_all", 3, None),
    ):
        scanner = CycleScanner(insts, max_len=max_len, max_results=keep)
        for q in snapshot:
            scanner.update(q)
        times, found = [], 0
        for _ in range(runs):
            gc.collect()
            t0 = time.perf_counter()
            found = len(scanner.scan(0))
            times.append(time.perf_counter() - t0)
        out[name] = {"ms_median": round(statistics.median(times) * 1000, 2), "cycles": found}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--skip-pipeline", action="store_true")
    args = parser.parse_args()
    rows = real_graph.snapshot_rows()
    result: dict[str, Any] = {"benchmark": "scanners", "runs": args.runs}
    if not args.skip_pipeline:
        result["pipeline"] = bench_pipeline(args.runs)
    result["triangular"] = bench_triangular(args.runs, real_graph.consistent(rows))
    result["triangular_stale"] = bench_triangular(args.runs, rows)
    result["cycles"] = bench_cycles(args.runs, rows)
    result["targets"] = TARGETS
    result["python"] = platform.python_version()
    result["machine"] = f"{platform.machine()} {os.cpu_count()} cpu"
    tri, cyc = result["triangular"], result["cycles"]["len4_best100"]
    result["meets_targets"] = (
        result.get("pipeline", {}).get("updates_per_s_median", 1e12)
        >= TARGETS["pipeline_updates_per_s"]
        and tri["build_s_median"] < TARGETS["triangular_build_s"]
        and tri["update_us_p99_median"] < TARGETS["triangular_p99_us"]
        and cyc["ms_median"] < TARGETS["cycles_search_ms"]
    )
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
