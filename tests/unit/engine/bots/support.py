"""A BotContext the test drives (the protocol is the bots' public seam), real instruments, and
execution results built from a step as if its legs filled (in full, in part or not at all)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, Decimal

from app.core.instruments import Instrument, InstrumentId
from app.core.quotes import Quote
from app.engine.bots.model import Step
from app.engine.execution import ExecutionResult, LegFill
from app.venues.instrument_catalog import load_instruments
from app.venues.replay import DEFAULT_INSTRUMENTS_FILE

SPOT = InstrumentId("binance", "BTC/USDT")
PERP = InstrumentId("binanceusdm", "BTC/USDT:USDT")
T0 = 1_723_100_000 * 1_000_000_000


def binance_instruments() -> dict[InstrumentId, Instrument]:
    """The real trading rules of the recorded Binance markets."""
    return {i.id: i for i in load_instruments(DEFAULT_INSTRUMENTS_FILE)}


def by_id(instruments: Iterable[Instrument]) -> dict[InstrumentId, Instrument]:
    return {i.id: i for i in instruments}


class FakeContext:
    """Market time, a quote book with ages, the bot's PnL and funding rates, all set by the test."""

    def __init__(self, instruments: dict[InstrumentId, Instrument]) -> None:
        self.now = T0
        self.pnl = Decimal(0)
        self.funding: dict[tuple[str, str], float] = {}
        self.quotes: dict[InstrumentId, Quote] = {}
        self._instruments = instruments

    # -- the protocol --------------------------------------------------------------------------

    def now_ns(self) -> int:
        return self.now

    def fresh_quote(self, inst: InstrumentId, max_age_ms: int) -> Quote | None:
        quote = self.quotes.get(inst)
        if quote is None or self.now - quote.received_ns > max_age_ms * 1_000_000:
            return None
        return quote

    def instrument(self, inst: InstrumentId) -> Instrument:
        return self._instruments[inst]

    def pnl_total(self) -> Decimal:
        return self.pnl

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        return self.funding.get((venue, symbol))

    # -- driving it ----------------------------------------------------------------------------

    def advance(self, ms: int) -> None:
        self.now += ms * 1_000_000

    def quote(self, inst: InstrumentId, bid: float, ask: float, qty: float = 5.0) -> Quote:
        q = Quote(inst.venue, inst.symbol, bid, qty, ask, qty, received_ns=self.now)
        self.quotes[inst] = q
        return q


def result_of(
    step: Step,
    fractions: Sequence[float] | None = None,
    prices: Sequence[Decimal] | None = None,
    instruments: dict[InstrumentId, Instrument] | None = None,
    filled: Sequence[Decimal] | None = None,
) -> ExecutionResult:
    """The step's legs filled by ``fractions`` of their quantity (1 each by default, rounded down
    to the instrument's step when ``instruments`` are given), at ``prices`` (the quoted ones by
    default); or exactly ``filled``."""
    fractions = fractions if fractions is not None else [1.0] * len(step.legs)
    legs = []
    for i, order in enumerate(step.legs):
        qty = order.quantity * Decimal(str(fractions[i]))
        if instruments is not None:
            step_size = instruments[InstrumentId(order.venue, order.symbol)].step_size
            qty = (qty / step_size).to_integral_value(ROUND_DOWN) * step_size
        if filled is not None:
            qty = filled[i]
        price = prices[i] if prices is not None else order.price
        legs.append(
            LegFill(
                venue=order.venue,
                symbol=order.symbol,
                side=order.side,
                target=order.quantity,
                filled=qty,
                avg_price=price if qty > 0 else None,
                client_order_ids=(f"c{i}",),
            )
        )
    complete = all(f.filled == f.target for f in legs)
    return ExecutionResult(
        trace_id="t",
        legs=tuple(legs),
        complete=complete,
        balanced=True,
        residual=(),
        leg_risk_events=0,
        unknown=(),
    )
