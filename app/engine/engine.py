"""The ``Engine`` façade: what the UI, the CLI and the control channel may call.

It wires the services on one event loop, starts and stops them in order, and offers snapshots.
It runs the same under plain asyncio (headless) and under qasync (GUI): nothing here knows Qt.

The services (risk, OMS, store, portfolio, ...) are private: callers get copies or frozen values
through the public calls below, so no caller can change an order, a limit or a balance behind
the service that owns it. The event bus is private too: ``subscribe`` is the one way in (the UI
bridge is the window's only subscriber); nothing outside the engine publishes on it. Widgets and
the control channel import this through ``app.engine.api`` only.

Every task it starts (the feed, the market-clock timers' callbacks, the health loop, settling,
reconciliation after a reconnect, an automatic halt) runs under one supervisor: a failure is
logged with its trace id and alerted, and a safety task failing twice in a row halts trading.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeVar

from app.core.accounting import Balance, Position
from app.core.bus import EventBus
from app.core.events import (
    Alert,
    AlertLevel,
    EquityUpdated,
    PrivateStreamChanged,
    TradingStateChanged,
    VenueState,
    VenueStatusChanged,
)
from app.core.instruments import Instrument, InstrumentId
from app.core.money import money_str
from app.core.opportunities import Opportunity
from app.core.orders import Order, OrderRequest
from app.core.panic import PanicReport
from app.core.quotes import Quote
from app.core.trading_state import TradingState
from app.credentials import credential_store_from_env
from app.engine.accounts import AccountService, CredentialsReload
from app.engine.alert_calls import AlertCalls
from app.engine.alerting import AlertingService
from app.engine.audit import AuditLog
from app.engine.bot_calls import BotCalls
from app.engine.bots.manager import BotManager
from app.engine.capital import Capital
from app.engine.deadlines import Deadlines
from app.engine.execution import Executor
from app.engine.health import Health, LoopLag, VenueHealth
from app.engine.market_scope import MarketScope
from app.engine.market_timer import MarketTimers, TimerCallback
from app.engine.marketdata import MarketData, MarketDataStats
from app.engine.opportunities import OpportunityService, OpportunityStats
from app.engine.orders.killswitch import KillSwitch
from app.engine.orders.oms import OrderManager
from app.engine.orders.reconcile import ReconciliationReport
from app.engine.orders.risk import CheckResult, RiskEngine
from app.engine.portfolio import Exposure, Portfolio, PositionView, Valuation
from app.engine.supervisor import Supervisor, TaskHealth
from app.engine.valuation import StableEquivalents
from app.engine.wiring import Market, build_market, replay_path
from app.runtime import paths
from app.runtime.risk_settings import RiskLimits
from app.runtime.settings import Settings
from app.store import repositories as repo
from app.store.engine import sqlite_url
from app.store.records import EquitySnapshot, SpreadSample
from app.store.schema import equity_snapshots, opportunity_samples, spread_samples
from app.store.store import Store
from app.venues.base import PrivateStreaming, Streaming, Venue
from app.venues.gate import Gate
from app.venues.pacing import Holdable

log = logging.getLogger(__name__)
E = TypeVar("E")

BASELINE_KEY = "portfolio.equity_baseline"
VENUE_CLOSE_TIMEOUT_S = 3.0
ALERT_FLUSH_TIMEOUT_S = 3.0
#: Timers whose failure leaves trading unguarded: two failures in a row halt it.
SAFETY_TIMERS = frozenset({"halts", "revalue"})


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """Everything a window shows, copied: holding it keeps no engine internals alive."""

    mode: str
    running: bool
    quotes: tuple[Quote, ...]
    positions: tuple[PositionView, ...]
    exposures: tuple[Exposure, ...]
    valuation: Valuation | None
    venues: tuple[VenueHealth, ...]
    loop_lag: LoopLag
    tasks: tuple[TaskHealth, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderStats:
    """The OMS's counters, copied (the headless summary, tests and benchmarks read them)."""

    orders_total: int
    orders_sent: int
    fills_total: int
    duplicate_fills: int
    overfills: int
    anomalies: int
    cancels_deferred: int
    cancels_refused: int


