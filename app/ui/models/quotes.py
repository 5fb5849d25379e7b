"""Market watch rows: the latest quote per venue and instrument, its age, stale rows marked."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from app.core.quotes import Quote
from app.ui import format as fmt
from app.ui.format import Decimals
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP

QuoteKey = tuple[str, str]
AGE_COLUMN = 7


translate = QCoreApplication.translate


class QuotesModel(KeyedTableModel[QuoteKey, Quote]):
    def __init__(self, decimals: Decimals, now_ns: Callable[[], int]) -> None:
        self.stale: frozenset[QuoteKey] = frozenset()
        self._now_ns = now_ns

        def price(q: Quote, value: float) -> str:
            return fmt.num(value, decimals.price(q.venue, q.symbol))

        def qty(q: Quote, value: float) -> str:
            return fmt.num(value, decimals.qty(q.venue, q.symbol))

        columns: list[Column[Quote]] = [
            Column(
                QT_TRANSLATE_NOOP("Columns", "Venue"),
                lambda q: q.venue,
                lambda q: f"{q.venue}\x00{q.symbol}",
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Instrument"),
                lambda q: q.symbol,
                lambda q: f"{q.symbol}\x00{q.venue}",  # one instrument's venues side by side
                tooltip=lambda q: (
                    f"{q.venue}:{q.symbol}  "
                    + translate("Columns", "mid {price}").format(price=price(q, q.mid))
                ),
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Bid qty"),
                lambda q: qty(q, q.bid_qty),
                lambda q: q.bid_qty,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Bid"),
                lambda q: price(q, q.bid),
                lambda q: q.bid,
                _bid_color,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Ask"),
                lambda q: price(q, q.ask),
                lambda q: q.ask,
                _ask_color,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Ask qty"),
                lambda q: qty(q, q.ask_qty),
                lambda q: q.ask_qty,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Spread"),
                lambda q: fmt.num(q.spread_bps, 1),
                lambda q: q.spread_bps,
                tooltip=QT_TRANSLATE_NOOP(
                    "Columns", "best ask over best bid, in basis points of the mid"
                ),
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Age"),
                self._age_text,
                self._age_ms,
                self._age_color,
                tooltip=self._age_tooltip,
                numeric=True,
            ),
        ]
        super().__init__(columns, row_background=self._background)

    def set_stale(self, stale: frozenset[QuoteKey]) -> None:
        changed = self.stale ^ stale
        self.stale = stale
        self.upsert((k, q) for k in changed if (q := self.row(k)) is not None)

    def _age_ms(self, q: Quote) -> float:
        return max(0.0, (self._now_ns() - q.received_ns) / 1e6)

    def _age_text(self, q: Quote) -> str:
        text = fmt.age(self._age_ms(q))
        stale = (q.venue, q.symbol) in self.stale
        return translate("Columns", "STALE {age}").format(age=text) if stale else text

    def _age_color(self, q: Quote) -> QColor | None:
        return fmt.AMBER if (q.venue, q.symbol) in self.stale else fmt.MUTED

    def _age_tooltip(self, q: Quote) -> str:
        exchange = (
            translate("Columns", "; exchange time {time}").format(time=fmt.clock(q.exchange_ns))
            if q.exchange_ns
            else ""
        )
        received = translate("Columns", "received {time} (market time, UTC)")
        return received.format(time=fmt.clock(q.received_ns)) + exchange

    def _background(self, q: Quote) -> QColor | None:
        return fmt.STALE_BG if (q.venue, q.symbol) in self.stale else None


def _bid_color(q: Quote) -> QColor:
    return fmt.GREEN


def _ask_color(q: Quote) -> QColor:
    return fmt.RED
