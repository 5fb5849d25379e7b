"""What a scanner found: the legs to trade, the edge after fees, the size the book allows.

An ``Opportunity`` is also the bus event that carries it (frozen, with slots, so handlers may keep
it). Market data maths is float (DESIGN.md): prices and quantities here are what the quotes said,
not yet rounded to the instrument's tick and step; the order path does that with ``core.money``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.core.instruments import InstrumentId
from app.core.orders import Side


class OpportunityKind(StrEnum):
    """Also the names of the scanners' settings sections and of ``arbdesk scan --kind``."""

    CROSS = "cross"
    TRIANGULAR = "triangular"
    CYCLES = "cycles"
    BASIS = "basis"
    PAIRS = "pairs"


class Signal(StrEnum):
    """``ENTRY`` opens a trade; ``EXIT`` says a position opened on an earlier entry should close."""

    ENTRY = "entry"
    EXIT = "exit"


@dataclass(frozen=True, slots=True)
class Leg:
    """One order of an opportunity.

    ``qty`` is in the instrument's own units (base for spot, contracts for derivatives), limited by
    the visible size of every leg; ``quote_ns`` is the receive time of the quote it was priced on.
    """

    venue: str
    symbol: str
    side: Side
    price: float
    qty: float
    quote_ns: int

    @property
    def instrument_id(self) -> InstrumentId:
        return InstrumentId(self.venue, self.symbol)


@dataclass(frozen=True, slots=True)
class BasisDetail:
    """Spot against a derivative of the same asset.

    ``basis_bps`` is mid over mid; ``annualized_bps`` is set for dated futures (simple, 365 days);
    the funding rate is per funding interval, where the feed knows it.
    """

    basis_bps: float
    annualized_bps: float | None = None
    days_to_expiry: float | None = None
    funding_rate: float | None = None


@dataclass(frozen=True, slots=True)
class PairsDetail:
    """The spread ``log(P1) - beta * log(P2)`` and its rolling statistics when signalled."""

    zscore: float
    beta: float
    spread: float
    mean: float
    std: float


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A trade the market offers now.

    ``edge_bps`` = (product of the legs' rates after taker fees - 1) x 10,000 (pairs: if the
    z-score reverted to zero, after the fees of entering and leaving). ``size_quote`` is how much
    of ``size_asset`` the first leg spends at the size every leg's visible quantity allows.
    ``key`` names the trade independently of prices (cooldowns and concurrency count by it).
    """

    kind: OpportunityKind
    key: str
    legs: tuple[Leg, ...]
    edge_bps: float
    size_quote: float
    size_asset: str
    ts_ns: int
    signal: Signal = Signal.ENTRY
    detail: BasisDetail | PairsDetail | None = None

    @property
    def ages_ms(self) -> tuple[float, ...]:
        """Age of each leg's quote when the opportunity was found."""
        ts = self.ts_ns
        return tuple((ts - leg.quote_ns) / 1e6 for leg in self.legs)

    def max_age_ms(self, now_ns: int) -> float:
        """Age of the oldest quote used, at ``now_ns``."""
        return (now_ns - min(leg.quote_ns for leg in self.legs)) / 1e6

    @property
    def instruments(self) -> tuple[InstrumentId, ...]:
        return tuple(InstrumentId(leg.venue, leg.symbol) for leg in self.legs)
