"""Live-path figures against the loopback fake Binance served by ANOTHER process
(``python -m tests.support.fake_binance``), so the fake's own work does not share our loop:

- ``quotes``: book tickers through ccxt pro -> ``CcxtFeed`` -> the engine's market data and
  QuoteBook (``QuoteUpdated`` counted on the engine's bus), the fake generating at each of
  ``--rates``; the highest rate whose updates reach the book at >= 95 % is the sustained maximum.
- ``lag``: at ``--lag-rate`` (5,000/s): event-loop lag (a 1 ms sleeper's overshoot) and the
  latency from the fake's send to the quote in the book. The fake stamps each frame's ``E`` with
  its send time in whole ms (``--stamp``; ccxt reads it as the ticker's timestamp), so the
  latency is an upper bound: the truncation adds 0-1 ms (0.5 ms on average).
- ``orders``: a limit order far from the book through ``Engine.submit_order`` (risk, journal,
  OMS, ``CcxtVenue``, ccxt with ``enableRateLimit`` off, HTTP to the fake) until OPEN, then
  ``Engine.cancel_order`` until CANCELED; and the same create/cancel by ccxt alone.

The engine is the real ``Engine`` over a hand-built ``Market`` (mode paper: a ``CcxtVenue`` with
the fake's keys and the ``CcxtFeed`` sharing its exchange, as ``live_market`` builds mode live).

    python benchmarks/ccxt_venue.py [--runs 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.events import QuoteUpdated  # noqa: E402
from app.core.orders import OrderRequest, OrderStatus, Side  # noqa: E402
from app.core.secrets import KeyMaterial, Secret  # noqa: E402
from app.engine.engine import Engine  # noqa: E402
from app.engine.wiring import Market  # noqa: E402
from app.runtime.settings import Settings  # noqa: E402
from app.runtime.settings_loader import merge, validate  # noqa: E402
from app.venues.ccxt_exchange import ExchangeConfig, close_exchange, make_exchange  # noqa: E402
from app.venues.ccxt_feed import CcxtFeed, FeedSource, best_method  # noqa: E402
from app.venues.ccxt_instruments import instruments_from_markets  # noqa: E402
from app.venues.ccxt_venue import CcxtVenue  # noqa: E402
from tests.support.fake_binance import DEFAULT_API_KEY, DEFAULT_SECRET  # noqa: E402

SYMBOLS = ("BTC/USDT", "ETH/USDT")
TARGET_QUOTES_PER_S = 10_000
TARGET_LAG_P99_MS = 10.0
TARGET_LATENCY_P99_MS = 5.0
TARGET_ORDER_MEDIAN_MS = 2.5
TARGET_ORDER_P99_MS = 10.0
LIMITS = {
    "max_open_orders": 1_000_000,
    "max_open_orders_per_instrument": 1_000_000,
    "order_rate_per_s": 1e9,
    "order_burst": 1_000_000_000,
    "duplicate_window_ms": 0,
    "max_gross_exposure": 1e12,
    "max_position_notional": 1e12,
    "cancel_rate_per_s": 1e9,
    "cancel_burst": 1_000_000_000,
}


@asynccontextmanager
async def fake_process(rate: float) -> AsyncIterator[tuple[str, str]]:
    """The fake in its own process, generating ``rate`` stamped book tickers a second."""
    command = [sys.executable, "-m", "tests.support.fake_binance", "--port", "0"]
    proc = subprocess.Popen(  # noqa: ASYNC220 (once per measurement, before it starts)
        [*command, "--rate", str(rate), "--symbols", ",".join(SYMBOLS), "--stamp"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.to_thread(proc.stdout.readline)
        urls = json.loads(line)
        yield urls["rest_url"], urls["ws_url"]
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 10)


def settings() -> Settings:
    return validate(
        merge(Settings().model_dump(mode="json"), {"risk": {"limits": LIMITS}}), "benchmark"
    )


@asynccontextmanager
async def engine_on(*fakes: tuple[str, str]) -> AsyncIterator[tuple[Engine, Any]]:
    """An engine with one ``CcxtVenue`` (and its stream) per fake: ``binance``, ``binance2``..."""
    keys = KeyMaterial(Secret(DEFAULT_API_KEY), Secret(DEFAULT_SECRET))
    sources, venues, exchanges = [], {}, []
    for n, (rest, ws) in enumerate(fakes):
        name = "binance" if n == 0 else f"binance{n + 1}"
        config = ExchangeConfig("binance", rest_url=rest, ws_url=ws, timeout_s=5.0)
        exchange = make_exchange(replace(config, rate_limit=False), keys)
        exchanges.append(exchange)
        await exchange.load_markets()
        every = instruments_from_markets(name, exchange.markets, exchange.precisionMode)
        instruments = [i for i in every if i.symbol in SYMBOLS]
        sources.append(FeedSource(name, exchange, instruments, best_method(exchange), False))
        venues[name] = CcxtVenue(
            name, exchange, instruments, secrets=tuple(keys.secrets()), call_timeout_s=6.0
        )
    market = Market(feed=CcxtFeed(sources), venues=venues, paper_store=None)
    engine = Engine(settings(), market=market)
    try:
        await engine.start()
        yield engine, exchanges[0]
    finally:
        await engine.stop()
        for exchange in exchanges:
            await close_exchange(exchange)


async def quotes_per_s(rate: float, seconds: float, fakes: int) -> tuple[float, float]:
    """Updates reaching the book per second over ``seconds``, after a 1 s warm-up, and the
    share of one core this process used meanwhile (near 1.0: the engine side is the limit)."""
    async with contextlib.AsyncExitStack() as stack:
        urls = [await stack.enter_async_context(fake_process(rate / fakes)) for _ in range(fakes)]
        engine, _ = await stack.enter_async_context(engine_on(*urls))
        count = [0]
        engine.subscribe(QuoteUpdated, lambda _e: count.__setitem__(0, count[0] + 1))
        while count[0] == 0:  # noqa: ASYNC110 (a poll outside the measured window)
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)
        n0, t0, c0 = count[0], time.perf_counter(), time.process_time()
        await asyncio.sleep(seconds)
        wall = time.perf_counter() - t0
        return (count[0] - n0) / wall, (time.process_time() - c0) / wall


async def lag_and_latency(rate: float, seconds: float) -> dict[str, float]:
    async with fake_process(rate) as urls, engine_on(urls) as (engine, _):
        latencies: list[float] = []
        received: list[float] = []
        lags: list[float] = []
        measuring = [False]

        def on_quote(event: QuoteUpdated) -> None:
            if measuring[0] and event.quote.exchange_ns:
                now = time.time_ns()
                latencies.append((now - event.quote.exchange_ns) / 1e6)
                received.append((event.quote.received_ns - event.quote.exchange_ns) / 1e6)

        engine.subscribe(QuoteUpdated, on_quote)
        await asyncio.sleep(1.0)
        measuring[0] = True
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            t = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(max(0.0, (time.perf_counter() - t - 0.001) * 1000))
        measuring[0] = False
        return {
            "updates": len(latencies),
            "loop_lag_p50_ms": percentile(lags, 50),
            "loop_lag_p99_ms": percentile(lags, 99),
            "latency_p50_ms": percentile(latencies, 50),
            "latency_p99_ms": percentile(latencies, 99),
            "send_to_received_p99_ms": percentile(received, 99),
        }


async def order_round_trips(orders: int) -> dict[str, list[float]]:
    async with fake_process(50) as urls, engine_on(urls) as (engine, exchange):
        await asyncio.sleep(1.0)
        submit, cancel, alone_create, alone_cancel = [], [], [], []
        for n in range(orders):
            request = OrderRequest(
                "binance", "BTC/USDT", Side.BUY, Decimal("0.001"), Decimal("20000") - n
            )
            t0 = time.perf_counter()
            order = await engine.submit_order(request)
            t1 = time.perf_counter()
            assert order.status is OrderStatus.OPEN, order
            done = await engine.cancel_order(order.client_order_id)
            t2 = time.perf_counter()
            assert done.status is OrderStatus.CANCELED, done
            submit.append((t1 - t0) * 1000)
            cancel.append((t2 - t1) * 1000)
        for n in range(orders):
            t0 = time.perf_counter()
            placed = await exchange.create_order(
                "BTC/USDT", "limit", "buy", 0.001, 20000 - n, {"clientOrderId": f"bench{n}"}
            )
            t1 = time.perf_counter()
            await exchange.cancel_order(placed["id"], "BTC/USDT")
            t2 = time.perf_counter()
            alone_create.append((t1 - t0) * 1000)
            alone_cancel.append((t2 - t1) * 1000)
        return {
            "submit": submit,
            "cancel": cancel,
            "ccxt_create": alone_create,
            "ccxt_cancel": alone_cancel,
        }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True)
    return out.stdout.decode().strip()


def med(values: list[float], digits: int = 2) -> float:
    return round(statistics.median(values), digits)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rates", default="5000,10000,15000,20000")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--fakes", type=int, default=2, help="fake processes sharing a rate")
    parser.add_argument("--lag-rate", type=float, default=5000)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--only", choices=("quotes", "lag", "orders"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    loads = [os.getloadavg()[0]]
    result: dict[str, Any] = {
        "benchmark": "ccxt_venue",
        "commit": commit(),
        "runs": args.runs,
        "python": platform.python_version(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ARBDESK_HOME"] = tmp
        if args.only in (None, "quotes"):
            per_rate: dict[str, list[float]] = {}
            cpu: dict[str, list[float]] = {}
            for run in range(args.runs):
                for rate in rates:
                    os.environ["ARBDESK_HOME"] = tempfile.mkdtemp(dir=tmp)
                    gc.collect()
                    got, share = asyncio.run(quotes_per_s(rate, args.seconds, args.fakes))
                    per_rate.setdefault(str(int(rate)), []).append(got)
                    cpu.setdefault(str(int(rate)), []).append(share)
                    print(
                        f"run {run} rate {rate:.0f}: {got:.0f}/s cpu {share:.2f}", file=sys.stderr
                    )
            medians = {rate: round(statistics.median(v)) for rate, v in per_rate.items()}
            sustained = [int(r) for r, m in medians.items() if m >= 0.95 * int(r)]
            result["quotes_per_s_by_offered_rate_median"] = medians
            result["quotes_per_s_runs"] = {r: [round(x) for x in v] for r, v in per_rate.items()}
            result["quotes_fake_processes"] = args.fakes
            result["quotes_cpu_share_median"] = {r: med(v) for r, v in cpu.items()}
            result["quotes_max_processed_per_s_median"] = max(medians.values())
            result["quotes_max_sustained_offered_rate"] = max(sustained, default=0)
            loads.append(os.getloadavg()[0])
        if args.only in (None, "lag"):
            runs = []
            for _ in range(args.runs):
                os.environ["ARBDESK_HOME"] = tempfile.mkdtemp(dir=tmp)
                gc.collect()
                runs.append(asyncio.run(lag_and_latency(args.lag_rate, args.seconds)))
                print(runs[-1], file=sys.stderr)
            result["lag_rate"] = args.lag_rate
            for key in runs[0]:
                result[f"{key}_median"] = med([r[key] for r in runs])
            result["latency_p99_ms_runs"] = [round(r["latency_p99_ms"], 2) for r in runs]
            result["loop_lag_p99_ms_runs"] = [round(r["loop_lag_p99_ms"], 2) for r in runs]
            loads.append(os.getloadavg()[0])
        if args.only in (None, "orders"):
            figures: dict[str, dict[str, list[float]]] = {}
            for _ in range(args.runs):
                os.environ["ARBDESK_HOME"] = tempfile.mkdtemp(dir=tmp)
                gc.collect()
                got = asyncio.run(order_round_trips(args.orders))
                for key, samples in got.items():
                    f = figures.setdefault(key, {"p50": [], "p99": []})
                    f["p50"].append(percentile(samples, 50))
                    f["p99"].append(percentile(samples, 99))
                print({k: round(percentile(v, 50), 2) for k, v in got.items()}, file=sys.stderr)
            for key, f in figures.items():
                result[f"{key}_ms_p50_median"] = med(f["p50"])
                result[f"{key}_ms_p99_median"] = med(f["p99"])
            loads.append(os.getloadavg()[0])
    result["targets"] = {
        "quotes_per_s": TARGET_QUOTES_PER_S,
        "loop_lag_p99_ms": TARGET_LAG_P99_MS,
        "latency_p99_ms": TARGET_LATENCY_P99_MS,
        "order_median_ms": TARGET_ORDER_MEDIAN_MS,
        "order_p99_ms": TARGET_ORDER_P99_MS,
    }
    result["load_average_1m"] = [round(x, 2) for x in loads]
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
