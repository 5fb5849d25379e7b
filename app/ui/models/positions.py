"""Derivative positions per venue with their marks and PnL (in each contract's settle currency)."""

from __future__ import annotations

from decimal import Decimal

from app.core.instruments import Instrument, InstrumentId
from app.engine.api import PositionView
from app.ui import format as fmt
from app.ui.format import Decimals
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP

PositionKey = tuple[str, str]


def total_pnl(v: PositionView) -> Decimal | None:
    if v.unrealized is None:
        return None
    return v.unrealized + v.position.realized_pnl - v.position.fees


class PositionsModel(KeyedTableModel[PositionKey, PositionView]):
    def __init__(self, decimals: Decimals, instruments: dict[InstrumentId, Instrument]) -> None:
        def sym(v: PositionView) -> str:
            return v.position.instrument_id.symbol

        def settle(v: PositionView) -> str:
            inst = instruments.get(InstrumentId(v.venue, sym(v)))
            return inst.settle_currency if inst else ""

        def price(v: PositionView, value: Decimal | None) -> str:
            return fmt.num(value, decimals.price(v.venue, sym(v)))

        def money(value: Decimal | None) -> str:
            return fmt.signed(value, 2)

        columns: list[Column[PositionView]] = [
            Column(QT_TRANSLATE_NOOP("Columns", "Venue"), lambda v: v.venue),
            Column(QT_TRANSLATE_NOOP("Columns", "Instrument"), sym),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Qty"),
                lambda v: fmt.signed(v.position.qty, decimals.qty(v.venue, sym(v))),
                lambda v: v.position.qty,
                lambda v: fmt.pnl_color(v.position.qty),
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Entry"),
                lambda v: price(v, v.position.avg_entry),
                lambda v: v.position.avg_entry,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Mark"),
                lambda v: price(v, v.mark),
                lambda v: v.mark or 0,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "uPnL"),
                lambda v: money(v.unrealized),
                lambda v: v.unrealized or 0,
                lambda v: fmt.pnl_color(v.unrealized),
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "PnL"),
                lambda v: money(total_pnl(v)),
                lambda v: total_pnl(v) or 0,
                lambda v: fmt.pnl_color(total_pnl(v)),
                tooltip=QT_TRANSLATE_NOOP("Columns", "unrealized + realized - fees"),
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Notional"),
                lambda v: fmt.num(v.notional, 2),
                lambda v: v.notional or 0,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "rPnL"),
                lambda v: money(v.position.realized_pnl),
                lambda v: v.position.realized_pnl,
                lambda v: fmt.pnl_color(v.position.realized_pnl),
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Fees"),
                lambda v: fmt.num(v.position.fees, 4),
                numeric=True,
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Ccy"), settle),
        ]
        super().__init__(columns, skip_unchanged=True)
