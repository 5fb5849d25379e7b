"""Typed events on the bus: frozen dataclasses with slots, so handlers can keep them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.core.accounting import Balance, Position
from app.core.orders import Fill, Order
from app.core.quotes import Quote
from app.core.trading_state import TradingState


@dataclass(frozen=True, slots=True)
class QuoteUpdated:
    quote: Quote


@dataclass(frozen=True, slots=True)
class QuoteStale:
    """A quote has not been refreshed for longer than the allowed age."""

    venue: str
    symbol: str
    age_ms: float


@dataclass(frozen=True, slots=True)
class QuoteFresh:
    """A stale instrument quoted again."""

    venue: str
    symbol: str


class VenueState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    STALE = "stale"
    DOWN = "down"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class VenueStatusChanged:
    venue: str
    state: VenueState
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PrivateStreamChanged:
    """A venue's private stream (orders, trades) lost, or (re)subscribed: updates may have been
    missed meanwhile, so that venue alone is reconciled. Apart from ``VenueStatusChanged``, which
    is the quotes' state (the venue light)."""

    venue: str
    state: VenueState
    detail: str = ""


@dataclass(frozen=True, slots=True)
class OrderUpdated:
    order: Order


@dataclass(frozen=True, slots=True)
class FillReceived:
    fill: Fill


@dataclass(frozen=True, slots=True)
class PositionChanged:
    venue: str
    position: Position


@dataclass(frozen=True, slots=True)
class BalanceChanged:
    venue: str
    balance: Balance


@dataclass(frozen=True, slots=True)
class FundingPaid:
    """Funding settled on a perpetual position, as the venue reported it: an event of its own, so
    that it can be attributed (a bot takes its share of the position) instead of being only a
    change of the settle balance, which still arrives as ``BalanceChanged`` (do not add both).

    ``amount`` is the exact change of the ``currency`` balance: > 0 received, < 0 paid.
    ``position_qty`` is the signed position it was paid on, ``mark`` the price it was valued at.
    """

    venue: str
    symbol: str
    amount: Decimal
    currency: str
    rate: Decimal
    position_qty: Decimal
    mark: Decimal
    ts_ns: int


@dataclass(frozen=True, slots=True)
class EquityUpdated:
    """Total equity per valuation currency, and PnL since the baseline."""

    ts_ns: int
    equity: tuple[tuple[str, Decimal], ...]
    pnl: tuple[tuple[str, Decimal], ...]


class AlertLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Alert:
    level: AlertLevel
    source: str
    message: str
    ts_ns: int = 0


@dataclass(frozen=True, slots=True)
class TradingStateChanged:
    state: TradingState
    reason: str
    ts_ns: int = 0


@dataclass(frozen=True, slots=True)
class RiskRejected:
    """A request refused before it could leave: which rule, and the numbers."""

    rule: str
    message: str
    venue: str
    symbol: str
    origin: str
    ts_ns: int = 0


@dataclass(frozen=True, slots=True)
class OrderAnomaly:
    """A venue report the order's lifecycle does not allow: recorded, never raised."""

    client_order_id: str
    message: str
    ts_ns: int = 0
