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
4. ``venues``: the simulated market with 3, 12 and 48 venues x 5 instruments (spot BTC/USDT,
   ETH/USDT, ETH/BTC, perpetuals BTC and ETH), each instrument quoting at ``SIM_HZ`` (about the
   real recording's mean rate per market), through the engine's real path (sim feed -> paper
   venues -> market data -> bus -> opportunity service with the *default* scanners: cross,
   triangular, cycles on its timer, basis across venues) -> decisions. About 200,000 updates a
   run; throughput on an untimed pass, per-update latency on a second pass.
5. ``triangular_weighted``: the real graph's ``on_quote`` for moves of markets drawn by their
   real update frequency: BTC/USDT and ETH/USDT at their rates in the BBO recording (112 and 90
   updates/s), NKN/USDT, LRC/BTC, BLZ/ETH, RUNE/EUR at their bookTicker rates in the recorded
   Binance WebSocket session (``ws/BINANCE.ws.1.0``: 2.75, 0.33, 0.04 and 0 a second). No
   recording has the other markets' rates: the other hubs (markets in at least ``VECTOR_MIN``
   directed triangles) are given ETH/USDT's rate, every other market the mean of the four small
   ones (0.78/s). About 60 % of the draws are then hub updates.

JSON on stdout; ``--out FILE`` also writes it. ``--only`` runs some parts (e.g. ``venues``).

    python benchmarks/scanners.py [--runs 5] [--out FILE] [--only venues,triangular_weighted]
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
from app.engine.scanners.triangular import VECTOR_MIN  # noqa: E402
from app.engine.wiring import paper_market  # noqa: E402
from app.runtime.scanner_settings import ScannersSettings  # noqa: E402
from app.runtime.settings import Settings  # noqa: E402
from app.venues.base import MarketFeed  # noqa: E402
from app.venues.replay import ReplayMarket  # noqa: E402
from app.venues.sim import SimulatedMarket  # noqa: E402

