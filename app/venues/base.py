"""The one protocol through which the engine talks to every venue.

Two roles, which a live exchange plays both of:
- a ``MarketFeed`` pushes quotes (and connection states) for one or more venues;
- a ``Venue`` takes orders for one venue and reports orders, fills, balances and positions.

Quotes are pushed to a plain callable rather than yielded from an async iterator: one call per
update is the cheapest hand-over Python has, and the quote path is the hottest in the program.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol, runtime_checkable

from app.core.accounting import Balance, Position
from app.core.clock import Clock
from app.core.events import FundingPaid, VenueState
from app.core.instruments import Instrument
from app.core.orders import Fill, Order
from app.core.quotes import Quote

QuoteSink = Callable[[Quote], None]
StatusSink = Callable[[str, VenueState, str], None]


class VenueListener(Protocol):
    """What a venue tells the engine without being asked."""

    def on_order(self, order: Order) -> None: ...

    def on_fill(self, fill: Fill) -> None: ...

    def on_balance(self, venue: str, balance: Balance) -> None: ...

    def on_position(self, venue: str, position: Position) -> None: ...

    def on_funding(self, payment: FundingPaid) -> None:
        """Funding settled on a position; reported besides (not instead of) the balance change."""
        ...

    def on_status(self, venue: str, state: VenueState, detail: str) -> None:
        """The venue's private stream (orders, trades) went down or was (re)subscribed: after
        each subscribe that venue alone is reconciled, since updates may have been missed."""
        ...


@runtime_checkable
class MarketFeed(Protocol):
    """A source of quotes for one or more venues."""

    @property
    def clock(self) -> Clock:
        """The time the feed's quotes are stamped in (market time for a replay)."""
        ...

    def instruments(self) -> Sequence[Instrument]: ...

    def venues(self) -> Sequence[str]: ...

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        """Current funding rate per interval of a perpetual, where the feed knows it."""
        ...

    async def run(self, sink: QuoteSink, status: StatusSink) -> None:
        """Push quotes until the feed ends (a replay) or ``close`` is called."""
        ...

    async def close(self) -> None: ...


StreamFactory = Callable[[], Coroutine[Any, Any, None]]


@runtime_checkable
class Streaming(Protocol):
    """A feed or a venue whose long-lived loops (live streams) the engine's supervisor runs,
    each restarted with backoff if it fails."""

    def streams(self, sink: QuoteSink, status: StatusSink) -> dict[str, StreamFactory]: ...


@runtime_checkable
class PrivateStreaming(Protocol):
    """A venue with a private stream (orders, trades) for the supervisor to run."""

    def streams(self) -> dict[str, StreamFactory]: ...


@runtime_checkable
class Venue(Protocol):
    """Order entry and account state of one venue. Every order carries our client order id."""

    @property
    def name(self) -> str: ...

    def instruments(self) -> Sequence[Instrument]: ...

    def set_listener(self, listener: VenueListener) -> None: ...

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    async def create_order(self, order: Order) -> Order:
        """Send ``order`` (status NEW or PENDING_SUBMIT); returns it as the venue acknowledged it.

        Raises ``OrderRejected`` (definitive), ``AmbiguousOutcome`` (may have arrived) or
        ``TransientError`` (not sent).
        """
        ...

    async def cancel_order(self, client_order_id: str, symbol: str) -> Order: ...

    async def cancel_all(self, symbol: str | None = None) -> list[Order]: ...

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]: ...

    async def fetch_order(self, client_order_id: str, symbol: str) -> Order | None: ...

    async def fetch_fills(self, since_ns: int = 0, symbol: str | None = None) -> list[Fill]: ...

    async def fetch_balances(self) -> dict[str, Balance]: ...

    async def fetch_positions(self) -> list[Position]: ...
