"""OMS figures: orders per second through risk + OMS + paper venue with the journal on, the risk
check's latency, and the kill switch with 1,000 open orders on three paper venues.

Every run builds a fresh engine on a temporary data folder (its own store and paper state file)
over three paper venues of the simulated market's instruments, fed by a quiet feed that pushes one
quote per instrument (spot and perpetual BTC and ETH, deep enough never to run dry), so the figures
are the order path's alone (no market churn behind them). Risk limits are raised so that no order
is refused.

- ``orders_per_s_sequential``: one submitter, each ``Engine.submit_order`` awaited in turn: risk,
  id, journal write (awaited on the store thread, committed and synced to disk before the request
  leaves), paper venue (matching, its own SQLite commit before it answers), acknowledgement, OMS
  bookkeeping. Every order is a marketable limit order that fills at once as a taker (buys and
  sells by turns, spot and perpetual, over the three venues): its fill, the balances and the
  position it moves are written too (``--resting``: every order rests far from the market
  instead, as this benchmark did before it filled orders).
- ``orders_per_s_concurrent``: the same with ``--submitters`` tasks submitting at once (their
  journal writes, and the paper venue's writes of one loop pass, share commits).
- ``cpu_us_per_order_*``: the process's CPU time (every thread) per order over those runs: the
  work an order costs, which other load on a shared machine distorts far less than the rates.
- ``risk_check_us``: ``Engine.preview_order`` of a passing order (every risk check runs, as in
  ``submit_order``, without taking a rate token), timed one by one.
- ``panic_ms_to_verified``: from the ``Engine.panic`` call until the kill switch's own
  ``fetch_open_orders`` came back empty on the last of the three venues (timed by wrapping it);
  ``panic_ms_call``: until ``panic`` returned, which also settles the journal and waits for the
  audit log's flush (behind the journal updates of the 1,000 cancels on the store thread).

    python benchmarks/oms.py [--runs 5] [--orders 3000] [--submitters 16] [--resting] [--out FILE]
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
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.clock import ManualClock  # noqa: E402
from app.core.events import VenueState  # noqa: E402
from app.core.instruments import Instrument  # noqa: E402
from app.core.orders import Order, OrderRequest, OrderStatus, Side  # noqa: E402
from app.core.quotes import Quote  # noqa: E402
from app.engine.engine import Engine  # noqa: E402
from app.engine.wiring import Market  # noqa: E402
from app.runtime.settings import Settings  # noqa: E402
from app.runtime.settings_loader import merge, validate  # noqa: E402
from app.venues.base import QuoteSink, StatusSink  # noqa: E402
from app.venues.paper import PaperVenue  # noqa: E402
from app.venues.paper_market import PaperMarket  # noqa: E402
from app.venues.paper_store import PaperStateStore  # noqa: E402
from app.venues.sim_model import build_instruments  # noqa: E402

VENUES = ("sim-a", "sim-b", "sim-c")
TARGET_ORDERS_PER_S = 3_000  # 16 submitters
TARGET_SEQUENTIAL_ORDERS_PER_S = 1_000  # one submitter: a durable journal commit per order
TARGET_RISK_P99_US = 30.0
TARGET_PANIC_MS = 200.0
PANIC_ORDERS = 1_000
PRICES = {
    "BTC/USDT": (60_000.0, 60_001.0),
    "ETH/USDT": (3_000.0, 3_000.5),
    "BTC/USDT:USDT": (60_010.0, 60_011.0),
    "ETH/USDT:USDT": (3_001.0, 3_001.5),
}
DEPTH = 1e9  # the quotes' visible size: what takers take from a quote is not offered again
LIMITS = {
    "max_open_orders": 1_000_000,
    "max_open_orders_per_instrument": 1_000_000,
    "order_rate_per_s": 1e9,
    "order_burst": 1_000_000_000,
    "duplicate_window_ms": 0,
    "max_gross_exposure": 1e12,
    "max_position_notional": 1e12,
}
BALANCES = {"USDT": 100_000_000, "BTC": 1_000, "ETH": 100_000}


class QuietFeed:
    """One quote per instrument, then nothing: the market stands still while orders are timed."""

    def __init__(self, venues: Sequence[str]) -> None:
        self._venues = tuple(venues)
        self._instruments = build_instruments(venues)
        self.clock = ManualClock(1_800_000_000 * 10**9)
        self._closed = asyncio.Event()
        self.ready = asyncio.Event()

    def instruments(self) -> Sequence[Instrument]:
        return self._instruments

    def venues(self) -> Sequence[str]:
        return self._venues

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        return None

    async def run(self, sink: QuoteSink, status: StatusSink) -> None:
        for venue in self._venues:
            status(venue, VenueState.CONNECTED, "")
            for symbol, (bid, ask) in PRICES.items():
                now = self.clock.now_ns() + 1_000
                self.clock.set(now)
                sink(Quote(venue, symbol, bid, DEPTH, ask, DEPTH, now))
        self.ready.set()
        await self._closed.wait()

    async def close(self) -> None:
        self._closed.set()


async def start_engine(home: Path) -> tuple[Engine, dict[str, PaperVenue]]:
    settings = validate(
        merge(
            Settings().model_dump(mode="json"),
            {"risk": {"limits": LIMITS}, "paper": {"starting_balances": BALANCES}},
        ),
        "benchmark",
    )
    feed = QuietFeed(VENUES)
    store = PaperStateStore(home / "paper.sqlite")
    papers = {
        name: PaperVenue(
            name,
            [i for i in feed.instruments() if i.venue == name],
            starting_balances=settings.paper.starting_balances,
            store=store,
            clock=feed.clock,
        )
        for name in VENUES
    }
    market = Market(feed=PaperMarket(feed, papers), venues=dict(papers), paper_store=store)
    engine = Engine(settings, market=market)
    await engine.start()
    await asyncio.wait_for(feed.ready.wait(), 10)
    return engine, papers


def resting(n: int) -> OrderRequest:
    """The ``n``-th order: BTC buys and ETH sells by turns over the venues, each at its own price,
    all far enough from the market to rest."""
    venue = VENUES[n % len(VENUES)]
    if n % 2:
        return OrderRequest(
            venue, "ETH/USDT", Side.SELL, Decimal("0.01"), Decimal("3300") + Decimal(n) / 100
        )
    return OrderRequest(
        venue, "BTC/USDT", Side.BUY, Decimal("0.001"), Decimal("55000") - Decimal(n) / 10
    )


FILLING = (
    ("BTC/USDT", Side.BUY, Decimal("0.002"), Decimal("60100")),
    ("BTC/USDT:USDT", Side.SELL, Decimal("0.002"), Decimal("59900")),
    ("ETH/USDT", Side.SELL, Decimal("0.04"), Decimal("2990")),
    ("BTC/USDT", Side.SELL, Decimal("0.002"), Decimal("59900")),
    ("ETH/USDT:USDT", Side.BUY, Decimal("0.04"), Decimal("3010")),
    ("ETH/USDT", Side.BUY, Decimal("0.04"), Decimal("3010")),
    ("BTC/USDT:USDT", Side.BUY, Decimal("0.003"), Decimal("60100")),
    ("ETH/USDT:USDT", Side.SELL, Decimal("0.05"), Decimal("2990")),
)


def filling(n: int) -> OrderRequest:
    """The ``n``-th order: a marketable limit order (a taker at once) over the venues, spot and
    perpetual, buys and sells by turns; the perpetuals' positions grow over a run."""
    symbol, side, qty, price = FILLING[n % len(FILLING)]
    return OrderRequest(VENUES[n % len(VENUES)], symbol, side, qty, price)


