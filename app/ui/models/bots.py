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

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from app.engine.api import BotStatus, BotView, CycleRecord, IntentRow
from app.ui import format as fmt
from app.ui import names
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP

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
        tooltip=tip,  # marked for translation by the caller
        numeric=True,
    )


translate = QCoreApplication.translate


class BotsModel(KeyedTableModel[str, BotView]):
    """Every bot, keyed by its id; rows re-sent unchanged are not repainted."""

    def __init__(self) -> None:
        columns: list[Column[BotView]] = [
            Column(QT_TRANSLATE_NOOP("Columns", "Bot"), lambda v: v.id),
            Column(QT_TRANSLATE_NOOP("Columns", "Kind"), lambda v: v.kind),
            Column(
                QT_TRANSLATE_NOOP("Columns", "State"),
                lambda v: names.name(v.status.value),
                color=lambda v: status_color(v.status),
                tooltip=lambda v: translate("Columns", "{status}, phase {phase}").format(
                    status=names.name(v.status.value), phase=v.phase
                ),
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Phase"), lambda v: v.phase),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Cycle"),
                lambda v: str(v.cycle),
                lambda v: v.cycle,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Position"),
                lambda v: v.position,
                tooltip=lambda v: v.position,
            ),
            _money_column(
                QT_TRANSLATE_NOOP("Columns", "Realized"),
                lambda v: v.pnl.realized,
                QT_TRANSLATE_NOOP("Columns", "realized PnL (closed trades)"),
            ),
            _money_column(
                QT_TRANSLATE_NOOP("Columns", "Unrealized"),
                lambda v: v.pnl.unrealized,
                QT_TRANSLATE_NOOP("Columns", "what the open position is worth now"),
            ),
            _money_column(
                QT_TRANSLATE_NOOP("Columns", "Funding"),
                lambda v: v.pnl.funding,
                QT_TRANSLATE_NOOP("Columns", "funding received (+) or paid (-)"),
            ),
            _money_column(
                QT_TRANSLATE_NOOP("Columns", "Fees"),
                lambda v: v.pnl.fees,
                QT_TRANSLATE_NOOP("Columns", "fees paid"),
                signed=False,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "PnL"),
                lambda v: exact(v.pnl.total) + ("" if v.pnl.complete else " *"),
                lambda v: v.pnl.total,
                lambda v: fmt.pnl_color(v.pnl.total),
                tooltip=lambda v: (
                    translate("Columns", "realized + unrealized + funding - fees")
                    + (
                        ""
                        if v.pnl.complete
                        else "\n" + translate("Columns", "* some asset cannot be valued now")
                    )
                ),
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Orders"),
                lambda v: str(v.orders),
                lambda v: v.orders,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Leg risk"),
                lambda v: str(v.leg_risk_events),
                lambda v: v.leg_risk_events,
                lambda v: fmt.AMBER if v.leg_risk_events else None,
                tooltip=QT_TRANSLATE_NOOP(
                    "Columns", "times the leg-risk policy had to hedge or unwind"
                ),
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Last event"),
                lambda v: v.last_event,
                tooltip=lambda v: v.last_event,
            ),
        ]
        super().__init__(columns, skip_unchanged=True)


class CyclesModel(KeyedTableModel[int, CycleRecord]):
    """The selected bot's finished cycles."""

    def __init__(self) -> None:
        columns: list[Column[CycleRecord]] = [
            Column(
                QT_TRANSLATE_NOOP("Columns", "Cycle"),
                lambda c: str(c.cycle),
                lambda c: c.cycle,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Opened"),
                lambda c: fmt.clock(c.opened_ns),
                lambda c: c.opened_ns,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Closed"),
                lambda c: fmt.clock(c.closed_ns),
                lambda c: c.closed_ns,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Adds"),
                lambda c: str(c.adds),
                lambda c: c.adds,
                numeric=True,
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Entry"), lambda c: c.entry),
            Column(QT_TRANSLATE_NOOP("Columns", "Exit"), lambda c: c.exit_reason),
            Column(
                QT_TRANSLATE_NOOP("Columns", "PnL"),
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
            Column(
                QT_TRANSLATE_NOOP("Columns", "Time"),
                lambda r: fmt.clock(r.created_ns),
                lambda r: r.created_ns,
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Trace"), lambda r: r.trace_id),
            Column(QT_TRANSLATE_NOOP("Columns", "Action"), lambda r: r.action),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Status"),
                lambda r: names.name(r.status),
                color=lambda r: _STEP_COLORS.get(r.status),
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Note"),
                lambda r: str(r.plan.get("note", "")),
                tooltip=step_tooltip,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Legs"),
                lambda r: legs_text(r.plan.get("legs", [])),
                tooltip=step_tooltip,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Result"),
                lambda r: result_text(r.result),
                tooltip=step_tooltip,
            ),
        ]
        super().__init__(columns)
