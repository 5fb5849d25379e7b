"""The order ticket's input, parsed and checked before anything reaches the engine.

Kept apart from the widget so the rules are plain functions: what a trader typed becomes an
``OrderRequest`` or a message that says which field is wrong and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from PySide6.QtCore import QCoreApplication

from app.core.instruments import Instrument
from app.core.orders import OrderRequest, OrderType, Side, TimeInForce
from app.ui.names import QT_TRANSLATE_NOOP

translate = QCoreApplication.translate

#: The ticket's field names, translated when a message names one.
FIELDS = (
    QT_TRANSLATE_NOOP("TicketForm", "Instrument"),
    QT_TRANSLATE_NOOP("TicketForm", "Quantity"),
    QT_TRANSLATE_NOOP("TicketForm", "Price"),
)
#: The ticket's order types as shown in its list.
TYPE_NAMES = (
    QT_TRANSLATE_NOOP("TicketForm", "Limit"),
    QT_TRANSLATE_NOOP("TicketForm", "Market"),
    QT_TRANSLATE_NOOP("TicketForm", "Limit IOC"),
)


class TicketType(StrEnum):
    LIMIT = "Limit"
    MARKET = "Market"
    IOC = "Limit IOC"


class TicketError(ValueError):
    """Which field, and why; shown under the ticket (in the window's language)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{translate('TicketForm', field)}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class TicketInput:
    venue: str
    symbol: str
    side: Side
    kind: TicketType
    quantity: str
    price: str
    reduce_only: bool = False


def parse_decimal(field: str, text: str) -> Decimal:
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not cleaned:
        raise TicketError(field, translate("TicketForm", "required"))
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise TicketError(
            field, translate("TicketForm", "not a number: {text}").format(text=repr(text.strip()))
        ) from None
    if not value.is_finite():
        raise TicketError(field, translate("TicketForm", "must be a finite number"))
    if value <= 0:
        raise TicketError(
            field,
            translate("TicketForm", "must be greater than 0, got {value}").format(value=value),
        )
    return value


def _multiple(field: str, value: Decimal, increment: Decimal) -> None:
    if increment > 0 and value % increment != 0:
        raise TicketError(
            field,
            translate("TicketForm", "must be a multiple of {step}").format(
                step=increment.normalize()
            ),
        )


def build_request(form: TicketInput, instrument: Instrument | None) -> OrderRequest:
    """The request the ticket would send; raises ``TicketError`` naming the bad field."""
    if instrument is None:
        raise TicketError(
            "Instrument",
            translate("TicketForm", "{instrument} is not traded here").format(
                instrument=f"{form.venue}:{form.symbol}"
            ),
        )
    qty = parse_decimal("Quantity", form.quantity)
    _multiple("Quantity", qty, instrument.step_size)
    if instrument.min_qty and qty < instrument.min_qty:
        raise TicketError(
            "Quantity",
            translate("TicketForm", "below the venue's minimum {minimum}").format(
                minimum=instrument.min_qty.normalize()
            ),
        )
    price: Decimal | None = None
    if form.kind is not TicketType.MARKET:
        price = parse_decimal("Price", form.price)
        _multiple("Price", price, instrument.tick_size)
    return OrderRequest(
        venue=form.venue,
        symbol=form.symbol,
        side=form.side,
        quantity=qty,
        price=price,
        type=OrderType.MARKET if form.kind is TicketType.MARKET else OrderType.LIMIT,
        time_in_force=TimeInForce.GTC if form.kind is TicketType.LIMIT else TimeInForce.IOC,
        reduce_only=form.reduce_only,
        origin="manual",
    )
