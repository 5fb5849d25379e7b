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
from dataclasses import replace

from app.core.backoff import Backoff
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
#: Gets one venue ready before its cancels (the shell's offline panic connects it here), so that
#: a venue that cannot be reached fails alone.
Prepare = Callable[[str], Awaitable[None]]


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
        self,
        reason: str,
        *,
        flatten: bool = False,
        actor: str = "user",
        prepare: Prepare | None = None,
    ) -> PanicReport:
        self._risk.begin_halt()  # refuse new exposure from this instant
        async with self._lock:
            return await self._panic(reason, flatten, actor, prepare)

    async def _panic(
        self, reason: str, flatten: bool, actor: str, prepare: Prepare | None
    ) -> PanicReport:
        started = self._clock.now_ns()
        t0 = time.perf_counter()
        log.critical("PANIC by %s: %s (flatten=%s)", actor, reason, flatten)
        halt_error = ""
        try:  # HALTED on disk before anything else: a crash from here on still starts halted
            await self._risk.set_state(TradingState.HALTED, f"panic: {reason}", actor)
        except Exception as exc:
            halt_error = f"HALTED could not be persisted: {exc}"
            log.critical("panic: %s (trading stays halted in this process)", halt_error)
        self._audit.record(actor, "panic_start", {"reason": reason, "flatten": flatten})
        try:
            bots = await self.stop_bots()
        except Exception as exc:
            log.exception("stopping bots failed during panic")
            bots = 0
            self._audit.record("engine", "panic_bots_failed", {"error": str(exc)})
        self._audit.record("engine", "panic_bots_stopped", {"count": bots})
        results = await asyncio.gather(
            *(self._venue(name, flatten, prepare) for name in self._oms.venues),
            return_exceptions=True,
        )
        venues = tuple(
            r
            if isinstance(r, VenuePanicResult)
            else VenuePanicResult(name, 0, ("(unknown)",), errors=(f"panic failed: {r}",))
            for name, r in zip(self._oms.venues, results, strict=True)
        )
        if halt_error:
            venues = tuple(replace(v, errors=(*v.errors, halt_error)) for v in venues)
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

    async def _venue(self, name: str, flatten: bool, prepare: Prepare | None) -> VenuePanicResult:
        """One venue, independently of the others: its failure is in its result."""
        if prepare is not None:
            try:
                await prepare(name)
            except Exception as exc:
                error = f"could not connect: {exc or type(exc).__name__}"
                self._audit.record("engine", "panic_cancel", {"venue": name, "error": error})
                unreached = tuple(o.client_order_id for o in self._oms.open_orders(name))
                return VenuePanicResult(name, 0, unreached or ("(unknown: venue not reached)",),
                                        errors=(error,))  # fmt: skip
        canceled, remaining, errors = await self._cancel_everything(name)
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
            name, len(canceled), tuple(remaining), tuple(closed), tuple(left), tuple(errors)
        )

    async def _cancel_everything(self, name: str) -> tuple[set[str], list[str], list[str]]:
        """Cancel-all through the OMS, *verified* by the venue's open orders (an order in flight
        may land after a cancel-all returned), retried with backoff; orders the journal still
        calls open are then asked for one by one. Returns canceled ids, ids still open, errors."""
        oms = self._oms
        errors: list[str] = []
        canceled: set[str] = set()
        remaining: list[str] = []
        delays = Backoff(oms.settings.settle_backoff_s / 5).delays()
        for attempt in range(1, oms.settings.panic_cancel_retries + 2):
            try:
                canceled.update(o.client_order_id for o in await oms.cancel_all_at(name))
            except Exception as exc:
                errors.append(f"cancel_all try {attempt}: {exc or type(exc).__name__}")
            try:
                remaining = [o.client_order_id for o in await oms.open_at(name)]
            except Exception as exc:
                errors.append(f"verify try {attempt}: {exc or type(exc).__name__}")
                remaining = [o.client_order_id for o in oms.open_orders(name)]
            else:
                if not remaining:
                    break
            await asyncio.sleep(next(delays))
        for order in oms.open_orders(name):
            try:
                found = await oms.refresh(order.client_order_id)
            except Exception as exc:
                log.warning("panic: could not settle %s: %s", order.client_order_id, exc)
                continue
            if found is not None and found.status is OrderStatus.CANCELED:
                canceled.add(order.client_order_id)  # a cancel-all whose answer was lost
        oms.flush_writes()
        return canceled, remaining, errors

    async def _flatten(self, name: str, errors: list[str]) -> tuple[list[str], list[str]]:
        closed: list[str] = []
        for _ in range(3):
            try:
                positions = await self._oms.positions(name)
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
            left = [f"{p.instrument_id.symbol} {p.qty}" for p in await self._oms.positions(name)]
        except Exception as exc:
            errors.append(f"verify positions: {exc}")
            left = ["(unknown: positions could not be read)"]
        self._audit.record(
            "engine", "panic_flatten", {"venue": name, "closed": closed, "left": left}
        )
        return closed, left
