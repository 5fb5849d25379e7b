"""The order ticket's input, parsed and checked before anything reaches the engine.

Kept apart from the widget so the rules are plain functions: what a trader typed becomes an
``OrderRequest`` or a message that says which field is wrong and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from app.core.instruments import Instrument
from app.core.orders import OrderRequest, OrderType, Side, TimeInForce


class TicketType(StrEnum):
    LIMIT = "Limit"
    MARKET = "Market"
    IOC = "Limit IOC"


class TicketError(ValueError):
    """Which field, and why; shown under the ticket."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
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
        raise TicketError(field, "required")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise TicketError(field, f"not a number: {text.strip()!r}") from None
    if not value.is_finite():
        raise TicketError(field, "must be a finite number")
    if value <= 0:
        raise TicketError(field, f"must be greater than 0, got {value}")
    return value


def _multiple(field: str, value: Decimal, increment: Decimal) -> None:
    if increment > 0 and value % increment != 0:
        raise TicketError(field, f"must be a multiple of {increment.normalize()}")


def build_request(form: TicketInput, instrument: Instrument | None) -> OrderRequest:
    """The request the ticket would send; raises ``TicketError`` naming the bad field."""
    if instrument is None:
        raise TicketError("Instrument", f"{form.venue}:{form.symbol} is not traded here")
    qty = parse_decimal("Quantity", form.quantity)
    _multiple("Quantity", qty, instrument.step_size)
    if instrument.min_qty and qty < instrument.min_qty:
        raise TicketError("Quantity", f"below the venue's minimum {instrument.min_qty.normalize()}")
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
