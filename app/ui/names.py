"""The window's names of engine values (trading states, venue states, sides, order statuses and
types): translated at display time; the engine's values stay English (logs, JSON, CLI)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks ``text`` for lupdate (in ``context``); it is translated where it is shown."""
    return text


#: Engine words shown in the window as they are in English, in upper or lower case: listed with
#: QT_TRANSLATE_NOOP so that lupdate collects them, translated by ``name`` when shown.
WORDS = frozenset(
    {
        # trading states
        QT_TRANSLATE_NOOP("Names", "ACTIVE"),
        QT_TRANSLATE_NOOP("Names", "REDUCING"),
        QT_TRANSLATE_NOOP("Names", "HALTED"),
        QT_TRANSLATE_NOOP("Names", "RECONCILING"),
        QT_TRANSLATE_NOOP("Names", "STARTING"),
        # trading modes
        QT_TRANSLATE_NOOP("Names", "LIVE"),
        QT_TRANSLATE_NOOP("Names", "PAPER"),
        # venue states
        QT_TRANSLATE_NOOP("Names", "connecting"),
        QT_TRANSLATE_NOOP("Names", "connected"),
        QT_TRANSLATE_NOOP("Names", "stale"),
        QT_TRANSLATE_NOOP("Names", "down"),
        QT_TRANSLATE_NOOP("Names", "closed"),
        # sides, order types and statuses
        QT_TRANSLATE_NOOP("Names", "BUY"),
        QT_TRANSLATE_NOOP("Names", "SELL"),
        QT_TRANSLATE_NOOP("Names", "buy"),
        QT_TRANSLATE_NOOP("Names", "sell"),
        QT_TRANSLATE_NOOP("Names", "LIMIT"),
        QT_TRANSLATE_NOOP("Names", "MARKET"),
        QT_TRANSLATE_NOOP("Names", "NEW"),
        QT_TRANSLATE_NOOP("Names", "PENDING_SUBMIT"),
        QT_TRANSLATE_NOOP("Names", "OPEN"),
        QT_TRANSLATE_NOOP("Names", "PARTIALLY_FILLED"),
        QT_TRANSLATE_NOOP("Names", "PENDING_CANCEL"),
        QT_TRANSLATE_NOOP("Names", "FILLED"),
        QT_TRANSLATE_NOOP("Names", "CANCELED"),
        QT_TRANSLATE_NOOP("Names", "REJECTED"),
        QT_TRANSLATE_NOOP("Names", "EXPIRED"),
        QT_TRANSLATE_NOOP("Names", "UNKNOWN"),
        # bots, liquidity, opportunity kinds, intent steps
        QT_TRANSLATE_NOOP("Names", "stopped"),
        QT_TRANSLATE_NOOP("Names", "running"),
        QT_TRANSLATE_NOOP("Names", "paused"),
        QT_TRANSLATE_NOOP("Names", "failed"),
        QT_TRANSLATE_NOOP("Names", "restarting"),
        QT_TRANSLATE_NOOP("Names", "maker"),
        QT_TRANSLATE_NOOP("Names", "taker"),
        QT_TRANSLATE_NOOP("Names", "cross"),
        QT_TRANSLATE_NOOP("Names", "triangular"),
        QT_TRANSLATE_NOOP("Names", "cycles"),
        QT_TRANSLATE_NOOP("Names", "basis"),
        QT_TRANSLATE_NOOP("Names", "pairs"),
        QT_TRANSLATE_NOOP("Names", "done"),
        QT_TRANSLATE_NOOP("Names", "pending"),
        QT_TRANSLATE_NOOP("Names", "abandoned"),
        QT_TRANSLATE_NOOP("Names", "entry"),
        QT_TRANSLATE_NOOP("Names", "exit"),
        # risk checks (the ticket's list, the rejections table)
        QT_TRANSLATE_NOOP("Names", "trading_state"),
        QT_TRANSLATE_NOOP("Names", "instrument_tradable"),
        QT_TRANSLATE_NOOP("Names", "quote_fresh"),
        QT_TRANSLATE_NOOP("Names", "price_band"),
        QT_TRANSLATE_NOOP("Names", "venue_minimums"),
        QT_TRANSLATE_NOOP("Names", "max_order_notional"),
        QT_TRANSLATE_NOOP("Names", "max_position_notional"),
        QT_TRANSLATE_NOOP("Names", "max_gross_exposure"),
        QT_TRANSLATE_NOOP("Names", "max_open_orders"),
        QT_TRANSLATE_NOOP("Names", "enough_balance"),
        QT_TRANSLATE_NOOP("Names", "order_rate"),
        QT_TRANSLATE_NOOP("Names", "duplicate_order"),
        QT_TRANSLATE_NOOP("Names", "cancel_rate"),
        # log levels (the log panel's Level column), and an alert's mark there
        QT_TRANSLATE_NOOP("Names", "DEBUG"),
        QT_TRANSLATE_NOOP("Names", "INFO"),
        QT_TRANSLATE_NOOP("Names", "WARNING"),
        QT_TRANSLATE_NOOP("Names", "ERROR"),
        QT_TRANSLATE_NOOP("Names", "CRITICAL"),
        QT_TRANSLATE_NOOP("Names", "ALERT"),
        # position sides
        QT_TRANSLATE_NOOP("Names", "long"),
        QT_TRANSLATE_NOOP("Names", "short"),
        QT_TRANSLATE_NOOP("Names", "flat"),
    }
)


def name(value: str) -> str:
    """The window's name of an engine word (``HALTED``, ``buy``, ``FILLED`` …): its translation
    when it is one of ``WORDS``, else the word itself."""
    return translate("Names", value) if value in WORDS else value
