"""``arbdesk replay FILE --bots CONFIG.toml``: bots over a recording on the real engine; a report.

A backtest on the same engine that trades live: the recording feeds paper venues, the bots of the
TOML file are created and started through the engine's public calls, and every order goes through
risk, the OMS and the paper venues' matching. It runs in a throwaway data folder (store and paper
books), so the user's own records are never touched and every run starts from the same balances.

Deterministic at ``--speed max`` (the default): the feed is held at its first quote until the
bots run, then waits at each quote while a bot's step is in flight (``Engine.order_gate``), so two
runs of the same file and bots decide the same things at the same quotes and print the same
report apart from the timing fields (``updates_per_s``, ``duration_s``).

A bot's ``max_drawdown`` and ``peak_exposure`` follow its valuation, which the engine takes at
every revaluation (``portfolio.revalue_interval_ms`` of market time) while the bot holds
something; the final figures are valued at the end of the recording.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.cli import exit_codes
from app.cli.feed_errors import replay_error
from app.core.events import QuoteUpdated
from app.core.money import money_str
from app.core.panic import PanicReport
from app.core.trading_state import TradingState
from app.engine.api import BotError, BotView, Engine
from app.engine.bots.config import BotConfigError, BotSpec, check_instruments, load_bots_file
from app.engine.wiring import build_market
from app.runtime import paths
from app.runtime.logs import configure_logging
from app.runtime.settings import Settings
from app.runtime.settings_loader import SettingsError, load_settings
from app.store.engine import sqlite_url
from app.store.store import Store
from app.venues.replay_file import ReplayFileError

log = logging.getLogger(__name__)

#: Wall seconds to wait at the end for a kill switch an automatic halt started.
PANIC_WAIT_S = 30.0
#: Fields of the report that depend on wall time (everything else is the same run to run).
TIMING_FIELDS = ("updates_per_s", "duration_s")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "replay",
        help="bots over a recorded file on the real engine, deterministic; a report",
        description="Replay a recorded BBO file (.csv or .csv.gz) with the bots of a TOML file "
        "on paper venues in a throwaway data folder, and report each bot's orders and PnL.",
    )
    p.add_argument("file", metavar="FILE", help="recorded BBO file (.csv or .csv.gz)")
    p.add_argument(
        "--bots", required=True, metavar="CONFIG.toml", help="the bots: one [[bots]] table each"
    )
    p.add_argument(
        "--speed",
        type=_speed,
        default="max",
        help='market seconds per second, or "max" (the default; deterministic)',
    )
    p.add_argument("--settings", help="settings file instead of the platform's settings.toml")
    p.add_argument("--json", action="store_true", help="print the report as one JSON line")
    p.set_defaults(func=main)


def _speed(text: str) -> float | str:
    if text == "max":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'not a number or "max": {text!r}') from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


@dataclass(frozen=True, slots=True)
class RunFigures:
    """What a run measured besides the bots: quotes handled, wall seconds, final figures."""

    updates: int
    wall_s: float
    bots: tuple[BotView, ...]
    summary: dict[str, Any]


async def run(
    engine: Engine,
    specs: Sequence[BotSpec],
    on_started: Callable[[Engine], None] | None = None,
) -> RunFigures:
    """Start the engine with the feed held at its first quote, create and start the bots, let
    the recording play to its end, wait for the order path (and a kill switch an automatic halt
    started), stop, and read the bots.

    ``on_started`` is called once the engine has started, before the bots exist (the benchmark
    subscribes its probes there)."""
    gate = engine.order_gate
    gate.enter()  # the feed stops after its first quote until the bots run
    held = True
    panicked = asyncio.Event()
    unsubscribe_panic = engine.subscribe(PanicReport, lambda _: panicked.set())
    try:
        await engine.start()
        if on_started is not None:
            on_started(engine)
        first = asyncio.Event()
        unsubscribe_first = engine.subscribe(QuoteUpdated, lambda _: first.set())
        if engine.market_data_stats().quotes_total:
            first.set()  # the first quote came before the subscription
        feed = asyncio.ensure_future(engine.wait_feed_done())
        started = asyncio.ensure_future(first.wait())
        await asyncio.wait({feed, started}, return_when=asyncio.FIRST_COMPLETED)
        started.cancel()
        unsubscribe_first()
        for spec in specs:
            await engine.create_bot(spec.kind, spec.params, spec.id)
            await engine.start_bot(spec.id)
        t0 = time.perf_counter()
        gate.leave()
        held = False
        await feed
        await gate.idle()
        if engine.trading_state is TradingState.HALTED and not panicked.is_set():
            # an automatic halt's kill switch is still stopping the bots: at maximum speed the
            # feed can end first, and the report must not depend on which finished first
            # (no bot can start a step from the halt's first instant on)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(panicked.wait(), PANIC_WAIT_S)
        wall_s = time.perf_counter() - t0
        updates = engine.market_data_stats().quotes_total
    finally:
        if held:
            gate.leave()
        unsubscribe_panic()
        await engine.stop()
    return RunFigures(updates, wall_s, engine.bots(), engine.summary())


def report(figures: RunFigures, currency: str) -> dict[str, Any]:
    """The JSON report: money as decimal strings in ``currency``; timing in TIMING_FIELDS."""
    s = figures.summary
    return {
        "updates": figures.updates,
        "updates_per_s": round(figures.updates / figures.wall_s, 1) if figures.wall_s else 0.0,
        "duration_s": round(figures.wall_s, 3),
        "currency": currency,
        "trading_state": s["trading_state"],
        "orders_total": s["orders_total"],
        "fills_total": s["fills_total"],
        "bots": [bot_report(view) for view in figures.bots],
    }


def bot_report(view: BotView) -> dict[str, Any]:
    pnl = view.pnl
    return {
        "id": view.id,
        "kind": view.kind,
        "state": f"{view.status.value}:{view.phase}",
        "cycles": view.cycle - 1,
        "orders": view.orders,
        "trades": pnl.trades,
        "volume_quote": money_str(pnl.volume_quote),
        "fees": money_str(pnl.fees),
        "funding": money_str(pnl.funding),
        "realized_pnl": money_str(pnl.realized),
        "unrealized_pnl": money_str(pnl.unrealized),
        "pnl": money_str(pnl.total),
        "valued": pnl.complete,
        "max_drawdown": money_str(pnl.max_drawdown),
        "peak_exposure": money_str(pnl.peak_exposure),
        "leg_risk_events": view.leg_risk_events,
        "position": view.position,
        "last_event": view.last_event,
    }


def table(data: dict[str, Any]) -> str:
    """The report for a terminal: the run's figures, then one row per bot."""
    lines = [
        f"updates {data['updates']:,} at {data['updates_per_s']:,.0f}/s "
        f"({data['duration_s']} s); orders {data['orders_total']}, fills {data['fills_total']}; "
        f"trading {data['trading_state']} at the end",
        "",
    ]
    columns = (
        ("id", "id"),
        ("kind", "kind"),
        ("state", "state"),
        ("cycles", "cycles"),
        ("orders", "orders"),
        ("trades", "trades"),
        ("volume", "volume_quote"),
        ("fees", "fees"),
        ("funding", "funding"),
        ("realized", "realized_pnl"),
        ("unrealized", "unrealized_pnl"),
        ("pnl", "pnl"),
        ("max dd", "max_drawdown"),
        ("peak exp", "peak_exposure"),
        ("leg risk", "leg_risk_events"),
    )
    rows = [[title for title, _ in columns]]
    rows += [[_cell(bot[key]) for _, key in columns] for bot in data["bots"]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    for n, row in enumerate(rows):
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in pairs]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(f"money in {data['currency']}; positions left:")
    lines += [f"  {bot['id']}: {bot['position'] or 'flat'}" for bot in data["bots"]]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, str):
        try:
            return f"{float(value):,.2f}" if value.lstrip("-")[:1].isdigit() else value
        except ValueError:
            return value
    return str(value)


