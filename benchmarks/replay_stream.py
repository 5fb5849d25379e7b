"""Replay streaming: memory over a day-long recording, and throughput against the in-memory path.

1. A synthetic 24-hour recording in the real file format (gzip CSV, the columns and market ids
   of the bundled Binance catalog: spot, USD-M and COIN-M, BTC and ETH, i.e. 3 venues x 2
   instruments; one BTC and one ETH random walk that every venue follows with its own offset,
   one or two ticks wide; times with random gaps at ``--rate`` quotes/s on average) is written
   to a temporary folder (deleted at the end) and replayed at maximum speed through the real
   replay feed (``ReplayMarket(path, speed=None).run``) into a sink that counts: RSS growth over
   the whole replay (a sampler thread reads /proc every 20 ms), quotes/s, and the time to build
   the feed. The engine would take ~3 minutes a run for 21.6 million quotes, so:
2. The engine's path (replay feed -> paper venues -> market data -> bus -> QuoteBook, the
   default settings, as ``quote_pipeline.py``) over the first ``--engine-minutes`` of the same
   synthetic recording, streamed: RSS growth and updates/s.
3. Throughput on the real Binance file (335,931 updates), alternated run by run: today's
   in-memory path (``quote_pipeline.py``: the file loaded first, then ``from_quotes``; load time
   apart) and the streamed one (``ReplayMarket(path)``: parsing inside the run), both through
   the same engine path; updates/s counted from the engine's start to the feed's end.

JSON on stdout; ``--out FILE`` also writes it.

    python benchmarks/replay_stream.py [--runs 5] [--hours 24] [--rate 250] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import gzip
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.events import VenueState  # noqa: E402
from app.core.quotes import Quote  # noqa: E402
from app.engine.engine import Engine  # noqa: E402
from app.engine.wiring import paper_market  # noqa: E402
from app.runtime.settings import Settings  # noqa: E402
from app.venues.base import MarketFeed  # noqa: E402
from app.venues.instrument_catalog import load_catalog  # noqa: E402
from app.venues.replay import DEFAULT_INSTRUMENTS_FILE, ReplayMarket  # noqa: E402
from app.venues.replay_file import HEADER, load_bbo_file, recorder_markets  # noqa: E402

FULL_FILE = ROOT.parent / "shared" / "data" / "binance-btc-eth-spot-perp-2024-08-08-bbo.csv.gz"
TARGET_RSS_GROWTH_MB = 50.0
PAGE = os.sysconf("SC_PAGE_SIZE")
T0_NS = 1_723_161_253_000_000_000  # the real recording's day
TEMPLATE_ROWS = 1_000_000

#: (recorder venue, market id, base, offset from the walk, decimals, futures: exchange time)
MARKETS = (
    ("binance_spot", "BTCUSDT", "BTC", 0.0, 2, False),
    ("binance_spot", "ETHUSDT", "ETH", 0.0, 2, False),
    ("binance_usdm", "BTCUSDT", "BTC", -25.0, 1, True),
    ("binance_usdm", "ETHUSDT", "ETH", -1.5, 2, True),
    ("binance_coinm", "BTCUSD_PERP", "BTC", 15.0, 1, True),
    ("binance_coinm", "ETHUSD_PERP", "ETH", 0.8, 2, True),
)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class PeakRss:
    """Samples the process's RSS every ``every_s`` in a thread; ``peak`` is the highest seen."""

    def __init__(self, every_s: float = 0.02) -> None:
        self._every = every_s
        self._stop = threading.Event()
        self.start_rss = rss_bytes()
        self.peak = self.start_rss
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.peak = max(self.peak, rss_bytes())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start_rss) / 1e6


