"""The risk engine: the trading state, the pre-trade gate, and the automatic halts.

The persisted state (ACTIVE / REDUCING / HALTED) is written to the store *before* anyone is told,
so a crash right after a halt still starts halted. RECONCILING overlays it, per venue, while the
OMS compares that venue's records (``state_for``: orders to the other venues go on). Risk is a
stage: each check gets a read-only view of the orders already out (the OMS's ledger) and holds
no reference back to the OMS. Every rejection names its rule and the numbers and is counted per
rule.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import RiskRejected, TradingStateChanged, VenueState
from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO
from app.core.orders import OrderRequest
from app.core.quotes import QuoteBook
from app.core.token_bucket import TokenBucket
from app.core.trading_state import TradingState
from app.engine.audit import AuditLog
from app.engine.health import VenueHealth
from app.engine.market_scope import MarketScope
from app.engine.orders.checks import CHECKS, ESSENTIAL_CHECKS, BotUsage, RiskInputs, worst_price
from app.engine.portfolio import Portfolio, Valuation
from app.runtime.risk_settings import RiskLimits, RiskSettings
from app.store import repositories as repo
from app.store.store import Store

log = logging.getLogger(__name__)

STATE_KEY = "risk.trading_state"
DAY_KEY = "risk.day_start"
PEAK_KEY = "risk.peak_equity"


@dataclass(frozen=True, slots=True)
class Rejection:
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True, slots=True)
class CheckResult:
    rule: str
    passed: bool
    message: str = ""


class OpenOrders(Protocol):
    """What the OMS tells risk about orders already out: account-wide, or of one ``origin``
    (``bot:<id>``), every read O(1)."""

    def open_count(self, origin: str | None = None) -> int: ...

    def open_count_for(self, venue: str, symbol: str, origin: str | None = None) -> int: ...

    def open_qty_for(self, origin: str, venue: str, symbol: str) -> Decimal:
        """Net quantity of the origin's open orders on the instrument (buys +, sells -)."""
        ...

    def open_notional(self, origin: str) -> Mapping[str, Decimal]:
        """Quantity x limit price of the origin's open orders, per quote currency."""
        ...

    def in_flight(self, venue: str) -> Mapping[str, Decimal]: ...

    def venues_with_open_orders(self) -> set[str]: ...


class NoOrders:
    """The view when no order is out (a preview with no OMS, tests of the checks alone)."""

    def open_count(self, origin: str | None = None) -> int:
        return 0

    def open_count_for(self, venue: str, symbol: str, origin: str | None = None) -> int:
        return 0

    def open_qty_for(self, origin: str, venue: str, symbol: str) -> Decimal:
        return ZERO

    def open_notional(self, origin: str) -> Mapping[str, Decimal]:
        return {}

    def in_flight(self, venue: str) -> Mapping[str, Decimal]:
        return {}

    def venues_with_open_orders(self) -> set[str]:
        return set()


_ONE = Decimal(1)


def _order_bucket(limits: RiskLimits, now: int) -> TokenBucket:
    return TokenBucket(limits.order_rate_per_s, limits.order_burst, now)