def replay_settings(args: argparse.Namespace) -> Settings:
    """The user's settings (or ``--settings``) with the replay's own market, store and paper
    books: the run's data folder is its own."""
    overrides: dict[str, Any] = {
        "market": {"source": "replay", "speed": args.speed},
        "replay": {"file": str(args.file)},
        "store": {"url": ""},
        "paper": {"state_file": "paper.sqlite"},
    }
    return load_settings(Path(args.settings) if args.settings else None, overrides)


def main(args: argparse.Namespace) -> int:
    try:
        settings = replay_settings(args)
    except SettingsError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.BAD_SETTINGS
    try:
        specs = load_bots_file(args.bots)
    except BotConfigError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.BAD_SETTINGS
    # the replay's log is its own file beside the app's (its steps are not the app's history)
    log_file = configure_logging(settings.logging.level, paths.log_dir() / "replay", console=False)
    with tempfile.TemporaryDirectory(prefix="arbdesk-replay-") as tmp:
        data = Path(tmp)
        try:
            market = build_market(settings, data, replay_file=str(args.file))
        except ReplayFileError as exc:
            print(f"arbdesk: {exc}", file=sys.stderr)
            return exit_codes.BAD_DATA
        store = Store(sqlite_url(data / "arbdesk.sqlite"))
        engine = Engine(settings, market=market, store=store, replay_file=str(args.file))
        try:
            check_instruments(specs, engine.instruments(), args.bots)
        except BotConfigError as exc:
            print(f"arbdesk: {exc}", file=sys.stderr)
            return exit_codes.BAD_SETTINGS
        try:
            figures = asyncio.run(run(engine, specs))
        except KeyboardInterrupt:
            return exit_codes.FAILED
        except BotError as exc:  # what the file check cannot know (e.g. trading HALTED)
            print(f"arbdesk: {args.bots}: {exc}", file=sys.stderr)
            return exit_codes.BAD_SETTINGS
        except Exception as exc:
            log.exception("replay failed")
            print(f"arbdesk: the replay failed: {exc} (log: {log_file})", file=sys.stderr)
            return exit_codes.FAILED
    data_out = report(figures, settings.portfolio.valuation_currencies[0])
    if args.json:
        print(json.dumps(data_out, sort_keys=False))
    else:
        print(table(data_out))
    if data_error := replay_error(engine):
        print(f"arbdesk: {data_error} (the replay stopped there)", file=sys.stderr)
        return exit_codes.BAD_DATA
    return exit_codes.OK