async def orders_per_s(home: Path, count: int, submitters: int, fills: bool) -> tuple[float, float]:
    """(orders/s, CPU time of the process per order in us: every thread, the store's included)."""
    engine, _ = await start_engine(home)
    try:
        balances_before = {v: dict(b) for v, b in engine.balances().items()}
        requests = [(filling if fills else resting)(n) for n in range(count)]
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        if submitters == 1:
            for request in requests:
                await engine.submit_order(request)
        else:

            async def submit_share(share: list[OrderRequest]) -> None:
                for request in share:
                    await engine.submit_order(request)

            shares = [requests[i::submitters] for i in range(submitters)]
            await asyncio.gather(*(submit_share(s) for s in shares))
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        statuses = {o.status for o in engine.orders()}
        assert statuses == {OrderStatus.FILLED if fills else OrderStatus.OPEN}, statuses
        assert len(engine.orders()) == count
        if fills:  # the fills reached the books: positions and balances moved
            await engine.flush_records()
            assert any(p.qty for p in engine.positions()), engine.positions()
            balances = {v: dict(b) for v, b in engine.balances().items()}
            assert balances != balances_before, balances
        return count / elapsed, cpu / count * 1e6
    finally:
        await engine.stop()


async def risk_check_us(home: Path, calls: int) -> list[float]:
    engine, _ = await start_engine(home)
    try:
        check = engine.preview_order
        requests = [resting(n) for n in range(64)]
        clock = time.perf_counter_ns
        samples: list[int] = []
        append = samples.append
        for i in range(calls):
            request = requests[i & 63]
            t0 = clock()
            results = check(request)
            append(clock() - t0)
            assert all(r.passed for r in results), results
        return [s / 1000 for s in samples]
    finally:
        await engine.stop()