class RiskEngine:
    def __init__(
        self,
        settings: RiskSettings,
        *,
        bus: EventBus,
        clock: Clock,
        store: Store,
        audit: AuditLog,
        instruments: Mapping[InstrumentId, Instrument],
        book: QuoteBook,
        portfolio: Portfolio,
        leverage: Decimal,
    ) -> None:
        self.settings = settings
        self._bus = bus
        self._clock = clock
        self._store = store
        self._audit = audit
        self._instruments = instruments
        self._book = book
        self._portfolio = portfolio
        self._leverage = leverage
        self._persisted = TradingState.ACTIVE
        self.reason = ""
        self._reconciling: set[str] = set()  # venues being reconciled now
        self._halting = False  # the kill switch pulled, HALTED not yet persisted
        self.rejections: Counter[str] = Counter()
        self._recent_rejections: deque[int] = deque()
        self._order_buckets: dict[str, TokenBucket] = {}  # per venue: the account's rate
        self._bot_buckets: dict[tuple[str, str], TokenBucket] = {}  # per (venue, bot origin)
        self._cancel_buckets: dict[str, TokenBucket] = {}
        self._recent_orders: dict[tuple[str, str, str, Decimal, Decimal | None, str, str], int] = {}
        self._limits_cache: dict[str, RiskLimits] = {}
        self._down_since: dict[str, int] = {}
        self._day: tuple[str, Decimal] | None = None
        self._peak: Decimal | None = None
        self._day_key, self._peak_key = DAY_KEY, PEAK_KEY  # per market once loaded

    # -- state ---------------------------------------------------------------------------------

    @property
    def state(self) -> TradingState:
        """The state shown: RECONCILING while any venue is being reconciled."""
        if self._halting or self._persisted is TradingState.HALTED:
            return TradingState.HALTED
        if self._reconciling:
            return TradingState.RECONCILING
        return self._persisted

    def state_for(self, venue: str) -> TradingState:
        """The state an order to ``venue`` meets: reconciling one venue stops only that one."""
        if self._halting or self._persisted is TradingState.HALTED:
            return TradingState.HALTED
        if venue in self._reconciling:
            return TradingState.RECONCILING
        return self._persisted

    @property
    def reconciling(self) -> frozenset[str]:
        return frozenset(self._reconciling)

    def begin_halt(self) -> None:
        """Refuse new exposure from this instant, before HALTED is persisted (the kill switch)."""
        self._halting = True

    @property
    def persisted_state(self) -> TradingState:
        return self._persisted

    async def load(self, market: MarketScope | None = None) -> None:
        """The persisted state; the day start and peak of ``market`` (they mean nothing in
        another market: ``market_scope``)."""
        if market is not None:
            self._day_key, self._peak_key = market.key(DAY_KEY), market.key(PEAK_KEY)
        saved = await self._store.run(repo.get_setting, STATE_KEY)
        if isinstance(saved, Mapping):
            self._persisted = TradingState(str(saved.get("state", "ACTIVE")))
            self.reason = str(saved.get("reason", ""))
        day = await self._store.run(repo.get_setting, self._day_key)
        if isinstance(day, Mapping):
            self._day = (str(day["day"]), Decimal(str(day["equity"])))
        peak = await self._store.run(repo.get_setting, self._peak_key)
        if peak is not None:
            self._peak = Decimal(str(peak))

    async def set_state(self, state: TradingState, reason: str, actor: str = "engine") -> None:
        """Persist first, then tell everyone."""
        if state is TradingState.RECONCILING:
            raise ValueError("RECONCILING is shown, never persisted")
        now = self._clock.now_ns()
        value = {"state": state.value, "reason": reason, "ts_ns": now}
        await self._store.run(repo.set_setting, STATE_KEY, value)
        before = self._persisted
        self._persisted = state
        self._halting = False
        self.reason = reason
        self._audit.record(actor, "trading_state", {"from": before, "to": state, "reason": reason})
        log.warning("trading state %s -> %s: %s", before, state, reason)
        self._bus.publish(TradingStateChanged(self.state, reason, now))

    def set_reconciling(self, venue: str, on: bool) -> None:
        before = self.state
        if on:
            self._reconciling.add(venue)
        else:
            self._reconciling.discard(venue)
        if self.state is not before:
            self._bus.publish(
                TradingStateChanged(self.state, "reconciliation", self._clock.now_ns())
            )

    # -- the gate ------------------------------------------------------------------------------

    def update_limits(self, **changes: Any) -> RiskLimits:
        """Change global limits at run time (the window's risk panel); validated as a whole.

        Raises ``ValueError`` (pydantic's ``ValidationError``) naming the field when a value is
        refused, and then nothing changes. The rate buckets are rebuilt with the new rates.
        """
        current = self.settings.limits.model_dump()
        unknown = sorted(set(changes) - set(current))
        if unknown:
            raise ValueError(f"unknown risk limit: {', '.join(unknown)}")
        limits = RiskLimits.model_validate({**current, **changes})
        self.settings = self.settings.model_copy(update={"limits": limits})
        self._limits_cache.clear()
        self._order_buckets.clear()
        self._bot_buckets.clear()
        self._cancel_buckets.clear()
        self._audit.record("user", "risk_limits", {k: str(v) for k, v in changes.items()})
        log.warning("risk limits changed: %s", ", ".join(f"{k}={v}" for k, v in changes.items()))
        return limits

    def limits_for(self, origin: str) -> RiskLimits:
        cached = self._limits_cache.get(origin)
        if cached is not None:
            return cached
        limits = self.settings.limits
        bot = origin.split(":", 1)[1] if origin.startswith("bot:") else None
        override = self.settings.per_bot.get(bot) if bot else None
        if override is not None:
            changes = {k: v for k, v in override.model_dump().items() if v is not None}
            limits = limits.model_copy(update=changes)
        self._limits_cache[origin] = limits
        return limits

    def _inputs(self, request: OrderRequest, orders: OpenOrders, now_ns: int) -> RiskInputs:
        venue, symbol, origin = request.venue, request.symbol, request.origin
        inst = self._instruments.get(InstrumentId(venue, symbol))
        prices = self._portfolio.prices
        to_val = None
        if inst is not None:
            to_val = (
                _ONE
                if inst.quote == self._portfolio.currencies[0]
                else (prices.price(inst.quote, self._portfolio.currencies[0]) if prices else None)
            )
        own = None
        if origin.startswith("bot:"):
            own = BotUsage(
                orders.open_count(origin),
                orders.open_count_for(venue, symbol, origin),
                orders.open_qty_for(origin, venue, symbol),
                self._valued(orders.open_notional(origin)),
            )
        return RiskInputs(
            request=request,
            limits=self.limits_for(origin),
            account_limits=self.settings.limits,
            state=self.state_for(venue),
            instrument=inst,
            quote=self._book.get(venue, symbol),
            now_ns=now_ns,
            to_valuation=to_val,
            position=self._portfolio.positions.get(venue, {}).get(symbol),
            balances=self._portfolio.balances.get(venue, {}),
            gross_exposure=self._portfolio.gross_exposure,
            open_orders=orders.open_count(),
            open_orders_instrument=orders.open_count_for(venue, symbol),
            reserved=orders.in_flight(venue),
            leverage=self._leverage,
            own=own,
        )

    def _valued(self, amounts: Mapping[str, Decimal]) -> Decimal | None:
        """``amounts`` per currency as one amount in the valuation currency (None: a currency
        with a non-zero amount has no price)."""
        valuation = self._portfolio.currencies[0]
        prices = self._portfolio.prices
        total = ZERO
        for currency, amount in amounts.items():
            if not amount:
                continue
            if currency == valuation:
                total += amount
                continue
            rate = prices.price(currency, valuation) if prices else None
            if rate is None:
                return None
            total += amount * rate
        return total

    def check(self, request: OrderRequest, orders: OpenOrders) -> Rejection | None:
        """The gate every order passes; a passing order takes a token of its venue's rate.
        ``orders`` is a read-only view of the orders already out (the OMS's).

        A bot's order (origin ``bot:<id>``) also takes a token of its own bucket on that venue,
        at the bot's rate (its ``per_bot`` override): one bot's rate no longer throttles the
        others, and the venue's bucket, at the global rate, still bounds them all. Both tokens
        or neither. The duplicate-order key includes the origin: two bots may send the same
        order. Per-bot usage limits: ``checks``.

        The kill switch's own reduce-only orders pass only the essential checks: a limit meant
        to cap new risk must never keep a position from being closed.
        """
        now = self._clock.now_ns()
        inputs = self._inputs(request, orders, now)
        if request.origin == "panic" and request.reduce_only:
            for rule, check in ESSENTIAL_CHECKS:
                message = check(inputs)
                if message is not None:
                    return self._reject(request, rule, message, now)
            return None
        for rule, check in CHECKS:
            message = check(inputs)
            if message is not None:
                return self._reject(request, rule, message, now)
        venue, origin = request.venue, request.origin
        # a bot's steps are deliberate and distinct (its trace id): only a repeat within one
        # step, or a manual double-click, is a duplicate
        key = (
            venue,
            request.symbol,
            request.side.value,
            request.quantity,
            request.price,
            origin,
            request.trace_id,
        )
        window = inputs.limits.duplicate_window_ms * 1_000_000
        last = self._recent_orders.get(key)
        if window and last is not None and now - last < window:
            ms = (now - last) / 1e6
            return self._reject(
                request,
                "duplicate_order",
                f"same order {ms:.0f} ms ago (window {inputs.limits.duplicate_window_ms} ms)",
                now,
            )
        bot_bucket = None
        if inputs.own is not None:
            bot_bucket = self._bot_buckets.get((venue, origin))
            if bot_bucket is None:
                bot_bucket = self._bot_buckets[(venue, origin)] = _order_bucket(inputs.limits, now)
            if bot_bucket.available(now) < 1.0:
                rate = inputs.limits.order_rate_per_s
                message = f"over {rate:g} orders/s on {venue} for {origin}"
                return self._reject(request, "order_rate", message, now)
        limits = self.settings.limits
        if not self._bucket(self._order_buckets, venue, limits, now, cancel=False).try_take(now):
            rate = limits.order_rate_per_s
            return self._reject(request, "order_rate", f"over {rate:g} orders/s on {venue}", now)
        if bot_bucket is not None:
            bot_bucket.try_take(now)  # it has the token: seen above at the same instant
        if window:
            self._recent_orders[key] = now
            if len(self._recent_orders) > 4096:
                self._forget_old_orders(now, window)
        return None

    def preview(self, request: OrderRequest, orders: OpenOrders) -> list[CheckResult]:
        """Every check's verdict, for the order ticket; changes nothing, counts nothing."""
        inputs = self._inputs(request, orders, self._clock.now_ns())
        results = []
        for rule, check in CHECKS:
            message = check(inputs)
            results.append(CheckResult(rule, message is None, message or ""))
        return results

    def worst_price(self, request: OrderRequest) -> Decimal | None:
        """The price a market order is held at while in flight: the far edge of the price band
        from the current quote (None with no quote: then it holds nothing, and the
        ``quote_fresh`` check has already refused it)."""
        return worst_price(self._inputs(request, NoOrders(), self._clock.now_ns()))

    def check_cancel(self, venue: str) -> Rejection | None:
        now = self._clock.now_ns()
        limits = self.settings.limits
        if not self._bucket(self._cancel_buckets, venue, limits, now, cancel=True).try_take(now):
            self.rejections["cancel_rate"] += 1
            return Rejection(
                "cancel_rate", f"over {limits.cancel_rate_per_s:g} cancels/s on {venue}"
            )
        return None

    def note_venue_rejection(self, venue: str, symbol: str, origin: str, reason: str) -> None:
        """A venue's own refusal also counts towards a storm of rejections."""
        now = self._clock.now_ns()
        self.rejections["venue_rejected"] += 1
        self._recent_rejections.append(now)
        self._bus.publish(RiskRejected("venue_rejected", reason, venue, symbol, origin, now))

    def _reject(self, request: OrderRequest, rule: str, message: str, now: int) -> Rejection:
        self.rejections[rule] += 1
        self._recent_rejections.append(now)
        self._audit.record(
            request.origin,
            "risk_rejected",
            {"rule": rule, "message": message, "venue": request.venue, "symbol": request.symbol},
            trace_id=request.trace_id or None,
            ts_ns=now,
        )
        self._bus.publish(
            RiskRejected(rule, message, request.venue, request.symbol, request.origin, now)
        )
        return Rejection(rule, message)

    def _bucket(
        self,
        buckets: dict[str, TokenBucket],
        venue: str,
        limits: RiskLimits,
        now: int,
        *,
        cancel: bool,
    ) -> TokenBucket:
        bucket = buckets.get(venue)
        if bucket is None:
            rate, burst = (
                (limits.cancel_rate_per_s, limits.cancel_burst)
                if cancel
                else (limits.order_rate_per_s, limits.order_burst)
            )
            bucket = buckets[venue] = TokenBucket(rate, burst, now)
        return bucket

    def _forget_old_orders(self, now: int, window: int) -> None:
        self._recent_orders = {k: t for k, t in self._recent_orders.items() if now - t < window}

    # -- automatic halts -----------------------------------------------------------------------

    def halt_reason(
        self, valuation: Valuation | None, venues: list[VenueHealth], exposed_venues: set[str]
    ) -> str | None:
        """Why trading must halt now, or None. Also keeps the day's start and the peak."""
        if self._persisted is TradingState.HALTED:
            return None
        now = self._clock.now_ns()
        halts = self.settings.halts
        window = int(halts.reject_storm_window_s * 1e9)
        recent = self._recent_rejections
        while recent and now - recent[0] > window:
            recent.popleft()
        if len(recent) >= halts.reject_storm_count:
            return (
                f"rejection storm: {len(recent)} rejections in {halts.reject_storm_window_s:g} s "
                f"(limit {halts.reject_storm_count})"
            )
        for venue in venues:
            down = venue.state in (VenueState.DOWN, VenueState.STALE)
            if not down:
                self._down_since.pop(venue.venue, None)
                continue
            since = self._down_since.setdefault(venue.venue, now)
            if venue.venue in exposed_venues and (now - since) / 1e9 >= halts.venue_down_halt_s:
                return (
                    f"venue {venue.venue} {venue.state} for {(now - since) / 1e9:.0f} s "
                    f"with exposure open (limit {halts.venue_down_halt_s:g} s)"
                )
        if valuation is None or not valuation.complete:
            return None
        equity = valuation.equity[self._portfolio.currencies[0]]
        day = dt.datetime.fromtimestamp(now / 1e9, dt.UTC).date().isoformat()
        if self._day is None or self._day[0] != day:
            self._day = (day, equity)
            self._persist_later(self._day_key, {"day": day, "equity": str(equity)})
        if self._peak is None or equity > self._peak:
            self._peak = equity
            self._persist_later(self._peak_key, str(equity))
        loss = self._day[1] - equity
        if loss >= halts.daily_loss_limit:
            return f"daily loss {loss:,.2f} reached the limit {halts.daily_loss_limit:,}"
        if self._peak > 0:
            drawdown = (self._peak - equity) / self._peak * 100
            if drawdown >= halts.max_drawdown_pct:
                return (
                    f"drawdown {drawdown:.2f}% from peak {self._peak:,.2f} "
                    f"reached the limit {halts.max_drawdown_pct}%"
                )
        return None

    def _persist_later(self, key: str, value: Any) -> None:
        if self._store.is_open:
            self._store.submit(repo.set_setting, key, value)

    def stats(self) -> dict[str, int]:
        return dict(self.rejections)

    @property
    def day_start_equity(self) -> Decimal:
        return self._day[1] if self._day else ZERO
