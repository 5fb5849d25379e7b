"""The kill switch: halt, stop bots, cancel everything everywhere, verify, optionally flatten.

Order matters: HALTED is set (in memory at once, then persisted) before anything else, so no new
order can slip out while the rest runs. Venues are handled concurrently; each one's cancel is
retried with backoff and then *verified* by asking the venue for its open orders, because a
cancel_all that returned is not proof that nothing is left (an order in flight may land after it).
Flattening closes derivative positions with reduce-only market orders through the OMS (so they are
journaled like any other) and verifies the positions are flat. Spot holdings are not positions:
they are left as they are.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.orders import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from app.core.panic import PanicReport, VenuePanicResult
from app.core.trading_state import TradingState
from app.engine.audit import AuditLog
from app.engine.orders.oms import OrderManager, OrderRefused
from app.engine.orders.risk import RiskEngine

log = logging.getLogger(__name__)

StopBots = Callable[[], Awaitable[int]]


async def _no_bots() -> int:
    return 0


class KillSwitch:
    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        audit: AuditLog,
        risk: RiskEngine,
        oms: OrderManager,
        stop_bots: StopBots = _no_bots,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._audit = audit
        self._risk = risk
        self._oms = oms
        self.stop_bots = stop_bots
        self._lock = asyncio.Lock()

    async def panic(
        self, reason: str, *, flatten: bool = False, actor: str = "user"
    ) -> PanicReport:
        self._risk.halting = True  # refuse new exposure from this instant
        async with self._lock:
            return await self._panic(reason, flatten, actor)

    async def _panic(self, reason: str, flatten: bool, actor: str) -> PanicReport:
        started = self._clock.now_ns()
        t0 = time.perf_counter()
        log.critical("PANIC by %s: %s (flatten=%s)", actor, reason, flatten)
        self._audit.record(actor, "panic_start", {"reason": reason, "flatten": flatten})
        await self._risk.set_state(TradingState.HALTED, f"panic: {reason}", actor)
        try:
            bots = await self.stop_bots()
        except Exception as exc:
            log.exception("stopping bots failed during panic")
            bots = 0
            self._audit.record("engine", "panic_bots_failed", {"error": str(exc)})
        self._audit.record("engine", "panic_bots_stopped", {"count": bots})
        results = await asyncio.gather(
            *(self._venue(name, flatten) for name in self._oms.venues), return_exceptions=True
        )
        venues = tuple(
            r
            if isinstance(r, VenuePanicResult)
            else VenuePanicResult(name, 0, errors=(f"panic failed: {r}",))
            for name, r in zip(self._oms.venues, results, strict=True)
        )
        report = PanicReport(
            reason=reason,
            actor=actor,
            flatten=flatten,
            started_ns=started,
            elapsed_ms=(time.perf_counter() - t0) * 1000,
            bots_stopped=bots,
            venues=venues,
        )
        self._audit.record(
            actor,
            "panic_done",
            {
                "clean": report.clean,
                "elapsed_ms": round(report.elapsed_ms, 1),
                "summary": report.summary(),
            },
        )
        await self._audit.flush()
        (log.warning if report.clean else log.critical)("%s", report.summary())
        self._bus.publish(report)
        return report

    async def _venue(self, name: str, flatten: bool) -> VenuePanicResult:
        venue = self._oms.venues[name]
        settings = self._oms.settings
        timeout = settings.venue_timeout_s
        errors: list[str] = []
        canceled: set[str] = set()
        remaining: list[str] = []
        delay = settings.settle_backoff_s / 5
        for attempt in range(settings.panic_cancel_retries + 1):
            try:
                for order in await asyncio.wait_for(venue.cancel_all(), timeout):
                    self._oms.apply(order)
                    canceled.add(order.client_order_id)
            except Exception as exc:
                errors.append(f"cancel_all try {attempt + 1}: {exc or type(exc).__name__}")
            try:
                still = await asyncio.wait_for(venue.fetch_open_orders(), timeout)
            except Exception as exc:
                errors.append(f"verify try {attempt + 1}: {exc or type(exc).__name__}")
                remaining = [o.client_order_id for o in self._oms.open_orders(name)]
            else:
                for order in still:
                    self._oms.apply(order)
                remaining = [o.client_order_id for o in still]
                if not remaining:
                    break
            await asyncio.sleep(delay)
            delay *= 2
        canceled |= await self._settle_journal(name)
        self._audit.record(
            "engine",
            "panic_cancel",
            {"venue": name, "canceled": len(canceled), "remaining": remaining},
        )
        closed: list[str] = []
        left: list[str] = []
        if flatten:
            closed, left = await self._flatten(name, errors)
        return VenuePanicResult(
            name,
            len(canceled),
            tuple(remaining),
            tuple(closed),
            tuple(left),
            tuple(errors),
        )

    async def _settle_journal(self, name: str) -> set[str]:
        """Orders our journal still calls open that the venue no longer lists: ask for each.
        Returns those the venue has canceled (a cancel-all whose answer was lost)."""
        canceled: set[str] = set()
        for order in self._oms.open_orders(name):
            try:
                found = await self._oms.refresh(order.client_order_id)
            except Exception as exc:
                log.warning("panic: could not settle %s: %s", order.client_order_id, exc)
                continue
            if found is not None and found.status is OrderStatus.CANCELED:
                canceled.add(order.client_order_id)
        return canceled

    async def _flatten(self, name: str, errors: list[str]) -> tuple[list[str], list[str]]:
        venue = self._oms.venues[name]
        closed: list[str] = []
        for _ in range(3):
            try:
                positions = [p for p in await venue.fetch_positions() if p.qty != 0]
            except Exception as exc:
                errors.append(f"positions: {exc}")
                return closed, ["(unknown: positions could not be read)"]
            if not positions:
                break
            for position in positions:
                request = OrderRequest(
                    venue=name,
                    symbol=position.instrument_id.symbol,
                    side=Side.SELL if position.qty > 0 else Side.BUY,
                    quantity=abs(position.qty),
                    type=OrderType.MARKET,
                    time_in_force=TimeInForce.IOC,
                    reduce_only=True,
                    origin="panic",
                )
                try:
                    order = await self._oms.submit(request)
                except OrderRefused as exc:
                    errors.append(f"flatten {request.symbol}: {exc}")
                    continue
                if order.filled_qty:
                    closed.append(f"{request.symbol} {order.side} {order.filled_qty}")
                elif order.reason:
                    errors.append(f"flatten {request.symbol}: {order.reason}")
        try:
            left = [
                f"{p.instrument_id.symbol} {p.qty}"
                for p in await venue.fetch_positions()
                if p.qty != 0
            ]
        except Exception as exc:
            errors.append(f"verify positions: {exc}")
            left = ["(unknown: positions could not be read)"]
        self._audit.record(
            "engine", "panic_flatten", {"venue": name, "closed": closed, "left": left}
        )
        return closed, left