async def panic_ms(home: Path) -> tuple[float, float]:
    """(call -> every venue verified empty, call -> ``panic`` returned), in ms."""
    engine, papers = await start_engine(home)
    try:
        for start in range(0, PANIC_ORDERS, 50):
            batch = [resting(n) for n in range(start, min(start + 50, PANIC_ORDERS))]
            await asyncio.gather(*(engine.submit_order(r) for r in batch))
        assert len(engine.open_orders()) == PANIC_ORDERS
        verified: dict[str, float] = {}
        for name, venue in papers.items():
            inner = venue.fetch_open_orders

            async def fetch(
                symbol: str | None = None, name: str = name, inner: Any = inner
            ) -> list[Order]:
                orders: list[Order] = await inner(symbol)
                if not orders:
                    verified.setdefault(name, time.perf_counter())
                return orders

            venue.fetch_open_orders = fetch  # type: ignore[method-assign]
        await engine.flush_records()  # the placing's writes are not the panic's
        gc.collect()
        t0 = time.perf_counter()
        report = await engine.panic("benchmark", actor="benchmark")
        call_ms = (time.perf_counter() - t0) * 1000
        assert report.clean and sum(v.canceled for v in report.venues) == PANIC_ORDERS
        assert set(verified) == set(VENUES)
        return (max(verified.values()) - t0) * 1000, call_ms
    finally:
        await engine.stop()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--orders", type=int, default=3_000)
    parser.add_argument("--submitters", type=int, default=16)
    parser.add_argument("--risk-calls", type=int, default=100_000)
    parser.add_argument("--resting", action="store_true", help="orders rest instead of filling")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    seq_rates: list[float] = []
    conc_rates: list[float] = []
    seq_cpu: list[float] = []
    conc_cpu: list[float] = []
    risk_p50: list[float] = []
    risk_p99: list[float] = []
    panic_verified: list[float] = []
    panic_call: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ARBDESK_HOME"] = tmp
        for run in range(args.runs):

            def home(name: str, run: int = run) -> Path:
                path = Path(tmp) / f"{name}-{run}"
                path.mkdir()
                os.environ["ARBDESK_HOME"] = str(path)
                return path

            gc.collect()
            rate, cpu = asyncio.run(orders_per_s(home("seq"), args.orders, 1, not args.resting))
            seq_rates.append(rate)
            seq_cpu.append(cpu)
            gc.collect()
            rate, cpu = asyncio.run(
                orders_per_s(home("conc"), args.orders, args.submitters, not args.resting)
            )
            conc_rates.append(rate)
            conc_cpu.append(cpu)
            gc.collect()
            samples = asyncio.run(risk_check_us(home("risk"), args.risk_calls))
            risk_p50.append(percentile(samples, 50))
            risk_p99.append(percentile(samples, 99))
            gc.collect()
            verified, call = asyncio.run(panic_ms(home("panic")))
            panic_verified.append(verified)
            panic_call.append(call)

    result: dict[str, Any] = {
        "benchmark": "oms",
        "runs": args.runs,
        "orders_per_run": args.orders,
        "submitters": args.submitters,
        "orders_fill": not args.resting,
        "orders_per_s_sequential_median": round(statistics.median(seq_rates)),
        "orders_per_s_sequential_runs": [round(r) for r in seq_rates],
        "orders_per_s_concurrent_median": round(statistics.median(conc_rates)),
        "orders_per_s_concurrent_runs": [round(r) for r in conc_rates],
        "cpu_us_per_order_sequential_median": round(statistics.median(seq_cpu), 1),
        "cpu_us_per_order_concurrent_median": round(statistics.median(conc_cpu), 1),
        "risk_check_us_p50_median": round(statistics.median(risk_p50), 2),
        "risk_check_us_p99_median": round(statistics.median(risk_p99), 2),
        "panic_open_orders": PANIC_ORDERS,
        "panic_ms_to_verified_median": round(statistics.median(panic_verified), 1),
        "panic_ms_to_verified_runs": [round(v, 1) for v in panic_verified],
        "panic_ms_call_median": round(statistics.median(panic_call), 1),
        "target_orders_per_s": TARGET_ORDERS_PER_S,
        "target_orders_per_s_sequential": TARGET_SEQUENTIAL_ORDERS_PER_S,
        "target_risk_p99_us": TARGET_RISK_P99_US,
        "target_panic_ms": TARGET_PANIC_MS,
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
    }
    result["meets_targets"] = (
        result["orders_per_s_sequential_median"] >= TARGET_SEQUENTIAL_ORDERS_PER_S
        and result["orders_per_s_concurrent_median"] >= TARGET_ORDERS_PER_S
        and result["risk_check_us_p99_median"] < TARGET_RISK_P99_US
        and result["panic_ms_to_verified_median"] < TARGET_PANIC_MS
    )
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
