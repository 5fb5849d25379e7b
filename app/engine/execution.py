"""N-leg execution with an explicit leg-risk policy: what a bot's step does with its orders.

The legs leave together (``asyncio.gather``) as IOC limits at the quoted price moved
``slippage_bps`` against us, rounded to the tick away from the market (buys up, sells down), so
each leg either trades now within the cap or not at all. A refusal by risk (``OrderRefused``)
is a leg that filled nothing. Each order is then waited for until it is final, with a deadline
in market time (``Deadlines``): a replay at any speed times out at the same market instant. An
order still open at the deadline is canceled (the plan's origin as the actor) and waited for
again, a bounded number of times; one whose end is still not known is listed in ``unknown`` with
what it filled so far counted.

Leg risk: the legs should end with the same fill fraction (filled / target). When they do not,
``HEDGE`` sends what is missing on the under-filled legs and ``UNWIND`` sends the excess of the
over-filled legs back (reduce-only on derivatives), as IOC limits from the current quote whose
slippage doubles at each of at most ``retries`` attempts. Quantities are rounded down to the
step; what is below the step or the venue's minimums cannot be sent and counts as balanced (dust)
but is still named in ``residual``. While an order's outcome is unknown nothing is done about
leg risk: the venue may still fill it, and acting on a guess could double the exposure. Whatever
is left is in ``residual``; the caller pauses the bot and raises a CRITICAL alert naming it.

Maker first (optional): each leg rests first as a post-only limit at its quoted price, but never
on the far side of the current quote (a buy at most at the bid, a sell at least at the ask: a
post-only that would take is refused), for ``maker_timeout_ms`` of market time; what it has not
filled by then is canceled and sent as the IOC taker above.

Every step is audited under the plan's trace id, and every order (hedges and unwinds included)
carries the plan's origin and trace id, so one step's orders are found together. This module
sits above the order path (DESIGN.md): it calls the engine's order calls, never the OMS.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from app.core.clock import Clock
from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO, decimal_str, price_for_side, round_price, round_qty, to_decimal
from app.core.orders import Order, OrderRequest, OrderType, Side, TimeInForce
from app.core.quotes import Quote
from app.engine.deadlines import Deadlines
from app.engine.order_waiter import OrderWaiter, Subscribe
from app.engine.orders.oms import OrderRefused

log = logging.getLogger(__name__)

#: Cancels sent to an order still open at its deadline, each followed by another wait.
CANCEL_ATTEMPTS: Final = 2
#: Each leg-risk attempt multiplies the plan's slippage by this (attempt 1: x2, 2: x4, ...).
WIDEN: Final = 2
_BPS: Final = Decimal(10_000)

Audit = Callable[[str, str, dict[str, Any], str], None]
"""``audit(actor, action, detail, trace_id)``."""


class LegRiskPolicy(StrEnum):
    HEDGE = "hedge"
    UNWIND = "unwind"


@dataclass(frozen=True, slots=True)
class LegOrder:
    venue: str
    symbol: str
    side: Side
    quantity: Decimal  # rounded to the step by the caller
    price: Decimal  # the quoted price the decision used (ask for a buy, bid for a sell)
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class ExecutionPlan:
    origin: str  # "bot:<id>"
    trace_id: str  # "<bot>:<cycle>:<step>"
    legs: tuple[LegOrder, ...]
    slippage_bps: float = 5.0
    policy: LegRiskPolicy = LegRiskPolicy.HEDGE
    retries: int = 3
    leg_timeout_ms: int = 5_000
    maker_first: bool = False
    maker_timeout_ms: int = 2_000
    retry_delay_ms: int = 0  # market time before each leg-risk retry after the first


@dataclass(frozen=True, slots=True)
class LegFill:
    venue: str
    symbol: str
    side: Side
    target: Decimal
    filled: Decimal  # net on the leg's side: hedges add, unwinds take away
    avg_price: Decimal | None  # of the fills on the leg's side (an unwind does not change it)
    client_order_ids: tuple[str, ...]  # every order sent for the leg, in order


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    trace_id: str
    legs: tuple[LegFill, ...]
    complete: bool  # every leg filled its target
    balanced: bool  # equal fill fractions within dust, and no outcome unknown
    residual: tuple[str, ...]  # exposure left, e.g. "binance BTC/USDT long 0.002"
    leg_risk_events: int  # leg-risk attempts that sent orders
    unknown: tuple[str, ...]  # client ids whose outcome is still not known


@dataclass(slots=True)
class _Leg:
    index: int
    order: LegOrder
    inst: Instrument
    sent: list[tuple[str, Side]] = field(default_factory=list)  # (client id, side)
    unknown: bool = False


@dataclass(slots=True)
class _Run:
    plan: ExecutionPlan
    legs: list[_Leg]
    unknown: list[str] = field(default_factory=list)
    events: int = 0


class Executor:
    """Runs ``ExecutionPlan``s through the engine's order calls (see the module docstring).

    Plans may run concurrently; they share one ``OrderWaiter`` (one subscription to order
    updates for the executor's life, ``close`` ends it)."""

    def __init__(
        self,
        *,
        submit: Callable[[OrderRequest], Awaitable[Order]],
        cancel: Callable[[str, str], Awaitable[Order]],
        order: Callable[[str], Order | None],
        subscribe: Subscribe,
        quote: Callable[[str, str], Quote | None],
        instruments: Mapping[InstrumentId, Instrument],
        deadlines: Deadlines,
        clock: Clock,
        audit: Audit,
    ) -> None:
        self._submit = submit
        self._cancel = cancel
        self._order = order
        self._quote = quote
        self._instruments = instruments
        self._deadlines = deadlines
        self._clock = clock
        self._audit_call = audit
        self._waiter = OrderWaiter(subscribe, order)

    def close(self) -> None:
        """Stop following order updates (at shutdown); waits still pending are canceled."""
        self._waiter.close()

    async def execute(self, plan: ExecutionPlan) -> ExecutionResult:
        """Send the plan's legs, wait for them, act on leg risk; never raises for what the market
        or the venues do (refusals, rejections, timeouts are in the result). Raises
        ``ValueError`` before sending anything if the plan itself is wrong."""
        legs = self._legs(plan)
        run = _Run(plan, legs)
        self._audit(run, "exec_start", {"legs": [_leg_detail(leg.order) for leg in legs]})
        first = self._maker_then_taker if plan.maker_first else self._taker
        await _all(first(run, leg) for leg in legs)
        for leg in legs:
            self._audit(run, "exec_leg_done", self._fill_detail(leg))
        await self._leg_risk(run)
        return self._result(run)

    # -- the plan ------------------------------------------------------------------------------

    def _legs(self, plan: ExecutionPlan) -> list[_Leg]:
        if not plan.legs:
            raise ValueError(f"plan {plan.trace_id} has no legs")
        if plan.retries < 0 or plan.leg_timeout_ms <= 0 or plan.maker_timeout_ms <= 0:
            raise ValueError(f"plan {plan.trace_id}: retries >= 0 and timeouts > 0 are needed")
        if plan.slippage_bps < 0:
            raise ValueError(f"plan {plan.trace_id}: slippage must be >= 0 bps")
        legs = []
        for index, leg in enumerate(plan.legs):
            inst = self._instruments.get(InstrumentId(leg.venue, leg.symbol))
            where = f"plan {plan.trace_id} leg {index} ({leg.venue} {leg.symbol})"
            if inst is None:
                raise ValueError(f"{where}: no such instrument")
            if leg.quantity <= 0 or leg.quantity % inst.step_size != 0:
                raise ValueError(
                    f"{where}: quantity {leg.quantity} is not a positive multiple of the step "
                    f"{inst.step_size}"
                )
            if leg.price <= 0:
                raise ValueError(f"{where}: price {leg.price} is not positive")
            legs.append(_Leg(index, leg, inst))
        return legs

    # -- first pass: each leg once -------------------------------------------------------------

    async def _taker(self, run: _Run, leg: _Leg) -> None:
        price = _limit(leg.order.side, leg.order.price, run.plan.slippage_bps, leg.inst.tick_size)
        await self._send_and_wait(run, leg, leg.order.side, leg.order.quantity, price, "exec_send")

    async def _maker_then_taker(self, run: _Run, leg: _Leg) -> None:
        side, tick = leg.order.side, leg.inst.tick_size
        passive = self._passive_price(leg)
        cid = await self._send(
            run,
            leg,
            side,
            leg.order.quantity,
            passive,
            "exec_send_maker",
            tif=TimeInForce.POST_ONLY,
            reduce_only=leg.order.reduce_only,
        )
        if cid is not None:
            await self._settle(run, leg, cid, run.plan.maker_timeout_ms)
        if leg.unknown:
            return  # what the maker order did is not known: a taker could double it
        remaining = round_qty(leg.order.quantity - self._net(leg)[0], leg.inst.step_size)
        price = _limit(side, leg.order.price, run.plan.slippage_bps, tick)
        if remaining > 0 and _sendable(leg.inst, remaining, price):
            await self._send_and_wait(run, leg, side, remaining, price, "exec_send_taker")

    def _passive_price(self, leg: _Leg) -> Decimal:
        """The quoted price, moved behind the current quote's near side if it would take."""
        price, side = leg.order.price, leg.order.side
        quote = self._quote(leg.order.venue, leg.order.symbol)
        if quote is not None:
            if side is Side.BUY and quote.bid > 0:
                price = min(price, to_decimal(quote.bid))
            elif side is Side.SELL and quote.ask > 0:
                price = max(price, to_decimal(quote.ask))
        return price_for_side(price, leg.inst.tick_size, side.value)

    # -- leg risk ------------------------------------------------------------------------------

    async def _leg_risk(self, run: _Run) -> None:
        plan = run.plan
        action = "leg_risk_hedge" if plan.policy is LegRiskPolicy.HEDGE else "leg_risk_unwind"
        for attempt in range(1, plan.retries + 1):
            if run.unknown:
                self._audit(run, "leg_risk_wait", {"unknown": list(run.unknown)})
                return
            if attempt > 1 and plan.retry_delay_ms:
                # the book the last attempt met was used up: let the market move first
                await self._deadlines.pause_ms(plan.retry_delay_ms)
            orders = self._corrections(run, attempt)
            if not orders:
                return
            run.events += 1
            log.warning(
                "%s: legs unequal, %s attempt %d of %d",
                plan.trace_id,
                plan.policy,
                attempt,
                plan.retries,
                extra={"trace_id": plan.trace_id},
            )
            await _all(
                self._send_and_wait(run, leg, side, qty, price, action, attempt=attempt)
                for leg, side, qty, price in orders
            )

    def _corrections(self, run: _Run, attempt: int) -> list[tuple[_Leg, Side, Decimal, Decimal]]:
        """The orders that would even the legs' fill fractions now: (leg, side, qty, price)."""
        fractions = [self._net(leg)[0] / leg.order.quantity for leg in run.legs]
        hedge = run.plan.policy is LegRiskPolicy.HEDGE
        reference = max(fractions) if hedge else min(fractions)
        slippage = run.plan.slippage_bps * WIDEN**attempt
        out = []
        for leg, fraction in zip(run.legs, fractions, strict=True):
            gap = (reference - fraction) * leg.order.quantity
            side = leg.order.side if hedge else leg.order.side.opposite
            qty = round_qty(abs(gap), leg.inst.step_size)
            if qty <= 0 or (gap < 0 if hedge else gap > 0):
                continue
            price = _limit(side, self._taker_price(leg, side), slippage, leg.inst.tick_size)
            if _sendable(leg.inst, qty, price):
                out.append((leg, side, qty, price))
        return out

    def _taker_price(self, leg: _Leg, side: Side) -> Decimal:
        """Where ``side`` takes now: the current quote's far side, else what the leg knows."""
        quote = self._quote(leg.order.venue, leg.order.symbol)
        if quote is not None:
            far = quote.ask if side is Side.BUY else quote.bid
            if far > 0:
                return to_decimal(far)
        if side is leg.order.side:
            return leg.order.price
        return self._net(leg)[1] or leg.order.price

    # -- orders --------------------------------------------------------------------------------

    async def _send_and_wait(
        self,
        run: _Run,
        leg: _Leg,
        side: Side,
        qty: Decimal,
        price: Decimal,
        action: str,
        *,
        attempt: int = 0,
    ) -> None:
        reduce_only = leg.order.reduce_only
        if side is not leg.order.side:  # an unwind: back out of what the leg just did
            reduce_only = leg.inst.is_derivative and not leg.order.reduce_only
        cid = await self._send(
            run, leg, side, qty, price, action, reduce_only=reduce_only, attempt=attempt
        )
        if cid is None:
            return
        await self._settle(run, leg, cid, run.plan.leg_timeout_ms)
        if attempt:  # a leg-risk order: its outcome, for the trail
            done = self._order(cid)
            if done is not None:
                self._audit(
                    run,
                    f"{action}_done",
                    {
                        "leg": leg.index,
                        "client_order_id": cid,
                        "status": done.status.value,
                        "filled": decimal_str(done.filled_qty),
                        "attempt": attempt,
                    },
                )

    async def _send(
        self,
        run: _Run,
        leg: _Leg,
        side: Side,
        qty: Decimal,
        price: Decimal,
        action: str,
        *,
        tif: TimeInForce = TimeInForce.IOC,
        reduce_only: bool = False,
        attempt: int = 0,
    ) -> str | None:
        """Submit one order; its client id, or None when nothing was sent (refused)."""
        plan = run.plan
        request = OrderRequest(
            venue=leg.order.venue,
            symbol=leg.order.symbol,
            side=side,
            quantity=qty,
            price=price,
            type=OrderType.LIMIT,
            time_in_force=tif,
            reduce_only=reduce_only,
            origin=plan.origin,
            trace_id=plan.trace_id,
        )
        detail: dict[str, Any] = {
            "leg": leg.index,
            "venue": request.venue,
            "symbol": request.symbol,
            "side": side.value,
            "qty": decimal_str(qty),
            "price": decimal_str(price),
            "tif": tif.value,
            "reduce_only": reduce_only,
        }
        if attempt:
            detail["attempt"] = attempt
        try:
            order = await self._submit(request)
        except OrderRefused as exc:
            self._audit(run, "exec_refused", {**detail, "for": action, "reason": str(exc)})
            return None
        except Exception as exc:  # raised before the order left (the journal write failed)
            log.exception("%s: %s not sent", plan.trace_id, action)
            self._audit(run, "exec_refused", {**detail, "for": action, "reason": repr(exc)})
            return None
        cid = order.client_order_id
        leg.sent.append((cid, side))
        detail |= {"client_order_id": cid, "status": order.status.value}
        self._audit(run, action, detail)
        return cid

    async def _settle(self, run: _Run, leg: _Leg, cid: str, first_wait_ms: int) -> None:
        """Wait for ``cid`` to be final: canceled at the deadline, then waited again (bounded)."""
        origin = run.plan.origin
        if await self._wait(run, cid, first_wait_ms):
            return
        for attempt in range(1, CANCEL_ATTEMPTS + 1):
            self._audit(run, "exec_cancel", {"client_order_id": cid, "attempt": attempt})
            try:
                await self._cancel(cid, origin)
            except OrderRefused as exc:
                self._audit(
                    run, "exec_cancel_refused", {"client_order_id": cid, "reason": str(exc)}
                )
            except Exception as exc:
                log.warning("%s: cancel of %s failed: %s", run.plan.trace_id, cid, exc)
            if await self._wait(run, cid, run.plan.leg_timeout_ms):
                return
        leg.unknown = True
        run.unknown.append(cid)
        current = self._order(cid)
        self._audit(
            run,
            "exec_unknown",
            {
                "client_order_id": cid,
                "status": None if current is None else current.status.value,
                "filled": decimal_str(ZERO if current is None else current.filled_qty),
            },
        )

    async def _wait(self, run: _Run, cid: str, ms: int) -> bool:
        deadline = self._clock.now_ns() + ms * 1_000_000
        return await self._deadlines.wait_for(self._waiter.terminal(cid), deadline)

    # -- the outcome ---------------------------------------------------------------------------

    def _net(self, leg: _Leg) -> tuple[Decimal, Decimal | None]:
        """What the leg holds now: net filled on its side, and the average price on its side."""
        net = same = cost = ZERO
        for cid, side in leg.sent:
            order = self._order(cid)
            if order is None or not order.filled_qty:
                continue
            if side is leg.order.side:
                net += order.filled_qty
                same += order.filled_qty
                cost += order.filled_qty * (order.avg_fill_price or ZERO)
            else:
                net -= order.filled_qty
        return net, (cost / same if same else None)

    def _fill_detail(self, leg: _Leg) -> dict[str, Any]:
        net, avg = self._net(leg)
        return {
            "leg": leg.index,
            "venue": leg.order.venue,
            "symbol": leg.order.symbol,
            "target": decimal_str(leg.order.quantity),
            "filled": decimal_str(net),
            "avg_price": None if avg is None else decimal_str(avg),
            "orders": [cid for cid, _ in leg.sent],
        }

    def _result(self, run: _Run) -> ExecutionResult:
        fills = []
        nets = []
        for leg in run.legs:
            net, avg = self._net(leg)
            nets.append(net)
            fills.append(
                LegFill(
                    leg.order.venue,
                    leg.order.symbol,
                    leg.order.side,
                    leg.order.quantity,
                    net,
                    avg,
                    tuple(cid for cid, _ in leg.sent),
                )
            )
        lowest = min(net / leg.order.quantity for net, leg in zip(nets, run.legs, strict=True))
        residual = []
        for net, leg in zip(nets, run.legs, strict=True):
            excess = net - lowest * leg.order.quantity
            if excess:
                long = (excess > 0) is (leg.order.side is Side.BUY)
                residual.append(
                    f"{leg.order.venue} {leg.order.symbol} {'long' if long else 'short'} "
                    f"{_plain(abs(excess))}"
                )
        # within dust: the policy has nothing left it could send (below a step or a minimum)
        dust_only = not self._corrections(run, 1)
        result = ExecutionResult(
            trace_id=run.plan.trace_id,
            legs=tuple(fills),
            complete=all(n >= leg.order.quantity for n, leg in zip(nets, run.legs, strict=True)),
            balanced=dust_only and not run.unknown,
            residual=tuple(residual),
            leg_risk_events=run.events,
            unknown=tuple(run.unknown),
        )
        if not result.balanced:
            self._audit(
                run,
                "leg_risk_left",
                {"residual": list(result.residual), "unknown": list(result.unknown)},
            )
        self._audit(
            run,
            "exec_done",
            {
                "complete": result.complete,
                "balanced": result.balanced,
                "residual": list(result.residual),
                "leg_risk_events": result.leg_risk_events,
                "unknown": list(result.unknown),
                "filled": [decimal_str(f.filled) for f in fills],
            },
        )
        return result

    def _audit(self, run: _Run, action: str, detail: dict[str, Any]) -> None:
        try:
            self._audit_call(run.plan.origin, action, detail, run.plan.trace_id)
        except Exception:  # the audit trail failing must not leave orders half-handled
            log.exception("%s: audit of %s failed", run.plan.trace_id, action)


def _limit(side: Side, quoted: Decimal, slippage_bps: float, tick: Decimal) -> Decimal:
    """``quoted`` moved ``slippage_bps`` against us, rounded to the tick away from the market."""
    moved = quoted * (1 + side.sign * to_decimal(slippage_bps) / _BPS)
    price = round_price(moved, tick, "up" if side is Side.BUY else "down")
    return price if price > 0 else tick


def _sendable(inst: Instrument, qty: Decimal, price: Decimal) -> bool:
    """Whether the venue would take ``qty`` at all: step, minimum quantity and notional."""
    return (
        qty >= inst.step_size
        and qty >= inst.min_qty
        and inst.notional_quote(qty, price) >= inst.min_notional
    )


def _plain(value: Decimal) -> str:
    return decimal_str(value.normalize()) if value else "0"


def _leg_detail(leg: LegOrder) -> dict[str, Any]:
    return {
        "venue": leg.venue,
        "symbol": leg.symbol,
        "side": leg.side.value,
        "qty": decimal_str(leg.quantity),
        "price": decimal_str(leg.price),
        "reduce_only": leg.reduce_only,
    }


async def _all(calls: Iterable[Awaitable[None]]) -> None:
    """Run ``calls`` together; every one finishes before the first error (a bug) is raised,
    so no leg is left running behind the caller's back."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for outcome in results:
        if isinstance(outcome, BaseException):
            raise outcome
