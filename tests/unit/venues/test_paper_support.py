"""Shared pieces of the paper venue tests: instruments, a recording listener, quotes and orders.

A plain module (imported by the tests and by conftest.py) because tests/ has no packages.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from app.core.accounting import Balance, Position
from app.core.events import FundingPaid
from app.core.instruments import Instrument, InstrumentKind
from app.core.orders import Fill, Order, OrderType, Side, TimeInForce
from app.core.quotes import Quote
from app.venues.paper import PaperVenue

D = Decimal
VENUE = "sim-a"
SPOT = Instrument(
    VENUE, "BTC/USDT", "BTC", "USDT",
    tick_size=D("0.01"), step_size=D("0.0001"), min_qty=D("0.0001"), min_notional=D(5),
    maker_fee=D("0.001"), taker_fee=D("0.002"),
)  # fmt: skip
PERP = Instrument(
    VENUE, "BTC/USDT:USDT", "BTC", "USDT", InstrumentKind.PERPETUAL,
    tick_size=D("0.1"), step_size=D("0.001"), min_qty=D("0.001"), min_notional=D(5),
    maker_fee=D("0.0002"), taker_fee=D("0.0005"), settle="USDT",
)  # fmt: skip
INVERSE = Instrument(
    VENUE, "BTC/USD:BTC", "BTC", "USD", InstrumentKind.PERPETUAL,
    tick_size=D("0.5"), step_size=D(1), min_qty=D(1), contract_size=D(100),
    maker_fee=D("0.0002"), taker_fee=D("0.0005"), settle="BTC", inverse=True,
)  # fmt: skip
STARTING = {"USDT": D(100_000), "BTC": D(1), "ETH": D(10)}


class Recorder:
    """A VenueListener that keeps everything it is told, in order."""

    def __init__(self) -> None:
        self.orders: list[Order] = []
        self.fills: list[Fill] = []
        self.balances: list[tuple[str, Balance]] = []
        self.positions: list[tuple[str, Position]] = []
        self.fundings: list[FundingPaid] = []
        self.log: list[object] = []

    def on_order(self, order: Order) -> None:
        self.orders.append(order)
        self.log.append(order)

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)
        self.log.append(fill)

    def on_balance(self, venue: str, balance: Balance) -> None:
        self.balances.append((venue, balance))
        self.log.append(balance)

    def on_position(self, venue: str, position: Position) -> None:
        self.positions.append((venue, position))
        self.log.append(position)

    def on_funding(self, payment: FundingPaid) -> None:
        self.fundings.append(payment)
        self.log.append(payment)

    def clear(self) -> None:
        for kept in (self.orders, self.fills, self.balances, self.positions, self.fundings):
            kept.clear()
        self.log.clear()

    def states(self, client_order_id: str) -> list[str]:
        return [o.status.value for o in self.orders if o.client_order_id == client_order_id]


def quote(
    symbol: str = SPOT.symbol,
    bid: float = 99.0,
    ask: float = 100.0,
    bid_qty: float = 1.0,
    ask_qty: float = 1.0,
    t: int = 0,
    venue: str = VENUE,
) -> Quote:
    return Quote(venue, symbol, bid, bid_qty, ask, ask_qty, t)


_ids = iter(range(1, 1_000_000))


def order(
    side: Side | str,
    qty: str | Decimal,
    price: str | Decimal | None = None,
    *,
    symbol: str = SPOT.symbol,
    tif: TimeInForce = TimeInForce.GTC,
    reduce_only: bool = False,
    cid: str | None = None,
    venue: str = VENUE,
) -> Order:
    return Order(
        client_order_id=cid or f"c{next(_ids)}",
        venue=venue,
        symbol=symbol,
        side=Side(side),
        type=OrderType.MARKET if price is None else OrderType.LIMIT,
        quantity=D(qty),
        price=None if price is None else D(price),
        time_in_force=tif,
        reduce_only=reduce_only,
    )


MakeVenue = Callable[..., PaperVenue]
