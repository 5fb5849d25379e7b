"""Float views of instruments for the scanners: fee, contract size, expiry as plain numbers.

Scanners never touch ``Decimal`` (DESIGN.md: market data maths is float); they read these specs,
built once. ``keep`` is what a taker fee leaves of a fill: ``1 - fee``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.core.instruments import Instrument, InstrumentKind
from app.core.money import to_float

#: A taker fee override in basis points: one for every instrument, or per venue.
FeeOverride = float | Mapping[str, float] | None


def taker_fee(inst: Instrument, override: FeeOverride = None) -> float:
    """The taker fee of ``inst`` as a fraction; the override (in bps) where it has one."""
    if isinstance(override, int | float):
        return float(override) / 10_000.0
    if override is not None and inst.venue in override:
        return float(override[inst.venue]) / 10_000.0
    return to_float(inst.taker_fee)


@dataclass(frozen=True, slots=True)
class MarketSpec:
    venue: str
    symbol: str
    base: str
    quote: str
    kind: InstrumentKind
    keep: float
    contract_size: float
    inverse: bool
    expiry_ns: int | None

    @classmethod
    def of(cls, inst: Instrument, fee: FeeOverride = None) -> MarketSpec:
        fraction = taker_fee(inst, fee)
        if not 0.0 <= fraction < 1.0:
            raise ValueError(f"taker fee of {inst.id} must be in [0, 1), got {fraction}")
        return cls(
            venue=inst.venue,
            symbol=inst.symbol,
            base=inst.base,
            quote=inst.quote,
            kind=inst.kind,
            keep=1.0 - fraction,
            contract_size=to_float(inst.contract_size),
            inverse=inst.inverse,
            expiry_ns=inst.expiry_ms * 1_000_000 if inst.expiry_ms is not None else None,
        )

    @property
    def key(self) -> tuple[str, str]:
        return (self.venue, self.symbol)

    def base_qty(self, qty: float, price: float) -> float:
        """Base units of ``qty`` in this instrument's units (contracts for derivatives)."""
        if self.inverse:
            return qty * self.contract_size / price
        return qty * self.contract_size

    def units(self, base_qty: float, price: float) -> float:
        """This instrument's units (base for spot, contracts for derivatives) of ``base_qty``."""
        if self.inverse:
            return base_qty * price / self.contract_size
        return base_qty / self.contract_size


def specs(instruments: Iterable[Instrument], fee: FeeOverride = None) -> list[MarketSpec]:
    """Specs of ``instruments`` in a stable order (venue, symbol), duplicates refused."""
    items = list(instruments)
    seen: set[tuple[str, str]] = set()
    out: list[MarketSpec] = []
    for inst in sorted(items, key=lambda i: (i.venue, i.symbol)):
        key = (inst.venue, inst.symbol)
        if key in seen:
            raise ValueError(f"instrument {inst.venue}:{inst.symbol} given twice")
        seen.add(key)
        out.append(MarketSpec.of(inst, fee))
    return out