def generate(path: Path, hours: float, rate: float, seed: int = 7) -> int:
    """Write the synthetic recording; returns its number of quotes.

    To keep a day's generation to about a minute, ``TEMPLATE_ROWS`` rows (market, prices, sizes,
    update ids, gap to the row before) are drawn once and repeated with times that keep going;
    the walks are bridged back to their start so a repetition joins without a jump.
    """
    rng = random.Random(seed)
    total = int(hours * 3600 * rate)
    mean_gap_ns = 1e9 / rate
    n = min(TEMPLATE_ROWS, total)
    walks = {"BTC": [61_000.0], "ETH": [2_680.0]}
    for base, sd in (("BTC", 0.6), ("ETH", 0.04)):
        w = walks[base]
        for _ in range(n - 1):
            w.append(w[-1] + rng.gauss(0.0, sd))
        drift = (w[-1] - w[0]) / max(n - 1, 1)
        walks[base] = [x - k * drift for k, x in enumerate(w)]
    bodies: list[str] = []
    futures: list[bool] = []
    gaps: list[int] = []
    update_ids = [10**10 * (i + 1) for i in range(len(MARKETS))]
    for k in range(n):
        m = rng.randrange(len(MARKETS))
        venue, market_id, base, offset, decimals, is_future = MARKETS[m]
        mid = walks[base][k] + offset
        half = 10.0**-decimals * (1 + (k & 1))
        update_ids[m] += 1
        bid, ask = f"{mid - half:.{decimals}f}", f"{mid + half:.{decimals}f}"
        sizes = f"{rng.random() * 5:.3f}", f"{rng.random() * 5:.3f}"
        body = f",{venue},{market_id},{bid},{sizes[0]},{ask},{sizes[1]},{update_ids[m]},"
        bodies.append(body)
        futures.append(is_future)
        gaps.append(int(rng.random() * 2 * mean_gap_ns) + 1)
    t = T0_NS
    written = 0
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write((HEADER + "\n").encode())
        while written < total:
            lines: list[str] = []
            append = lines.append
            for body, is_future, gap in zip(bodies[: total - written], futures, gaps, strict=False):
                t += gap
                append(f"{t}{body}{t // 1_000_000 + 1_250}\n" if is_future else f"{t}{body}\n")
                if len(lines) == 100_000:
                    out.write("".join(lines).encode())
                    lines.clear()
            out.write("".join(lines).encode())
            written += min(n, total - written)
    return total


async def feed_only(market: ReplayMarket) -> int:
    count = 0

    def sink(quote: Quote) -> None:
        nonlocal count
        count += 1

    def status(venue: str, state: VenueState, detail: str) -> None:
        pass

    await market.run(sink, status)
    return count


def engine_for(feed: MarketFeed, home: Path) -> Engine:
    settings = Settings()
    market = paper_market(feed, settings, home / f"paper-{time.time_ns()}.sqlite")
    return Engine(settings, market=market)


async def engine_pass(engine: Engine) -> tuple[float, int]:
    await engine.start()
    t0 = time.perf_counter()
    await engine.wait_feed_done()
    elapsed = time.perf_counter() - t0
    count = engine.market_data_stats().quotes_total
    await engine.stop()
    return elapsed, count


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


