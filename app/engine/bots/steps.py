"""Running one bot step: capital, the intent on disk, the legs, the result — never twice.

The order of a step is what makes a restart safe:
1. capital for every leg is reserved (all legs or none), before any order exists;
2. the intent (trace id ``<bot>:<cycle>:<step>``, its legs) is written and awaited;
3. the executor sends the legs with that trace id, handles leg risk, and returns what filled;
4. the bot's new state and the intent's end are written in one transaction.
A crash after 2 leaves a pending intent: at the next start it is settled from the orders the
journal holds under its trace id (never sent again); if the journal holds none, nothing left and
the intent is abandoned.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO
from app.core.orders import Order, Side
from app.engine.bots.base import Bot
from app.engine.bots.model import Step
from app.engine.capital import Need, needs_for
from app.engine.execution import (
    ExecutionPlan,
    ExecutionResult,
    LegFill,
    LegOrder,
    LegRiskPolicy,
)
from app.store.records import IntentRow

log = logging.getLogger(__name__)


def plan_of(bot: Bot[Any], step: Step, trace_id: str) -> ExecutionPlan:
    p = bot.params
    return ExecutionPlan(
        origin=f"bot:{bot.id}",
        trace_id=trace_id,
        legs=step.legs,
        slippage_bps=p.slippage_bps,
        policy=LegRiskPolicy(p.leg_risk),
        retries=p.leg_retries,
        retry_delay_ms=p.leg_retry_delay_ms,
        leg_timeout_ms=p.leg_timeout_ms,
        maker_first=p.maker_first,
        maker_timeout_ms=p.maker_timeout_ms,
    )


def needs_of(
    step: Step,
    instruments: Mapping[InstrumentId, Instrument],
    leverage: Decimal,
    slippage_bps: float,
) -> list[Need]:
    """What the legs may spend: each leg at its price moved by the slippage cap, fees included.
    Reduce-only legs free funds rather than spend them."""
    factor = Decimal(str(1 + slippage_bps / 10_000))
    needs = []
    for leg in step.legs:
        if leg.reduce_only:
            continue
        inst = instruments[InstrumentId(leg.venue, leg.symbol)]
        price = leg.price * factor if leg.side is Side.BUY else leg.price
        needs.append(needs_for(inst, leg.side, leg.quantity, price, leverage))
    return needs


def step_json(step: Step) -> dict[str, Any]:
    return {
        "action": step.action,
        "note": step.note,
        "detail": dict(step.detail),
        "legs": [
            {
                "venue": leg.venue,
                "symbol": leg.symbol,
                "side": leg.side.value,
                "quantity": str(leg.quantity),
                "price": str(leg.price),
                "reduce_only": leg.reduce_only,
            }
            for leg in step.legs
        ],
    }


def step_of(data: Mapping[str, Any]) -> Step:
    legs = tuple(
        LegOrder(
            venue=str(leg["venue"]),
            symbol=str(leg["symbol"]),
            side=Side(leg["side"]),
            quantity=Decimal(str(leg["quantity"])),
            price=Decimal(str(leg["price"])),
            reduce_only=bool(leg.get("reduce_only", False)),
        )
        for leg in data.get("legs", [])
    )
    return Step(
        action=str(data.get("action", "")),
        legs=legs,
        note=str(data.get("note", "")),
        detail=dict(data.get("detail", {})),
    )


def result_json(result: ExecutionResult) -> dict[str, Any]:
    return {
        "complete": result.complete,
        "balanced": result.balanced,
        "residual": list(result.residual),
        "unknown": list(result.unknown),
        "leg_risk_events": result.leg_risk_events,
        "legs": [
            {
                "venue": leg.venue,
                "symbol": leg.symbol,
                "side": leg.side.value,
                "target": str(leg.target),
                "filled": str(leg.filled),
                "avg_price": None if leg.avg_price is None else str(leg.avg_price),
                "orders": list(leg.client_order_ids),
            }
            for leg in result.legs
        ],
    }


def result_from_orders(intent: IntentRow, step: Step, orders: Sequence[Order]) -> ExecutionResult:
    """What a step did, rebuilt from the journal's orders under its trace id (after a restart).

    Orders are matched to legs by instrument: an order on the leg's side adds to its fill, one on
    the other side (an unwind) takes from it.
    """
    legs = []
    fractions = []
    unknown = tuple(o.client_order_id for o in orders if not o.status.is_terminal)
    for leg in step.legs:
        mine = [o for o in orders if o.venue == leg.venue and o.symbol == leg.symbol]
        filled = ZERO
        cost = ZERO
        bought = ZERO
        for o in mine:
            signed = o.filled_qty if o.side is leg.side else -o.filled_qty
            filled += signed
            if o.side is leg.side and o.avg_fill_price is not None:
                cost += o.filled_qty * o.avg_fill_price
                bought += o.filled_qty
        avg = cost / bought if bought else None
        legs.append(
            LegFill(
                venue=leg.venue,
                symbol=leg.symbol,
                side=leg.side,
                target=leg.quantity,
                filled=filled,
                avg_price=avg,
                client_order_ids=tuple(o.client_order_id for o in mine),
            )
        )
        fractions.append(filled / leg.quantity)
    balanced = len(set(fractions)) <= 1
    residual = () if balanced else (f"step {intent.trace_id} ended unbalanced before a restart",)
    return ExecutionResult(
        trace_id=intent.trace_id,
        legs=tuple(legs),
        complete=all(f == 1 for f in fractions),
        balanced=balanced,
        residual=residual,
        leg_risk_events=0,
        unknown=unknown,
    )
