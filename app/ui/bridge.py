"""The only link from the engine to the widgets (DESIGN.md, UI).

It is the window's one subscriber to engine events (``Engine.subscribe``: the engine's bus is
private). Its handlers do one thing: remember the latest value per key (a dict store, well under
a microsecond), so a storm of quotes costs the loop almost nothing and never becomes a storm of Qt
signals. A frame timer then flushes what changed, batched, as a few signals: charts at about
15 Hz (a chart's flush and repaint is the costliest of the window's), tables at about 10 Hz,
engine snapshots (positions, exposure, health) at 2 Hz.

The three flushes take turns on one ~60 Hz frame clock, never two in the same frame: each flush
makes its widgets repaint right after it, and Qt paints every dirty widget of the window in one
pass, so flushes that came due together (as free-running timers do, every 100 ms) made one long
stall of the loop instead of a few short ones.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.core.events import (
    Alert,
    FillReceived,
    OrderUpdated,
    QuoteFresh,
    QuoteStale,
    QuoteUpdated,
    TradingStateChanged,
)
from app.core.opportunities import Opportunity
from app.core.orders import Fill, Order
from app.core.panic import PanicReport
from app.core.quotes import Quote
from app.engine.api import BotError, BotUpdated, BotView, Engine
from app.runtime.logs import protect
from app.ui.controller import Controller
from app.ui.log_capture import LogEntry, QueueHandler

log = logging.getLogger(__name__)

FRAME_MS = 17  # the frame clock; each flush has its own frames of it:
CHART_EVERY = 4  # frames 0, 4, 8, ...: charts at ~15 Hz
TABLE_EVERY, TABLE_PHASE = 6, 3  # frames 3, 9, 15, ...: tables at ~10 Hz
SNAPSHOT_EVERY, SNAPSHOT_PHASE = 30, 1  # frames 1, 31, 61, ...: snapshots at ~2 Hz
CHART_HZ = 1000 / (FRAME_MS * CHART_EVERY)
TABLE_HZ = 1000 / (FRAME_MS * TABLE_EVERY)
SNAPSHOT_HZ = 1000 / (FRAME_MS * SNAPSHOT_EVERY)
OPPORTUNITY_TTL_NS = 60_000_000_000  # not seen again for a minute of market time: gone
MAX_CHART_BACKLOG = 200_000


class Bridge(QObject):
    """Subscribes to engine events, keeps the latest state per key, and flushes it on timers."""

    quotes = Signal(object)  # list[Quote]: changed since the last table flush
    stale = Signal(object)  # frozenset[(venue, symbol)]: the stale instruments now
    orders = Signal(object)  # list[Order]
    fills = Signal(object)  # list[Fill]
    opportunities = Signal(object, object)  # list[Opportunity] changed, list[str] keys gone
    log_entries = Signal(object)  # list[LogEntry]
    alert = Signal(object)  # Alert, for desktop notifications
    chart_quotes = Signal(object)  # list[Quote] of the watched instruments, in order
    chart_opportunities = Signal(object)  # list[Opportunity] of the watched key, in order
    fills_live = Signal(object)  # list[Fill] for chart markers (same as ``fills``, chart rate)
    snapshot = Signal(object)  # EngineSnapshot
    trading_state = Signal(object, str)  # TradingState, reason
    panic_report = Signal(object)  # PanicReport
    table_tick = Signal()  # after every table flush (ages move with the clock)
    bots = Signal(object, object)  # list[BotView] changed, list[str] ids gone

    def __init__(self, engine: Engine, controller: Controller) -> None:
        super().__init__()
        self._engine = engine
        self._controller = controller
        self._quotes: dict[tuple[str, str], Quote] = {}
        self._quotes_all: dict[tuple[str, str], Quote] = {}
        self._stale: set[tuple[str, str]] = set()
        self._stale_dirty = False
        self._orders: dict[str, Order] = {}
        self._fills: list[Fill] = []
        self._chart_fills: list[Fill] = []
        self._opps: dict[str, Opportunity] = {}
        self._opps_live: dict[str, Opportunity] = {}
        self._alerts: list[Alert] = []
        self._watched: frozenset[tuple[str, str]] = frozenset()
        self._watched_opp = ""
        self._chart_pending: list[Quote] = []
        self._chart_opps: list[Opportunity] = []
        self._panic: PanicReport | None = None
        self._state_seen: tuple[object, str] | None = None
        self._bots_dirty: set[str] = set()
        self._log = QueueHandler()
        protect(self._log)  # the panel shows records only after redaction
        self._seq = 0
        self._unsubscribe: list[Any] = []
        self._frame = 0
        self._clock = QTimer(self)
        self._clock.setTimerType(Qt.TimerType.PreciseTimer)  # coarse timers drift into step
        self._clock.setInterval(FRAME_MS)
        self._clock.timeout.connect(self._tick)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        subs: list[tuple[type, Any]] = [
            (QuoteUpdated, self._on_quote),
            (QuoteStale, self._on_stale),
            (QuoteFresh, self._on_fresh),
            (OrderUpdated, self._on_order),
            (FillReceived, self._on_fill),
            (Opportunity, self._on_opportunity),
            (Alert, self._alerts.append),
            (TradingStateChanged, self._on_state),
            (PanicReport, self._on_panic),
            (BotUpdated, self._on_bot),
        ]
        self._unsubscribe = [self._engine.subscribe(kind, handler) for kind, handler in subs]
        for order in self._controller.orders():
            self._orders[order.client_order_id] = order
        logging.getLogger().addHandler(self._log)
        self._frame = 0
        self._clock.start()

    def stop(self) -> None:
        self._clock.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        logging.getLogger().removeHandler(self._log)

    # -- what charts follow -------------------------------------------------------------------

    def watch(self, instruments: set[tuple[str, str]], opportunity_key: str = "") -> None:
        """Instruments whose every quote the spread chart gets; and an opportunity's key."""
        self._watched = frozenset(instruments)
        self._watched_opp = opportunity_key
        self._chart_pending.clear()
        self._chart_opps.clear()

    def latest_quote(self, venue: str, symbol: str) -> Quote | None:
        key = (venue, symbol)
        return self._quotes.get(key) or self._quotes_all.get(key)

    def latest_opportunity(self, key: str) -> Opportunity | None:
        return self._opps_live.get(key)

    # -- bus handlers: remember, nothing else ---------------------------------------------------

    def _on_quote(self, event: QuoteUpdated) -> None:
        quote = event.quote
        key = (quote.venue, quote.symbol)
        self._quotes[key] = quote
        if key in self._watched:
            self._chart_pending.append(quote)

    def _on_stale(self, event: QuoteStale) -> None:
        self._stale.add((event.venue, event.symbol))
        self._stale_dirty = True

    def _on_fresh(self, event: QuoteFresh) -> None:
        self._stale.discard((event.venue, event.symbol))
        self._stale_dirty = True

    def _on_order(self, event: OrderUpdated) -> None:
        self._orders[event.order.client_order_id] = event.order

    def _on_fill(self, event: FillReceived) -> None:
        self._fills.append(event.fill)
        self._chart_fills.append(event.fill)

    def _on_opportunity(self, opp: Opportunity) -> None:
        self._opps[opp.key] = opp
        if opp.key == self._watched_opp:
            self._chart_opps.append(opp)

    def _on_state(self, event: TradingStateChanged) -> None:
        self._state_seen = None  # re-read at the next flush: the engine's view is the truth

    def _on_panic(self, report: PanicReport) -> None:
        self._panic = report

    def _on_bot(self, event: BotUpdated) -> None:
        self._bots_dirty.add(event.bot_id)

    # -- flushes ---------------------------------------------------------------------------------

    def _tick(self) -> None:
        """One frame: at most one flush (see the module's docstring)."""
        frame = self._frame
        self._frame = frame + 1
        due = flush_due(frame)
        if due == "charts":
            self.flush_charts()
        elif due == "tables":
            self.flush_tables()
        elif due == "snapshot":
            self.flush_snapshot()

    def flush_tables(self) -> None:
        if self._quotes:
            changed = list(self._quotes.values())
            self._quotes_all.update(self._quotes)
            self._quotes = {}
            self.quotes.emit(changed)
        if self._stale_dirty:
            self._stale_dirty = False
            self.stale.emit(frozenset(self._stale))
        if self._orders:
            orders = list(self._orders.values())
            self._orders = {}
            self.orders.emit(orders)
        if self._fills:
            fills, self._fills = self._fills, []
            self.fills.emit(fills)
        self._flush_opportunities()
        self._flush_log()
        self._flush_state()
        self._flush_bots()
        if self._panic is not None:
            report, self._panic = self._panic, None
            self.panic_report.emit(report)
        self.table_tick.emit()

    def flush_charts(self) -> None:
        if self._chart_pending:
            pending, self._chart_pending = self._chart_pending, []
            self.chart_quotes.emit(pending[-MAX_CHART_BACKLOG:])
        if self._chart_opps:
            opps, self._chart_opps = self._chart_opps, []
            self.chart_opportunities.emit(opps)
        if self._chart_fills:
            fills, self._chart_fills = self._chart_fills, []
            self.fills_live.emit(fills)

    def flush_snapshot(self) -> None:
        self.snapshot.emit(self._controller.snapshot())

    def _flush_opportunities(self) -> None:
        changed = list(self._opps.values())
        self._opps = {}
        for opp in changed:
            self._opps_live[opp.key] = opp
        now = self._controller.now_ns()
        gone = [k for k, o in self._opps_live.items() if now - o.ts_ns > OPPORTUNITY_TTL_NS]
        for key in gone:
            del self._opps_live[key]
        if changed or gone:
            self.opportunities.emit(changed, gone)

    def _flush_log(self) -> None:
        entries: list[LogEntry] = []
        for record in self._log.drain():
            self._seq += 1
            try:
                message = record.getMessage()
            except Exception:  # a bad format string must not break the window
                message = str(record.msg)
            entries.append(
                LogEntry(self._seq, record.created, record.levelname, record.name, message)
            )
        if self._alerts:
            alerts, self._alerts = self._alerts, []
            for alert in alerts:
                self._seq += 1
                entries.append(
                    LogEntry(
                        self._seq,
                        time.time(),
                        alert.level.value.upper(),
                        alert.source,
                        alert.message,
                        alert=True,
                    )
                )
                self.alert.emit(alert)
        if entries:
            self.log_entries.emit(entries)

    def _flush_bots(self) -> None:
        """The bots that changed, read once per flush however often they were announced."""
        if not self._bots_dirty:
            return
        dirty, self._bots_dirty = self._bots_dirty, set()
        changed: list[BotView] = []
        gone: list[str] = []
        for bot_id in sorted(dirty):
            try:
                changed.append(self._controller.bot(bot_id))
            except BotError:  # deleted since
                gone.append(bot_id)
        self.bots.emit(changed, gone)

    def _flush_state(self) -> None:
        state = (self._controller.trading_state, self._controller.state_reason)
        if state != self._state_seen:
            self._state_seen = state
            self.trading_state.emit(state[0], state[1])

    # -- for late joiners ------------------------------------------------------------------------

    @property
    def all_quotes(self) -> dict[tuple[str, str], Quote]:
        """The latest quote of every instrument seen so far."""
        return {**self._quotes_all, **self._quotes}


def flush_due(frame: int) -> str | None:
    """Which flush a frame of the frame clock runs: ``charts``, ``tables``, ``snapshot`` or none."""
    if frame % CHART_EVERY == 0:
        return "charts"
    if frame % TABLE_EVERY == TABLE_PHASE:
        return "tables"
    if frame % SNAPSHOT_EVERY == SNAPSHOT_PHASE:
        return "snapshot"
    return None
