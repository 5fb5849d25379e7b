"""The bots: one row per bot (state, cycle, position, PnL, last event), and for the selected one
its finished cycles and its steps.

Money is shown exactly as the engine holds it (every decimal of the Decimal, at least two): a
bot's fees and funding are often fractions of a cent, and a rounded figure would not add up to
the total.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtGui import QColor

from app.engine.api import BotStatus, BotView, CycleRecord, IntentRow
from app.ui import format as fmt
from app.ui.models.table import Column, KeyedTableModel

_STATUS_COLORS = {
    BotStatus.RUNNING: fmt.GREEN,
    BotStatus.PAUSED: fmt.AMBER,
    BotStatus.STOPPED: fmt.MUTED,
}
_STEP_COLORS = {"done": None, "pending": fmt.AMBER, "abandoned": fmt.MUTED}


def exact(value: Decimal | None, *, signed: bool = True) -> str:
    """Every decimal of ``value`` (at least two), with thousands separators:
    ``Decimal("-0.000123")`` -> ``-0.000123``, ``Decimal("1234.5")`` -> ``+1,234.50``."""
    if value is None:
        return fmt.DASH
    exponent = value.normalize().as_tuple().exponent if value else 0
    decimals = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{value:+,.{decimals}f}" if signed else f"{value:,.{decimals}f}"


def status_color(status: BotStatus) -> QColor | None:
    return _STATUS_COLORS.get(status)


def _money_column(title: str, value: Any, tip: str, *, signed: bool = True) -> Column[BotView]:
    return Column(
        title,
        lambda v: exact(value(v), signed=signed),
        value,
        (lambda v: fmt.pnl_color(value(v))) if signed else None,
        tooltip=tip,
        numeric=True,
    )


class BotsModel(KeyedTableModel[str, BotView]):
    """Every bot, keyed by its id; rows re-sent unchanged are not repainted."""

    def __init__(self) -> None:
        columns: list[Column[BotView]] = [
            Column("Bot", lambda v: v.id),
            Column("Kind", lambda v: v.kind),
            Column(
                "State",
                lambda v: v.status.value,
                color=lambda v: status_color(v.status),
                tooltip=lambda v: f"{v.status.value}, phase {v.phase}",
            ),
            Column("Phase", lambda v: v.phase),
            Column("Cycle", lambda v: str(v.cycle), lambda v: v.cycle, numeric=True),
            Column("Position", lambda v: v.position, tooltip=lambda v: v.position),
            _money_column("Realized", lambda v: v.pnl.realized, "realized PnL (closed trades)"),
            _money_column(
                "Unrealized", lambda v: v.pnl.unrealized, "what the open position is worth now"
            ),
            _money_column("Funding", lambda v: v.pnl.funding, "funding received (+) or paid (-)"),
            _money_column("Fees", lambda v: v.pnl.fees, "fees paid", signed=False),
            Column(
                "PnL",
                lambda v: exact(v.pnl.total) + ("" if v.pnl.complete else " *"),
                lambda v: v.pnl.total,
                lambda v: fmt.pnl_color(v.pnl.total),
                tooltip=lambda v: (
                    "realized + unrealized + funding - fees"
                    + ("" if v.pnl.complete else "\n* some asset cannot be valued now")
                ),
                numeric=True,
            ),
            Column("Orders", lambda v: str(v.orders), lambda v: v.orders, numeric=True),
            Column(
                "Leg risk",
                lambda v: str(v.leg_risk_events),
                lambda v: v.leg_risk_events,
                lambda v: fmt.AMBER if v.leg_risk_events else None,
                tooltip="times the leg-risk policy had to hedge or unwind",
                numeric=True,
            ),
            Column("Last event", lambda v: v.last_event, tooltip=lambda v: v.last_event),
        ]
        super().__init__(columns, skip_unchanged=True)


class CyclesModel(KeyedTableModel[int, CycleRecord]):
    """The selected bot's finished cycles."""

    def __init__(self) -> None:
        columns: list[Column[CycleRecord]] = [
            Column("Cycle", lambda c: str(c.cycle), lambda c: c.cycle, numeric=True),
            Column("Opened", lambda c: fmt.clock(c.opened_ns), lambda c: c.opened_ns),
            Column("Closed", lambda c: fmt.clock(c.closed_ns), lambda c: c.closed_ns),
            Column("Adds", lambda c: str(c.adds), lambda c: c.adds, numeric=True),
            Column("Entry", lambda c: c.entry),
            Column("Exit", lambda c: c.exit_reason),
            Column(
                "PnL",
                lambda c: exact(c.pnl),
                lambda c: c.pnl,
                lambda c: fmt.pnl_color(c.pnl),
                numeric=True,
            ),
        ]
        super().__init__(columns)


def legs_text(legs: Sequence[Mapping[str, Any]]) -> str:
    """A plan's legs: ``SELL sim-b BTC/USDT 0.01 @ 50010 · BUY ...``."""
    parts = []
    for leg in legs:
        text = f"{str(leg.get('side', '')).upper()} {leg.get('venue', '')} {leg.get('symbol', '')}"
        text += f" {leg.get('quantity', '')} @ {leg.get('price', '')}"
        if leg.get("reduce_only"):
            text += " RO"
        parts.append(text)
    return " · ".join(parts)


def result_text(result: Mapping[str, Any] | None) -> str:
    """What a step got: each leg's filled/target at its average, and what went wrong."""
    if not result:
        return fmt.DASH
    parts = []
    for leg in result.get("legs", []):
        avg = leg.get("avg_price")
        text = f"{leg.get('venue', '')} {leg.get('filled', '')}/{leg.get('target', '')}"
        parts.append(text + (f" @ {avg}" if avg is not None else ""))
    text = " · ".join(parts)
    if result.get("residual"):
        text += " · left: " + "; ".join(str(r) for r in result["residual"])
    if result.get("unknown"):
        text += f" · {len(result['unknown'])} unknown"
    return text


def step_tooltip(row: IntentRow) -> str:
    return json.dumps({"plan": row.plan, "result": row.result}, indent=1, default=str)


class StepsModel(KeyedTableModel[str, IntentRow]):
    """The selected bot's steps (intents): what it decided, sent and got."""

    def __init__(self) -> None:
        columns: list[Column[IntentRow]] = [
            Column("Time", lambda r: fmt.clock(r.created_ns), lambda r: r.created_ns),
            Column("Trace", lambda r: r.trace_id),
            Column("Action", lambda r: r.action),
            Column(
                "Status",
                lambda r: r.status,
                color=lambda r: _STEP_COLORS.get(r.status),
            ),
            Column("Note", lambda r: str(r.plan.get("note", "")), tooltip=step_tooltip),
            Column("Legs", lambda r: legs_text(r.plan.get("legs", [])), tooltip=step_tooltip),
            Column("Result", lambda r: result_text(r.result), tooltip=step_tooltip),
        ]
        super().__init__(columns)
