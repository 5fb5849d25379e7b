"""Quote pipeline throughput and per-update latency on the full real Binance BBO recording.

The file is loaded into memory first (a replay itself streams it; the load is timed apart); then
every update goes venue (replay feed -> paper venue matching) -> market data -> bus -> QuoteBook,
as fast as possible, with no bot attached but with everything the engine really does on the way
with its default settings: the default scanners (on this recording only basis spot vs USD-M and
the cycle search on its timer find anything: cross and triangular have no shared symbol or
triangle, pairs has no pair configured), staleness sweeps, spread samples to the store.

Two passes per run: one untimed per update (throughput), one timing every update (latency; the
two clock reads add ~0.1 us to each figure). JSON on stdout; ``--out FILE`` also writes it.

    python benchmarks/quote_pipeline.py [--file PATH] [--runs 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.clock import Clock  # noqa: E402
from app.core.instruments import Instrument  # noqa: E402
from app.core.quotes import Quote  # noqa: E402
from app.engine.engine import Engine  # noqa: E402
from app.engine.wiring import paper_market  # noqa: E402
from app.runtime.settings import Settings  # noqa: E402
from app.venues.base import MarketFeed, QuoteSink, StatusSink  # noqa: E402
from app.venues.replay import ReplayMarket  # noqa: E402

FULL_FILE = ROOT.parent / "shared" / "data" / "binance-btc-eth-spot-perp-2024-08-08-bbo.csv.gz"
TARGET_UPDATES_PER_S = 150_000
TARGET_P99_US = 50.0


class TimedFeed:
    """Wraps a feed and times each update from its hand-over until the pipeline returns."""

    def __init__(self, inner: MarketFeed, samples: list[int]) -> None:
        self._inner = inner
        self._samples = samples

    @property
    def clock(self) -> Clock:
        return self._inner.clock

    def instruments(self) -> Sequence[Instrument]:
        return self._inner.instruments()

    def venues(self) -> Sequence[str]:
        return self._inner.venues()

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        return self._inner.funding_rate(venue, symbol)

    async def close(self) -> None:
        await self._inner.close()

    async def run(self, sink: QuoteSink, status: StatusSink) -> None:
        clock = time.perf_counter_ns
        append = self._samples.append

        def timed(quote: Quote) -> None:
            t0 = clock()
            sink(quote)
            append(clock() - t0)

        await self._inner.run(timed, status)


def build_engine(
    quotes: list[Quote], instruments: Sequence[Instrument], home: Path, samples: list[int] | None
) -> Engine:
    replay: MarketFeed = ReplayMarket.from_quotes(quotes, instruments, speed=None)
    if samples is not None:
        replay = TimedFeed(replay, samples)
    settings = Settings()
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


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=FULL_FILE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    t0 = time.perf_counter()
    source = ReplayMarket(args.file, speed=None)
    quotes = list(source.quotes)  # a replay streams its file; this one is preloaded
    load_s = time.perf_counter() - t0
    instruments = list(source.instruments())

    rates: list[float] = []
    p50s: list[float] = []
    p99s: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ARBDESK_HOME"] = tmp
        home = Path(tmp)
        for _ in range(args.runs):
            gc.collect()
            elapsed, count = asyncio.run(one_pass(build_engine(quotes, instruments, home, None)))
            assert count == len(quotes), (count, len(quotes))
            rates.append(count / elapsed)
            samples: list[int] = []
            gc.collect()
            asyncio.run(one_pass(build_engine(quotes, instruments, home, samples)))
            p50s.append(percentile(samples, 50) / 1000)
            p99s.append(percentile(samples, 99) / 1000)

    result = {
        "benchmark": "quote_pipeline",
        "file": args.file.name,
        "updates": len(quotes),
        "runs": args.runs,
        "load_s": round(load_s, 3),
        "updates_per_s_median": round(statistics.median(rates)),
        "updates_per_s_runs": [round(r) for r in rates],
        "latency_us_p50_median": round(statistics.median(p50s), 2),
        "latency_us_p99_median": round(statistics.median(p99s), 2),
        "target_updates_per_s": TARGET_UPDATES_PER_S,
        "target_p99_us": TARGET_P99_US,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
    }
    result["meets_targets"] = (
        result["updates_per_s_median"] >= TARGET_UPDATES_PER_S
        and result["latency_us_p99_median"] < TARGET_P99_US
    )
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