def median(values: list[float], digits: int = 1) -> float:
    return round(statistics.median(values), digits)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--rate", type=float, default=250.0, help="quotes/s on average")
    parser.add_argument("--engine-minutes", type=float, default=60.0)
    parser.add_argument("--file", type=Path, default=FULL_FILE, help="the real recording")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    result: dict[str, Any] = {
        "benchmark": "replay_stream",
        "commit": commit(),
        "runs": args.runs,
        "load_average_1m_before": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory(prefix="arbdesk-replay-stream-") as tmp:
        os.environ["ARBDESK_HOME"] = tmp
        home = Path(tmp)
        synthetic = home / "synthetic-24h.csv.gz"
        t0 = time.perf_counter()
        total = generate(synthetic, args.hours, args.rate)
        result["synthetic"] = {
            "hours": args.hours,
            "quotes": total,
            "quotes_per_s": args.rate,
            "markets": len(MARKETS),
            "venues": len({m[0] for m in MARKETS}),
            "gzip_mb": round(synthetic.stat().st_size / 1e6, 1),
            "generate_s": round(time.perf_counter() - t0, 1),
        }
        print(json.dumps(result["synthetic"]), file=sys.stderr)

        # 1. a day through the replay feed
        growth: list[float] = []
        rates: list[float] = []
        builds: list[float] = []
        for _ in range(args.runs):
            gc.collect()
            with PeakRss() as rss:
                t0 = time.perf_counter()
                market = ReplayMarket(synthetic, speed=None)
                t1 = time.perf_counter()
                count = asyncio.run(feed_only(market))
                t2 = time.perf_counter()
            assert count == total, (count, total)
            builds.append(t1 - t0)
            rates.append(count / (t2 - t1))
            growth.append(rss.growth_mb)
            print(f"day: {rss.growth_mb:.1f} MB, {count / (t2 - t1):,.0f}/s", file=sys.stderr)
        result["day_feed"] = {
            "rss_growth_mb_median": median(growth),
            "rss_growth_mb_runs": [round(g, 1) for g in growth],
            "quotes_per_s_median": round(statistics.median(rates)),
            "quotes_per_s_runs": [round(r) for r in rates],
            "build_s_median": median(builds, 3),
            "target_rss_growth_mb": TARGET_RSS_GROWTH_MB,
        }

        # 2. the engine's path over the day's first minutes, streamed
        growth, rates = [], []
        for _ in range(args.runs):
            gc.collect()
            with PeakRss() as rss:
                market = ReplayMarket(synthetic, speed=None, duration_s=args.engine_minutes * 60)
                elapsed, count = asyncio.run(engine_pass(engine_for(market, home)))
            rates.append(count / elapsed)
            growth.append(rss.growth_mb)
        result["engine_synthetic"] = {
            "minutes": args.engine_minutes,
            "updates": count,
            "rss_growth_mb_median": median(growth),
            "rss_growth_mb_runs": [round(g, 1) for g in growth],
            "updates_per_s_median": round(statistics.median(rates)),
            "updates_per_s_runs": [round(r) for r in rates],
        }

        # 3. the real file: in memory (today's path) against streamed, alternated
        catalog = load_catalog(DEFAULT_INSTRUMENTS_FILE)
        markets = recorder_markets(catalog)
        loads: list[float] = []
        memory_rates: list[float] = []
        memory_growth: list[float] = []
        stream_rates: list[float] = []
        stream_growth: list[float] = []
        updates = 0
        for _ in range(args.runs):
            gc.collect()
            with PeakRss() as rss:
                t0 = time.perf_counter()
                quotes = load_bbo_file(args.file, markets)
                loads.append(time.perf_counter() - t0)
                present = {(q.venue, q.symbol) for q in quotes[:2000]}
                instruments = [i for i in catalog.instruments if (i.venue, i.symbol) in present]
                feed = ReplayMarket.from_quotes(quotes, instruments, speed=None)
                elapsed, updates = asyncio.run(engine_pass(engine_for(feed, home)))
                del quotes, feed
            memory_rates.append(updates / elapsed)
            memory_growth.append(rss.growth_mb)
            gc.collect()
            with PeakRss() as rss:
                streamed = ReplayMarket(args.file, speed=None)
                elapsed, count = asyncio.run(engine_pass(engine_for(streamed, home)))
            assert count == updates, (count, updates)
            stream_rates.append(count / elapsed)
            stream_growth.append(rss.growth_mb)
            print(
                f"real: memory {memory_rates[-1]:,.0f}/s, streamed {stream_rates[-1]:,.0f}/s",
                file=sys.stderr,
            )
        load_s = statistics.median(loads)
        result["real_file"] = {
            "file": args.file.name,
            "updates": updates,
            "memory_updates_per_s_median": round(statistics.median(memory_rates)),
            "memory_updates_per_s_runs": [round(r) for r in memory_rates],
            "memory_load_s_median": round(load_s, 3),
            "memory_end_to_end_updates_per_s": round(
                updates / (load_s + updates / statistics.median(memory_rates))
            ),
            "memory_rss_growth_mb_median": median(memory_growth),
            "stream_updates_per_s_median": round(statistics.median(stream_rates)),
            "stream_updates_per_s_runs": [round(r) for r in stream_rates],
            "stream_rss_growth_mb_median": median(stream_growth),
        }
    result["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    result["python"] = platform.python_version()
    result["machine"] = f"{platform.machine()} {os.cpu_count()} cpu"
    result["meets_target"] = result["day_feed"]["rss_growth_mb_median"] < TARGET_RSS_GROWTH_MB
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