class Engine(BotCalls, AlertCalls):
    def __init__(
        self,
        settings: Settings,
        *,
        market: Market | None = None,
        store: Store | None = None,
        replay_file: str | None = None,
        duration_s: float | None = None,
    ) -> None:
        self._settings = settings
        self._duration_s = duration_s
        self._bus = EventBus()
        data = paths.data_dir()
        self._market = market or build_market(
            settings, data, replay_file=replay_file, duration_s=duration_s
        )
        self._store = store or Store(settings.store.url or sqlite_url(data / "arbdesk.sqlite"))
        self._feed = self._market.feed
        self._venues = self._market.venues
        self._clock = self._feed.clock
        # baselines (equity, day start, peak) are kept per market: ``market_scope``
        replay = replay_path(settings, replay_file) if settings.market.source == "replay" else None
        self._scope = MarketScope.of(settings.mode, settings.market.source, self._venues, replay)
        self._baseline_key = self._scope.key(BASELINE_KEY)
        self._instruments: dict[InstrumentId, Instrument] = {
            inst.id: inst for inst in self._feed.instruments()
        }
        md = settings.market_data
        # every long-lived task, timer callback and one-shot task runs under it
        self._supervisor = Supervisor(
            self._bus, self._clock.now_ns, on_safety_failure=self._halt_for_failed_task
        )
        # periodic work on the market clock, driven by the quotes (``market_timer``)
        self._timers = MarketTimers(self._clock, guard=self._guard_timer)
        self._market_data = MarketData(
            self._bus,
            self._clock,
            max_quote_age_ms=md.max_quote_age_ms,
            check_interval_ms=md.check_interval_ms,
            spread_sample_interval_ms=md.spread_sample_interval_ms,
            sampler=self._sample_spreads,
            timers=self._timers,
        )
        pf = settings.portfolio
        equivalents = StableEquivalents(tuple(pf.stable_equivalents))
        self._portfolio = Portfolio(
            self._bus,
            self._market_data.book,
            self._instruments,
            currencies=pf.valuation_currencies,
            snapshot_abs=pf.equity_snapshot_abs,
            snapshot_rel=pf.equity_snapshot_rel,
            on_snapshot=self._store_snapshot,
            equivalents=equivalents,
        )
        self._health = Health(
            self._bus,
            lag_interval_ms=settings.health.loop_lag_interval_ms,
            venue_stale_ms=settings.health.venue_stale_ms,
            last_message_ns=self._market_data.venue_last_message_ns,
            now_ns=self._clock.now_ns,
        )
        self._opportunities = OpportunityService(
            self._bus,
            self._instruments,
            settings.scanners,
            clock=self._clock,
            sampler=self._sample_opportunity,
            book=self._market_data.book,
            funding=self._feed.funding_rate,
            equivalents=equivalents,
        )
        self._accounts = AccountService(self._store, credential_store_from_env(data))
        self._audit = AuditLog(self._store)
        self._risk = RiskEngine(
            settings.risk,
            bus=self._bus,
            clock=self._clock,
            store=self._store,
            audit=self._audit,
            instruments=self._instruments,
            book=self._market_data.book,
            portfolio=self._portfolio,
            leverage=settings.paper.leverage,
        )
        self._oms = OrderManager(
            bus=self._bus,
            clock=self._clock,
            store=self._store,
            audit=self._audit,
            risk=self._risk,
            venues=self._venues,
            instruments=self._instruments,
            settings=settings.oms,
            leverage=settings.paper.leverage,
            spawn=self._supervisor.spawn,
            accounts=self._portfolio,
        )
        self._build_bots(settings)
        if isinstance(self._feed, Holdable):
            self._feed.hold_while_busy(self._bots.gate)
        self._killswitch = KillSwitch(
            bus=self._bus,
            clock=self._clock,
            audit=self._audit,
            risk=self._risk,
            oms=self._oms,
            stop_bots=self._stop_bots,
        )
        self._last_reconciliation: ReconciliationReport | None = None
        self._last_panic: PanicReport | None = None
        self._down: set[str] = set()
        self._bus.subscribe(VenueStatusChanged, self._on_venue_status)
        self._bus.subscribe(PrivateStreamChanged, self._on_private_stream)
        # alerts away from the screen: the bus only queues them; the worker sends (``start``)
        self._alerting = AlertingService(
            settings.alerts,
            secrets=self._alert_secret,
            publish=self._bus.publish,
            report=self.day_report,
            trading_state=lambda: self._risk.persisted_state,
        )
        self._bus.subscribe(Alert, self._alerting.on_alert)
        self._bus.subscribe(TradingStateChanged, self._alerting.on_trading_state)
        self._feed_task: asyncio.Task[None] | None = None
        self._started_at = 0.0
        self._stopped_at: float | None = None
        self._baseline_saved = False
        self._halt_task: asyncio.Task[None] | None = None
        self._running = False

    def _build_bots(self, settings: Settings) -> None:
        """Bots above the order path: capital, execution (market-time deadlines), the manager."""
        gate = Gate()
        self._deadlines = Deadlines(self._clock, gate)
        self._capital = Capital(self._free_balance)
        self._executor = Executor(
            submit=self.submit_order,
            cancel=self.cancel_order,
            order=self.order,
            subscribe=self._bus.subscribe,
            quote=self.quote,
            instruments=self._instruments,
            deadlines=self._deadlines,
            clock=self._clock,
            audit=self._audit_step,
        )
        currency = settings.portfolio.valuation_currencies[0]
        prices = self._portfolio.prices
        self._bots = BotManager(
            bus=self._bus,
            clock=self._clock,
            store=self._store,
            book=self._market_data.book,
            instruments=self._instruments,
            capital=self._capital,
            execute=self._executor.execute,
            trading_state=lambda: self._risk.state,
            state_for=self._risk.state_for,
            price=lambda asset: prices.price(asset, currency),
            mark=lambda inst: self._portfolio.mark(inst.venue, inst.symbol),
            funding_rate=self._feed.funding_rate,
            spawn=self._supervisor.spawn,
            release_opportunity=self._opportunities.decisions.release,
            leverage=settings.paper.leverage,
            order=self.order,
            open_orders=self.open_orders,
            deadlines=self._deadlines,
            gate=gate,
        )

    def _free_balance(self, venue: str, asset: str) -> Decimal:
        held = self._portfolio.balances.get(venue, {}).get(asset)
        return held.free if held is not None else Decimal(0)

    def _audit_step(self, actor: str, action: str, detail: dict[str, Any], trace: str) -> None:
        self._audit.record(actor, action, detail, trace_id=trace or None)

    async def _stop_bots(self) -> int:
        return await self._bots.stop_all("panic")

    @property
    def order_gate(self) -> Gate:
        """Held while a bot's step is in flight: a replay at maximum speed waits for it."""
        return self._bots.gate

    @classmethod
    async def create(
        cls,
        settings: Settings,
        *,
        quotes: bool = True,
        replay_file: str | None = None,
        duration_s: float | None = None,
    ) -> Engine:
        """The engine for ``settings``, built in the running loop: a live market loads its
        exchanges' markets first (``LiveSetupError`` says what is wrong). ``quotes=False``:
        the order path alone (``for_orders``)."""
        if settings.market.source == "live":
            from app.engine.live_market import live_market  # ccxt only when it is wanted

            market = await live_market(settings, paths.data_dir())
            return cls(settings, market=market, duration_s=duration_s)
        if not quotes:
            return cls.for_orders(settings)
        return cls(settings, replay_file=replay_file, duration_s=duration_s)

    @classmethod
    def for_orders(cls, settings: Settings) -> Engine:
        """An engine for the order path alone (the shell's kill switch, ``arbdesk resume``): the
        venues are built without their quotes, so a replay's file is not read."""
        return cls(settings, market=build_market(settings, paths.data_dir(), quotes=False))

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Open everything (``open_offline``), let the bots that were running run again (not
        while HALTED), then the feed and the timers."""
        await self.open_offline()
        for venue in self._venues.values():
            if isinstance(venue, PrivateStreaming):
                for name, factory in venue.streams().items():
                    self._supervisor.run(name, factory)
        self._supervisor.run("alerts", self._alerting.run)
        resumed = await self._bots.resume()
        self.start_feed()
        self._schedule_timers()
        self._supervisor.run("market-timers", self._timers.run, safety=True)
        # the executor's waits end on the quotes' market time (the bots' quote handler ticks
        # them); this wall-time poll is for when no quote comes
        self._supervisor.run("deadlines", self._deadlines.run, safety=True)
        self._supervisor.run("health", self._health.run)
        log.info(
            "engine started: %s market, %d venues, %d bots running",
            self._settings.market.source,
            len(self._venues),
            resumed,
        )

    async def open_offline(self) -> None:
        """Open store and venues and reconcile, with no feed and no timers: what the shell's
        panic needs when no instance runs (``app.control.offline``), and the first half of
        ``start``. ``stop()`` closes it, also after a failure half-way (a venue that does not
        connect); ``start_feed()`` may follow when quotes are needed (flattening at market)."""
        await self._open_records()
        for venue in self._venues.values():
            await venue.connect()
        await self.reconcile()
        self._started_at = time.perf_counter()

    async def _open_records(self) -> None:
        """The store, the trading state and the journal; every venue reports to the OMS."""
        await self._store.open()
        self._running = True  # from here on, stop() has something to close
        await self._store.run(repo.ensure_summary_mark)
        saved = await self._store.run(lambda c: repo.get_setting(c, self._baseline_key))
        if isinstance(saved, Mapping):
            self._portfolio.baseline = {k: Decimal(str(v)) for k, v in saved.items()}
            self._baseline_saved = True
        await self._audit.open()
        await self._risk.load(self._scope)
        await self._oms.load()
        await self._bots.load()
        for venue in self._venues.values():
            venue.set_listener(self._oms)

    async def panic_offline(self, reason: str, actor: str = "cli") -> PanicReport:
        """The shell's kill switch when no instance runs: the store, the trading state and the
        venues only (no feed, no timers, no reconciliation first). HALTED is persisted before
        anything else; then each venue is connected and cancelled on its own, so one that
        cannot be reached fails alone and is named in the report. ``stop()`` closes it (and
        flushes the halt's alert: a trader away from the desk learns of a shell's panic too)."""
        await self._open_records()
        self._supervisor.run("alerts", self._alerting.run)
        self._last_panic = await self._killswitch.panic(
            reason, actor=actor, prepare=self._connect_venue
        )
        return self._last_panic

    async def _connect_venue(self, name: str) -> None:
        async with asyncio.timeout(self._settings.oms.venue_timeout_s):
            await self._venues[name].connect()

    def start_feed(self) -> None:
        """Start the market feed of an engine opened with ``open_offline`` (once)."""
        if self._running and self._feed_task is None:
            # not restarted: a simulated or replayed feed cannot resume where it failed (live
            # streams, each restarted by the supervisor, come with the live venues)
            self._feed_task = self._supervisor.run("feed", self._run_feed, restart=False)

    async def _run_feed(self) -> None:
        streams = (
            self._feed.streams(self._market_data.on_quote, self._health.on_status)
            if isinstance(self._feed, Streaming)
            else {}
        )
        if streams:
            # live: each stream is a task of its own, restarted by the supervisor; this one
            # stands for the feed: it ends with the engine, or after ``duration_s`` (live market
            # time is wall time)
            for name, factory in streams.items():
                self._supervisor.run(name, factory)
            if self._duration_s is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(self._duration_s)
            return
        try:
            await self._feed.run(self._market_data.on_quote, self._health.on_status)
        except Exception:
            for venue in self._feed.venues():
                self._health.on_status(venue, VenueState.DOWN, "feed failed")
            raise

    async def wait_feed_done(self, timeout_s: float | None = None) -> bool:
        """Wait until the feed ends (a replay's last quote); False on timeout."""
        if self._feed_task is None:
            return True
        done, _ = await asyncio.wait({self._feed_task}, timeout=timeout_s)
        return bool(done)

    async def stop(self) -> None:
        """Stop in order: bots (no new step; steps in flight end, bounded), feed, timers, venues
        (each bounded by a timeout), then the store."""
        if not self._running:
            return
        self._running = False
        self._stopped_at = time.perf_counter()
        await self._bots.shutdown()  # bots first: no step starts while the rest closes
        self._executor.close()
        self._deadlines.cancel_all()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._feed.close(), VENUE_CLOSE_TIMEOUT_S)
        await self._alerting.flush(ALERT_FLUSH_TIMEOUT_S)  # a last halt still goes out
        await self._supervisor.stop()
        self._revalue()
        await self._oms.close()
        # concurrently: venues that hang cost one timeout in all, not one each
        await asyncio.gather(*(self._close_venue(v) for v in self._venues.values()))
        if self._market.paper_store is not None:
            self._market.paper_store.close()
        await self._save_baseline()
        await self._store.close()
        log.info("engine stopped")

    async def _close_venue(self, venue: Venue) -> None:
        try:
            await asyncio.wait_for(venue.close(), VENUE_CLOSE_TIMEOUT_S)
        except Exception:
            log.warning("venue %s did not close cleanly", venue.name, exc_info=True)

    # -- orders, risk and the kill switch ----------------------------------------------------

    @property
    def trading_state(self) -> TradingState:
        return self._risk.state

    @property
    def trading_reason(self) -> str:
        """Why trading is in its state (the halt's reason; empty when ACTIVE)."""
        return self._risk.reason

    async def set_trading_state(
        self, state: TradingState, reason: str, actor: str = "user"
    ) -> None:
        """ACTIVE, REDUCING (only orders that reduce exposure pass) or HALTED without cancelling
        anything (``panic`` also cancels); persisted before it is announced. Leaving HALTED
        goes through ``reset_halt`` (a fresh reconciliation first)."""
        halted = self._risk.persisted_state is TradingState.HALTED
        if halted and state is not TradingState.HALTED:
            raise ValueError("leaving HALTED goes through reset_halt")
        await self._risk.set_state(state, reason, actor)

    def risk_limits(self) -> RiskLimits:
        return self._risk.settings.limits

    def update_risk_limits(self, **changes: Any) -> RiskLimits:
        """Validated by risk; raises ``ValueError`` naming the field when refused."""
        return self._risk.update_limits(**changes)

    def risk_stats(self) -> dict[str, int]:
        """Rejections per rule since start."""
        return self._risk.stats()

    def orders(self) -> tuple[Order, ...]:
        """Every order the OMS knows (orders are frozen: a copy of the list is a snapshot)."""
        return tuple(self._oms.orders.values())

    def order(self, client_order_id: str) -> Order | None:
        return self._oms.orders.get(client_order_id)

    def order_stats(self) -> OrderStats:
        oms = self._oms
        return OrderStats(
            orders_total=len(oms.orders),
            orders_sent=oms.orders_sent,
            fills_total=oms.fills_total,
            duplicate_fills=oms.duplicate_fills,
            overfills=oms.overfills,
            anomalies=oms.anomalies,
            cancels_deferred=oms.cancels_deferred,
            cancels_refused=oms.cancels_refused,
        )

    async def submit_order(self, request: OrderRequest) -> Order:
        """Risk, then the OMS; raises ``OrderRefused`` naming the rule when risk says no."""
        return await self._oms.submit(request)

    async def submit_manual_order(self, request: OrderRequest) -> Order:
        return await self.submit_order(replace(request, origin="manual"))

    def preview_order(self, request: OrderRequest) -> list[CheckResult]:
        """Which risk checks ``request`` would pass or fail now; sends nothing."""
        return self._oms.preview(request)

    async def reload_credentials(self) -> CredentialsReload:
        """Read every account's keys again (after ``arbdesk keys`` or the Accounts dialog)."""
        return await self._accounts.reload_credentials()

    async def cancel_order(self, client_order_id: str, actor: str = "manual") -> Order:
        return await self._oms.cancel(client_order_id, actor=actor)

    def open_orders(self, venue: str | None = None) -> list[Order]:
        return self._oms.open_orders(venue)

    def accounts(self) -> AccountService:
        """Accounts and keys over the engine's store (the Accounts dialog, ``arbdesk keys``)."""
        return self._accounts

    async def panic(self, reason: str, flatten: bool = False, actor: str = "user") -> PanicReport:
        """The kill switch (DESIGN.md): halt, stop bots, cancel and verify, optionally flatten."""
        self._last_panic = await self._killswitch.panic(reason, flatten=flatten, actor=actor)
        return self._last_panic

    async def reset_halt(self, *, confirm: bool, actor: str = "user") -> ReconciliationReport:
        """Leave HALTED, deliberately: a fresh reconciliation first, ACTIVE only if it passes."""
        if not confirm:
            raise ValueError("leaving HALTED needs confirm=True")
        self._audit.record(actor, "reset_requested", {"from": self._risk.persisted_state})
        report = await self.reconcile(halt_on_mismatch=False)
        if report.ok:
            await self._risk.set_state(TradingState.ACTIVE, "reset after reconciliation", actor)
        else:
            self._audit.record(actor, "reset_refused", {"problems": report.problems()})
        return report

    async def reconcile(
        self, venues: list[str] | None = None, *, halt_on_mismatch: bool = True
    ) -> ReconciliationReport:
        """Compare journal and venues (an OMS operation): each venue is RECONCILING while it is
        compared, the others trade on; HALTED on a mismatch."""
        report = await self._oms.reconcile(venues)
        self._last_reconciliation = report
        self._audit.record(
            "engine", "reconciliation", {"ok": report.ok, "problems": report.problems()}
        )
        if not report.ok:
            message = "reconciliation failed: " + "; ".join(report.problems())
            self._bus.publish(Alert(AlertLevel.CRITICAL, "reconciliation", message))
            if halt_on_mismatch and self._risk.persisted_state is not TradingState.HALTED:
                await self._risk.set_state(TradingState.HALTED, message, "engine")
        return report

    def _on_venue_status(self, event: VenueStatusChanged) -> None:
        if event.state in (VenueState.DOWN, VenueState.CLOSED):
            self._down.add(event.venue)
        elif event.state is VenueState.CONNECTED and event.venue in self._down:
            self._down.discard(event.venue)
            if event.venue in self._venues and self._running:
                self._supervisor.spawn(
                    "reconcile", self._reconcile_quietly([event.venue]), safety=True
                )

    def _on_private_stream(self, event: PrivateStreamChanged) -> None:
        """Orders and fills may have been missed while a private stream was down: after every
        (re)subscribe that venue alone is reconciled (the others trade on)."""
        if event.state is VenueState.DOWN:
            message = f"{event.venue}: {event.detail or 'private stream down'}"
            self._bus.publish(Alert(AlertLevel.WARNING, "venue", message))
        elif event.state is VenueState.CONNECTED and event.venue in self._venues and self._running:
            self._supervisor.spawn("reconcile", self._reconcile_quietly([event.venue]), safety=True)

    async def _reconcile_quietly(self, venues: list[str]) -> None:
        await self.reconcile(venues)

    async def _halt_for_failed_task(self, name: str, message: str) -> None:
        """A safety task failed twice in a row: what it guarded is not guarded any more."""
        await self.panic(message, actor="supervisor")

    def task_health(self) -> tuple[TaskHealth, ...]:
        """Every supervised task: running, restarts, last error (status and the window)."""
        return self._supervisor.health()

    # -- periodic work (market time) ---------------------------------------------------------

    def _schedule_timers(self) -> None:
        """Revaluation, then the automatic halts (they read it), then the searches: each as
        often per market minute at any speed. The market data timers were added with it."""
        self._timers.add("revalue", self._settings.portfolio.revalue_interval_ms, self._on_revalue)
        self._timers.add("halts", self._settings.risk.halts.check_interval_ms, self._check_halts)
        self._opportunities.schedule(self._timers)

    def _check_halts(self, now_ns: int) -> None:
        """The automatic halts; a halt runs the kill switch in a task (one at a time)."""
        if self._halt_task is not None and not self._halt_task.done():
            return
        exposed = self._oms.venues_with_open_orders() | {
            venue for venue, positions in self._portfolio.positions.items() if positions
        }
        reason = self._risk.halt_reason(self._portfolio.last, self._health.venues(), exposed)
        if reason is not None:
            self._bus.publish(Alert(AlertLevel.CRITICAL, "risk", f"automatic halt: {reason}"))
            # the halt holds the order gate: a replay at maximum speed stops at this quote
            # until the kill switch is done, so every run halts at the same place
            self._bots.gate.enter()
            self._halt_task = self._supervisor.spawn("halt", self._halt(reason), safety=True)

    def _on_revalue(self, now_ns: int) -> None:
        self._portfolio.revalue(now_ns)
        self._bots.revalue()
        self._save_baseline_soon()

    def _guard_timer(self, name: str, callback: TimerCallback) -> TimerCallback:
        """Each timer's callback under the supervisor; the automatic halts and the revaluation
        they read are safety tasks (failing twice in a row halts trading)."""
        return self._supervisor.guard(f"timer:{name}", callback, safety=name in SAFETY_TIMERS)

    async def _halt(self, reason: str) -> None:
        try:
            await self.panic(reason, actor="risk")
        finally:
            self._bots.gate.leave()

    def _save_baseline_soon(self) -> None:
        """Queue the first baseline's write (from a timer, which cannot wait for the store)."""
        baseline = self._portfolio.baseline
        if baseline is None or self._baseline_saved or not self._store.is_open:
            return
        value = {k: str(v) for k, v in baseline.items()}
        saved = self._store.submit(repo.set_setting, self._baseline_key, value)
        saved.add_done_callback(_log_failure)
        self._baseline_saved = True

    def _revalue(self) -> Valuation:
        return self._portfolio.revalue(self._clock.now_ns())

    async def _save_baseline(self) -> None:
        baseline = self._portfolio.baseline
        if baseline is None or self._baseline_saved:
            return
        value = {k: str(v) for k, v in baseline.items()}
        await self._store.run(lambda c: repo.set_setting(c, self._baseline_key, value))
        self._baseline_saved = True

    def _sample_spreads(self, quotes: list[Quote]) -> None:
        for quote in quotes:
            self._store.enqueue(spread_samples, repo.spread_sample_row(quote))

    def _sample_opportunity(self, opp: Opportunity) -> None:
        self._store.enqueue(opportunity_samples, repo.opportunity_sample_row(opp))

    def _store_snapshot(self, event: EquityUpdated) -> None:
        for snapshot in repo.equity_snapshots_of(event):
            self._store.enqueue(equity_snapshots, repo.equity_row(snapshot))

    # -- what callers may read ---------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings  # frozen

    @property
    def running(self) -> bool:
        return self._running

    @property
    def last_reconciliation(self) -> ReconciliationReport | None:
        return self._last_reconciliation

    @property
    def last_panic(self) -> PanicReport | None:
        return self._last_panic

    def now_ns(self) -> int:
        """Market time: wall time live, the feed's clock in a simulation or a replay."""
        return self._clock.now_ns()

    def instruments(self) -> Mapping[InstrumentId, Instrument]:
        return MappingProxyType(self._instruments)

    def venue_names(self) -> tuple[str, ...]:
        """The venues orders go to, sorted."""
        return tuple(sorted(self._venues))

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Follow one event type; returns the unsubscribe call. Handlers run on the engine's
        loop and must not block (the UI bridge only queues)."""
        return self._bus.subscribe(event_type, handler)

    def positions(self) -> tuple[Position, ...]:
        """Open derivative positions, by venue then symbol."""
        held = [p for per in self._portfolio.positions.values() for p in per.values()]
        return tuple(sorted(held, key=lambda p: (p.instrument_id.venue, p.instrument_id.symbol)))

    def balances(self) -> Mapping[str, Mapping[str, Balance]]:
        """Balances per venue and asset, copied (``Balance`` is frozen)."""
        return {venue: dict(per) for venue, per in self._portfolio.balances.items()}

    def quote(self, venue: str, symbol: str) -> Quote | None:
        """The latest quote of one instrument, or None before the first."""
        return self._market_data.book.get(venue, symbol)

    def valuation(self) -> Valuation:
        """Equity and PnL valued now (the revaluation timer does this once per interval)."""
        return self._revalue()

    def market_data_stats(self) -> MarketDataStats:
        return self._market_data.stats()

    def opportunity_stats(self) -> OpportunityStats:
        return self._opportunities.stats()

    async def flush_records(self) -> None:
        """Write every queued record (samples, snapshots, journal batch) to the store now."""
        await self._store.flush()

    def snapshot(self) -> EngineSnapshot:
        return EngineSnapshot(
            mode=self._settings.mode,
            running=self._running,
            quotes=tuple(self._market_data.book),
            positions=tuple(self._portfolio.position_views()),
            exposures=tuple(self._portfolio.exposures()),
            valuation=self._portfolio.last,
            venues=tuple(self._health.venues()),
            loop_lag=self._health.loop_lag(),
            tasks=self._supervisor.health(),
        )

    async def spread_history(
        self, venue: str, symbol: str, *, limit: int = 100_000
    ) -> list[SpreadSample]:
        """The latest ``limit`` sampled quotes of one instrument, oldest first (for charts)."""
        await self._store.flush()
        return await self._store.run(
            lambda c: repo.load_spread_samples(c, venue, symbol, limit=limit)
        )

    async def equity_history(self, *, currency: str | None = None) -> list[EquitySnapshot]:
        """Equity snapshots in time order (for the equity chart and daily PnL)."""
        await self._store.flush()
        return await self._store.run(lambda c: repo.load_equity_snapshots(c, currency=currency))

    async def day_report(self) -> dict[str, Any]:
        """The daily summary's report: ``summary()`` with the ``orders``, ``fills`` and
        ``halts`` stored since the previous summary (a restart during the day loses none)."""
        await self._store.flush()
        activity = await self._store.run(repo.activity_since_mark)
        report = self.summary()
        report.update(orders=activity.orders, fills=activity.fills, halts=list(activity.halts))
        return report

    def summary(self) -> dict[str, Any]:
        """The headless run's JSON report."""
        end = self._stopped_at or time.perf_counter()
        duration = max(end - self._started_at, 1e-9) if self._started_at else 0.0
        stats = self._market_data.stats()
        valuation = self._portfolio.last or self._revalue()
        lag = self._health.loop_lag()
        return {
            "mode": self._settings.mode,
            "market": self._settings.market.source,
            "quotes_total": stats.quotes_total,
            "quotes_per_venue": dict(sorted(stats.quotes_per_venue.items())),
            "quote_updates_per_s": round(stats.quotes_total / duration, 1) if duration else 0.0,
            "stale_events": stats.stale_events,
            "crossed_quotes": stats.crossed_quotes,
            "opportunities_per_kind": self._opportunities.per_kind(),
            "orders_total": len(self._oms.orders),
            "bots": dict(sorted(Counter(b.status.value for b in self._bots.views()).items())),
            "fills_total": self._oms.fills_total,
            "trading_state": self._risk.state.value,
            "risk_rejections": self._risk.stats(),
            "equity": {c: money_str(v) for c, v in valuation.equity.items()},
            "pnl": {c: money_str(v) for c, v in valuation.pnl.items()},
            "equity_complete": valuation.complete,
            "equity_snapshots": self._portfolio.snapshots_taken,
            "timer_runs": dict(sorted(self._timers.runs().items())),
            "loop_lag_ms": {"p50": round(lag.p50_ms, 3), "p99": round(lag.p99_ms, 3)},
            "bus_handler_errors": sum(self._bus.errors.values()),
            "task_failures": self._supervisor.failures_total,
            "tasks_active": self._supervisor.active,
            "store_rows_written": self._store.rows_written,
            "duration_s": round(duration, 3),
        }


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("a queued store write failed", exc_info=future.exception())
