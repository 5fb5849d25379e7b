"""The order and its lifecycle: one explicit transition table, and nothing else changes a state.

``UNKNOWN`` means the request was sent and its outcome is not known; such an order is never sent
again, only settled by asking the venue. A fill may still arrive after ``CANCELED`` or
``EXPIRED`` (the cancel raced a match): the order keeps its final state with the fill counted, or
becomes ``FILLED`` when the fill completes it, so a canceled order never looks live again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from app.core.instruments import InstrumentId
from app.core.money import ZERO


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    POST_ONLY = "PO"


class OrderStatus(StrEnum):
    NEW = "NEW"
    PENDING_SUBMIT = "PENDING_SUBMIT"
    OPEN = "OPEN"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    PENDING_CANCEL = "PENDING_CANCEL"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    UNKNOWN = "UNKNOWN"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL

    @property
    def is_open(self) -> bool:
        """Could still trade: resting, being sent, being canceled or not known."""
        return self not in TERMINAL and self is not OrderStatus.NEW


S = OrderStatus
TRANSITIONS: Final[dict[OrderStatus, frozenset[OrderStatus]]] = {
    S.NEW: frozenset({S.PENDING_SUBMIT, S.REJECTED}),
    S.PENDING_SUBMIT: frozenset(
        {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED, S.UNKNOWN}
    ),
    S.OPEN: frozenset(
        {S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.CANCELED, S.EXPIRED, S.UNKNOWN}
    ),
    S.PARTIALLY_FILLED: frozenset(
        {S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.CANCELED, S.EXPIRED, S.UNKNOWN}
    ),
    S.PENDING_CANCEL: frozenset(
        {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED, S.UNKNOWN}
    ),
    S.UNKNOWN: frozenset(
        {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.CANCELED, S.REJECTED, S.EXPIRED}
    ),
    S.CANCELED: frozenset({S.CANCELED, S.FILLED}),
    S.FILLED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset({S.EXPIRED, S.FILLED}),
}
TERMINAL: Final = frozenset({S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED})


class IllegalTransition(ValueError):
    """A state change the table does not allow; the OMS records it as an anomaly."""

    def __init__(self, client_order_id: str, old: OrderStatus, new: OrderStatus) -> None:
        super().__init__(f"order {client_order_id}: {old} -> {new} is not allowed")
        self.client_order_id = client_order_id
        self.old = old
        self.new = new


def can_transition(old: OrderStatus, new: OrderStatus) -> bool:
    return new in TRANSITIONS[old]


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a bot, a ticket, an algo or the panic path asks for, before any id is given."""

    venue: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal | None = None
    type: OrderType = OrderType.LIMIT
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    origin: str = "manual"
    trace_id: str = ""

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"quantity must be positive, got {self.quantity}")
        if self.type is OrderType.LIMIT and (self.price is None or self.price <= 0):
            raise ValueError("a limit order needs a positive price")


#: What ``Order.transition`` may change besides the status and time (its fast copy's fields).
_STATE_FIELDS: Final = frozenset({"filled_qty", "avg_fill_price", "venue_order_id", "reason"})


@dataclass(frozen=True, slots=True)
class Order:
    """One order as last known. Immutable: every change makes a new value via ``transition``."""

    client_order_id: str
    venue: str
    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal
    price: Decimal | None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    origin: str = "manual"
    status: OrderStatus = OrderStatus.NEW
    filled_qty: Decimal = ZERO
    avg_fill_price: Decimal | None = None
    venue_order_id: str | None = None
    reason: str | None = None
    created_ns: int = 0
    updated_ns: int = 0
    trace_id: str = ""

    @classmethod
    def from_request(cls, request: OrderRequest, client_order_id: str, now_ns: int) -> Order:
        return cls(
            client_order_id=client_order_id,
            venue=request.venue,
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            quantity=request.quantity,
            price=request.price,
            time_in_force=request.time_in_force,
            reduce_only=request.reduce_only,
            origin=request.origin,
            trace_id=request.trace_id,
            created_ns=now_ns,
            updated_ns=now_ns,
        )

    @property
    def instrument_id(self) -> InstrumentId:
        return InstrumentId(self.venue, self.symbol)

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled_qty

    def transition(self, new: OrderStatus, now_ns: int, **changes: Any) -> Order:
        """The order in state ``new``; raises ``IllegalTransition`` if the table forbids it."""
        if not can_transition(self.status, new):
            raise IllegalTransition(self.client_order_id, self.status, new)
        if not changes.keys() <= _STATE_FIELDS:
            return replace(self, status=new, updated_ns=now_ns, **changes)
        get = changes.get
        return self.with_state(
            new,
            now_ns,
            get("filled_qty", self.filled_qty),
            get("avg_fill_price", self.avg_fill_price),
            get("venue_order_id", self.venue_order_id),
            get("reason", self.reason),
        )

    def with_state(
        self,
        status: OrderStatus,
        updated_ns: int,
        filled_qty: Decimal,
        avg_fill_price: Decimal | None,
        venue_order_id: str | None,
        reason: str | None,
    ) -> Order:
        """A copy with the fields a venue's report or a transition may change, the others kept;
        no transition check (``transition`` checks, the OMS checks before it calls this).

        Decision: built by one positional constructor call instead of ``dataclasses.replace``
        (which walks every field and goes through keyword arguments): 23.5 -> 9.9 us a copy in
        a micro-benchmark at load ~7, and an order is copied about four times on its way
        (``benchmarks/oms.py``; notes on ``oms.py`` in benchmarks/README.md).
        """
        return Order(
            self.client_order_id, self.venue, self.symbol, self.side, self.type, self.quantity,
            self.price, self.time_in_force, self.reduce_only, self.origin, status, filled_qty,
            avg_fill_price, venue_order_id, reason, self.created_ns, updated_ns, self.trace_id,
        )  # fmt: skip

    def with_fill(self, qty: Decimal, price: Decimal, now_ns: int) -> Order:
        """The order after a fill of ``qty`` at ``price``; refuses an overfill."""
        filled = self.filled_qty + qty
        if qty <= 0 or filled > self.quantity:
            raise ValueError(
                f"order {self.client_order_id}: fill of {qty} would make {filled} "
                f"of {self.quantity}"
            )
        prior = self.avg_fill_price or ZERO
        avg = (prior * self.filled_qty + price * qty) / filled
        if filled == self.quantity:
            status = OrderStatus.FILLED
        elif self.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
            status = self.status  # a late fill: counted, the order stays closed
        else:
            status = OrderStatus.PARTIALLY_FILLED
        return self.transition(status, now_ns, filled_qty=filled, avg_fill_price=avg)


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One transition of one order, as the journal keeps it (append-only)."""

    client_order_id: str
    ts_ns: int  # market/engine clock
    actor: str  # who: the order's origin ("manual", "bot:3", "panic"), "engine", "venue", ...
    action: str  # what: "submit", "venue_update", "settle", "cancel_request", "fill", ...
    status: OrderStatus  # the order's status after this event
    filled_qty: Decimal
    detail: str = ""  # the venue's answer or our reason ("" when none)


class Liquidity(StrEnum):
    MAKER = "maker"
    TAKER = "taker"


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution. Unique by ``(venue, trade_id)``; the fee is in ``fee_currency``."""

    venue: str
    trade_id: str
    client_order_id: str
    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_currency: str
    liquidity: Liquidity
    ts_ns: int
    venue_order_id: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.venue, self.trade_id)
