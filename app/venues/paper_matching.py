"""Pure matching rules of the paper venue: what an exchange checks, what is marketable, and at what
price.

Kept apart from the venue's state so each rule reads on its own. Quotes are float (market data);
everything that becomes money crosses into Decimal through ``app.core.money`` here.
"""

from __future__ import annotations

import bisect
from decimal import ROUND_HALF_UP, Decimal

from app.core.instruments import Instrument
from app.core.money import ZERO, round_price, round_qty
from app.core.orders import Order, OrderType, Side, TimeInForce
from app.core.quotes import Quote
from app.venues.errors import OrderRejected

_EIGHT_PLACES = Decimal("0.00000001")
_TWO_PLACES = Decimal("0.01")


def fmt(amount: Decimal) -> str:
    """An amount for a message: at most 8 decimals, at least 2, never in exponent notation."""
    shown = amount.quantize(_EIGHT_PLACES, ROUND_HALF_UP).normalize()
    exponent = shown.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        shown = shown.quantize(_TWO_PLACES)
    return format(shown, "f")


def validate_static(inst: Instrument, order: Order) -> None:
    """The checks that need no market: order shape, tick, step and minimum quantity.

    The minimum notional of a market order needs a price, so it is checked in ``check_notional``.
    """
    where = f"{order.symbol} on {order.venue}"
    if order.type is OrderType.LIMIT:
        if order.price is None or order.price <= 0:
            raise OrderRejected(f"limit order on {where} needs a positive price")
        if order.price % inst.tick_size != 0:
            raise OrderRejected(
                f"price {order.price} is not a multiple of tick {inst.tick_size} for {where}"
            )
    elif order.time_in_force is TimeInForce.POST_ONLY:
        raise OrderRejected(f"a market order cannot be post-only ({where})")
    if order.quantity <= 0:
        raise OrderRejected(f"quantity must be positive, got {order.quantity} for {where}")
    if order.filled_qty != 0:
        raise OrderRejected(f"a new order cannot be filled already ({order.filled_qty}, {where})")
    if order.quantity % inst.step_size != 0:
        raise OrderRejected(
            f"quantity {order.quantity} is not a multiple of step {inst.step_size} for {where}"
        )
    if order.quantity < inst.min_qty:
        raise OrderRejected(
            f"quantity {order.quantity} is below the minimum {inst.min_qty} for {where}"
        )
    if order.reduce_only and not inst.is_derivative:
        raise OrderRejected(f"reduce-only applies to derivatives, {where} is spot")


def check_notional(inst: Instrument, order: Order, price: Decimal) -> None:
    """Notional in the quote currency (USD for an inverse contract) against the venue minimum."""
    notional = inst.notional_quote(order.quantity, price)
    if notional < inst.min_notional:
        raise OrderRejected(
            f"notional {fmt(notional)} {inst.quote} ({order.quantity} @ {price}) is below the "
            f"minimum {fmt(inst.min_notional)} {inst.quote} for {order.symbol} on {order.venue}"
        )


def taker_price(side: Side, quote: Quote, tick: Decimal) -> Decimal | None:
    """What a taker pays or gets: the ask for a buy, the bid for a sell; None if that side is empty.

    A quote off the tick is rounded against the taker, so the paper venue never flatters a fill.
    """
    if side is Side.BUY:
        return round_price(quote.ask, tick, "up") if quote.ask > 0 else None
    return round_price(quote.bid, tick, "down") if quote.bid > 0 else None


def visible_qty(side: Side, quote: Quote, step: Decimal) -> Decimal:
    """What a taker on ``side`` can take from the quote, in whole steps."""
    size = quote.ask_qty if side is Side.BUY else quote.bid_qty
    return round_qty(size, step) if size > 0 else ZERO


def within_limit(side: Side, limit: Decimal | None, price: Decimal) -> bool:
    """Whether ``price`` is at or better than the order's limit (a market order has none)."""
    if limit is None:
        return True
    return price <= limit if side is Side.BUY else price >= limit


def trade_fee(inst: Instrument, qty: Decimal, price: Decimal, rate: Decimal) -> Decimal:
    """Fee of one fill: on the quote amount for spot, on the settle-currency notional otherwise."""
    if inst.is_derivative:
        return inst.notional(qty, price) * rate
    return qty * price * rate


def fee_currency(inst: Instrument) -> str:
    """Spot pays fees in the quote currency, derivatives in their settle currency."""
    return inst.settle_currency if inst.is_derivative else inst.quote


def fee_allowance_rate(inst: Instrument) -> Decimal:
    """The rate held back for fees while an order is open: the dearer of maker and taker."""
    return max(inst.maker_fee, inst.taker_fee, ZERO)


class Resting:
    """A resting limit order as the book sees it: a float price for the per-quote compare."""

    __slots__ = ("client_order_id", "price", "seq", "side")

    def __init__(self, client_order_id: str, side: Side, price: float, seq: int) -> None:
        self.client_order_id = client_order_id
        self.side = side
        self.price = price
        self.seq = seq


class RestingBook:
    """Resting orders of one symbol in price-time priority: best price first, then oldest.

    Only the head of each side is compared per quote, so a quote that crosses nothing costs two
    float compares.
    """

    __slots__ = ("buys", "sells")

    def __init__(self) -> None:
        self.buys: list[Resting] = []
        self.sells: list[Resting] = []

    def add(self, entry: Resting) -> None:
        if entry.side is Side.BUY:
            bisect.insort(self.buys, entry, key=_buy_priority)
        else:
            bisect.insort(self.sells, entry, key=_sell_priority)

    def remove(self, client_order_id: str, side: Side) -> None:
        entries = self.buys if side is Side.BUY else self.sells
        for i, entry in enumerate(entries):
            if entry.client_order_id == client_order_id:
                del entries[i]
                return

    def __bool__(self) -> bool:
        return bool(self.buys or self.sells)


def _buy_priority(entry: Resting) -> tuple[float, int]:
    return (-entry.price, entry.seq)


def _sell_priority(entry: Resting) -> tuple[float, int]:
    return (entry.price, entry.seq)