FULL_FILE = real_graph.DATA / "binance-btc-eth-spot-perp-2024-08-08-bbo.csv.gz"
TARGETS = {
    "pipeline_updates_per_s": 60_000,
    "triangular_build_s": 1.0,
    "triangular_p99_us": 50.0,
    "cycles_search_ms": 50.0,
    "venues_48_updates_per_s": 150_000,
    "venues_48_p99_us": 50.0,
    "triangular_weighted_p99_us": 50.0,
}
SWEEP = (3, 12, 48)
SIM_HZ = 100.0
SWEEP_UPDATES = 200_000
#: Updates a second in the recordings (see the module docstring).
MEASURED_HZ = {
    "BTC/USDT": 73_174 / 650.0,
    "ETH/USDT": 58_758 / 651.0,
    "NKN/USDT": 74 / 26.9,
    "LRC/BTC": 9 / 26.9,
    "BLZ/ETH": 1 / 26.9,
    "RUNE/EUR": 0.0,
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


# -- 4. venue-count sweep on the simulated market ------------------------------------------


def sweep_engine(venues: int, home: Path, samples: list[int] | None) -> Engine:
    names = tuple(f"sim-{i:02d}" for i in range(venues))
    duration = SWEEP_UPDATES / (venues * 5 * SIM_HZ)
    raw: MarketFeed = SimulatedMarket(
        1, venues=names, quote_rate_hz=SIM_HZ, speed=None, duration_s=duration
    )
    if samples is not None:
        raw = TimedFeed(raw, samples)
    settings = Settings()  # the default scanners
    market = paper_market(raw, settings, home / f"paper-{time.time_ns()}.sqlite")
    return Engine(settings, market=market)


def bench_venues(runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ARBDESK_HOME"] = tmp
        for venues in SWEEP:
            rates, p50s, p99s, loads = [], [], [], []
            stats: Any = None
            kinds: list[str] = []
            count = 0
            for _ in range(runs):
                loads.append(os.getloadavg()[0])
                gc.collect()
                engine = sweep_engine(venues, Path(tmp), None)
                elapsed, count = asyncio.run(one_pass(engine))
                rates.append(count / elapsed)
                stats = engine.opportunity_stats()
                kinds = list(engine.summary()["opportunities_per_kind"])
                samples: list[int] = []
                gc.collect()
                asyncio.run(one_pass(sweep_engine(venues, Path(tmp), samples)))
                p50s.append(percentile(samples, 50) / 1000)
                p99s.append(percentile(samples, 99) / 1000)
            out[str(venues)] = {
                "instruments": venues * 5,
                "updates": count,
                "scanners": kinds,
                "updates_per_s_median": round(statistics.median(rates)),
                "updates_per_s_runs": [round(r) for r in rates],
                "latency_us_p50_median": round(statistics.median(p50s), 2),
                "latency_us_p99_median": round(statistics.median(p99s), 2),
                "latency_us_p99_runs": [round(p, 1) for p in p99s],
                "load_1min": [round(x, 2) for x in loads],
                "found_per_kind": stats.found_per_kind,
                "published_per_kind": stats.published_per_kind,
            }
    return out


# -- 5. triangular, markets drawn by their real update frequency ----------------------------


def weighted_moves(
    rows: list[dict[str, Any]], weights: list[float], count: int, seed: int
) -> list[Quote]:
    rng = random.Random(seed)
    picks = rng.choices(range(len(rows)), weights=weights, k=count)
    out = []
    for t, k in enumerate(picks):
        row = rows[k]
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


def directed_triangles(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Directed triangles through each market (two per triangle), from the markets alone."""
    links: dict[str, dict[str, int]] = {}
    for r in rows:
        a, b = r["base"], r["quote"]
        links.setdefault(a, {})[b] = links.setdefault(a, {}).get(b, 0) + 1
        links.setdefault(b, {})[a] = links.setdefault(b, {}).get(a, 0) + 1
    out = {}
    for r in rows:
        a, b = r["base"], r["quote"]
        near_a, near_b = links[a], links[b]
        count = sum(n * near_b[c] for c, n in near_a.items() if c != b and c in near_b)
        out[r["symbol"]] = 2 * count
    return out


def bench_triangular_weighted(runs: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    insts = real_graph.instruments(rows, 10.0)
    snapshot = real_graph.quotes(rows)
    through = directed_triangles(rows)
    small = [MEASURED_HZ[s] for s in ("NKN/USDT", "LRC/BTC", "BLZ/ETH", "RUNE/EUR")]
    rest_hz = sum(small) / len(small)
    hub_hz = MEASURED_HZ["ETH/USDT"]
    hubs = {r["symbol"] for r in rows if through.get(r["symbol"], 0) >= VECTOR_MIN}
    weights = [
        MEASURED_HZ.get(r["symbol"], hub_hz if r["symbol"] in hubs else rest_hz) for r in rows
    ]
    hub_share = sum(w for r, w in zip(rows, weights, strict=True) if r["symbol"] in hubs)
    p50, p99, p999 = [], [], []
    for run in range(runs):
        gc.collect()
        scanner = TriangularScanner(insts)
        for q in snapshot:
            scanner.update(q)
        on_quote = scanner.on_quote
        timed(on_quote, weighted_moves(rows, weights, 5_000, 100 + run))  # warm up
        ns = timed(on_quote, weighted_moves(rows, weights, 50_000, run))
        p50.append(percentile(ns, 50) / 1000)
        p99.append(percentile(ns, 99) / 1000)
        p999.append(percentile(ns, 99.9) / 1000)
    return {
        "markets": len(rows),
        "hubs": sorted(hubs),
        "hub_share_of_updates": round(hub_share / sum(weights), 3),
        "rates_hz": {
            "measured": {k: round(v, 2) for k, v in MEASURED_HZ.items()},
            "other_hubs": round(hub_hz, 2),
            "other_markets": round(rest_hz, 2),
        },
        "update_us_p50_median": round(statistics.median(p50), 2),
        "update_us_p99_median": round(statistics.median(p99), 2),
        "update_us_p99_runs": [round(x, 1) for x in p99],
        "update_us_p999_median": round(statistics.median(p999), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--skip-pipeline", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated parts (default: all)")
    args = parser.parse_args()
    parts = set(filter(None, args.only.split(","))) or {
        "pipeline",
        "triangular",
        "triangular_stale",
        "cycles",
        "venues",
        "triangular_weighted",
    }
    if args.skip_pipeline:
        parts.discard("pipeline")
    rows = real_graph.snapshot_rows()
    result: dict[str, Any] = {"benchmark": "scanners", "runs": args.runs}
    result["load_1min_start"] = round(os.getloadavg()[0], 2)
    if "pipeline" in parts:
        result["pipeline"] = bench_pipeline(args.runs)
    if "triangular" in parts:
        result["triangular"] = bench_triangular(args.runs, real_graph.consistent(rows))
    if "triangular_weighted" in parts:
        result["triangular_weighted"] = bench_triangular_weighted(
            args.runs, real_graph.consistent(rows)
        )
    if "triangular_stale" in parts:
        result["triangular_stale"] = bench_triangular(args.runs, rows)
    if "cycles" in parts:
        result["cycles"] = bench_cycles(args.runs, rows)
    if "venues" in parts:
        result["venues"] = bench_venues(args.runs)
    result["load_1min_end"] = round(os.getloadavg()[0], 2)
    result["targets"] = TARGETS
    result["python"] = platform.python_version()
    result["machine"] = f"{platform.machine()} {os.cpu_count()} cpu"
    checks = []
    if "pipeline" in result:
        ok = result["pipeline"]["updates_per_s_median"] >= TARGETS["pipeline_updates_per_s"]
        checks.append(ok)
    if "triangular" in result:
        tri = result["triangular"]
        checks.append(tri["build_s_median"] < TARGETS["triangular_build_s"])
        checks.append(tri["update_us_p99_median"] < TARGETS["triangular_p99_us"])
    if "cycles" in result:
        checks.append(result["cycles"]["len4_best100"]["ms_median"] < TARGETS["cycles_search_ms"])
    if "venues" in result:
        v48 = result["venues"]["48"]
        checks.append(v48["updates_per_s_median"] >= TARGETS["venues_48_updates_per_s"])
        checks.append(v48["latency_us_p99_median"] < TARGETS["venues_48_p99_us"])
    if "triangular_weighted" in result:
        p99 = result["triangular_weighted"]["update_us_p99_median"]
        checks.append(p99 < TARGETS["triangular_weighted_p99_us"])
    result["meets_targets"] = all(checks)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
