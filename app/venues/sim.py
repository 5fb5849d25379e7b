"""A synthetic market of several venues, for paper trading and demos without keys or network.

The prices come from ``sim_model.PriceModel`` (a common random walk plus venue noise, lag and
dislocations; perpetuals with a basis), so that cross-venue, triangular and basis opportunities
really appear and vanish. This module makes it a ``MarketFeed``: market time on its own clock from
a fixed epoch, pacing against wall time, statuses, and the funding rate of the perpetuals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from app.core.clock import ManualClock
from app.core.events import VenueState
from app.core.instruments import Instrument
from app.venues.base import QuoteSink, StatusSink
from app.venues.gate import Gate
from app.venues.pacing import Pacer
from app.venues.sim_model import (
    ASSETS,
    BLOCK_NS,
    SIM_EPOCH_NS,
    SIM_SYMBOLS,
    ModelParams,
    PriceModel,
)

DEFAULT_SIM_VENUES: Final = ("sim-a", "sim-b", "sim-c")

__all__ = ["DEFAULT_SIM_VENUES", "SIM_EPOCH_NS", "SIM_SYMBOLS", "ModelParams", "SimulatedMarket"]


class SimulatedMarket:
    """A ``MarketFeed`` of simulated venues, each with spot BTC/USDT, ETH/USDT, ETH/BTC and the
    linear perpetuals BTC/USDT:USDT and ETH/USDT:USDT.

    ``quote_rate_hz`` is the mean number of updates per second of each instrument (market time);
    ``speed`` market seconds pass per wall second (None: as fast as possible); ``duration_s`` ends
    the run after that much market time (None: runs until ``close``). The same ``seed`` gives the
    same quotes at the same market times.
    """

    def __init__(
        self,
        seed: int = 1,
        *,
        venues: Sequence[str] = DEFAULT_SIM_VENUES,
        quote_rate_hz: float = 10.0,
        speed: float | None = 1.0,
        duration_s: float | None = None,
        params: ModelParams | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        if duration_s is not None and not 0.0 < duration_s < math.inf:
            raise ValueError(f"duration_s must be > 0 or None, got {duration_s!r}")
        self._seed = seed
        self._model = PriceModel(list(venues), seed, quote_rate_hz, params)
        self._pacer = pacer if pacer is not None else Pacer(speed)
        self._clock = ManualClock(SIM_EPOCH_NS)
        self._end_ns = None if duration_s is None else SIM_EPOCH_NS + round(duration_s * 1e9)
        self._venue_index = {venue: i for i, venue in enumerate(self._model.venues)}
        self._funding_alpha = 1.0 - math.exp(
            -math.log(2.0) * (BLOCK_NS / 1e9) / self._model.params.funding_half_life_s
        )
        self._premium = self._model.last_basis.copy()
        self._started = False
        self._closed = False

    # -- MarketFeed -------------------------------------------------------------------------

    @property
    def clock(self) -> ManualClock:
        return self._clock

    def instruments(self) -> Sequence[Instrument]:
        return self._model.instruments

    def venues(self) -> Sequence[str]:
        return self._model.venues

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        """Funding per 8 h of a perpetual: its premium index, capped.

        The premium index is the basis (perp over spot on the same venue) averaged over about a
        minute. This is Binance's formula without its interest term, so the funding visibly
        follows the basis. None for spot and for unknown instruments.
        """
        v = self._venue_index.get(venue)
        if v is None or ":" not in symbol:
            return None
        base = symbol.partition("/")[0]
        if base not in ASSETS or symbol not in SIM_SYMBOLS:
            return None
        cap = self._model.params.funding_cap
        return max(-cap, min(cap, float(self._premium[v, ASSETS.index(base)])))

    async def run(self, sink: QuoteSink, status: StatusSink) -> None:
        """Push quotes until ``duration_s`` of market time has passed or ``close`` is called."""
        if self._started:
            raise RuntimeError("a SimulatedMarket runs once; build a new one to run again")
        self._started = True
        if self._closed:
            return
        for venue in self._model.venues:
            status(venue, VenueState.CONNECTED, "")
        try:
            await self._run(sink)
        finally:
            for venue in self._model.venues:
                status(venue, VenueState.CLOSED, "")

    async def close(self) -> None:
        self._closed = True
        self._pacer.stop()

    # -- extras -----------------------------------------------------------------------------

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def speed(self) -> float | None:
        return self._pacer.speed

    @speed.setter
    def speed(self, speed: float | None) -> None:
        self._pacer.speed = speed

    def basis(self, venue: str, base: str) -> float | None:
        """Mean log basis of the perpetual over spot on ``venue`` in the last market second."""
        v = self._venue_index.get(venue)
        if v is None or base not in ASSETS:
            return None
        return self._model.basis(v, ASSETS.index(base))

    def hold_while_busy(self, gate: Gate) -> None:
        """At maximum speed, wait while ``gate`` is busy before the next quote."""
        self._pacer.gate = gate

    # -- internals --------------------------------------------------------------------------

    async def _run(self, sink: QuoteSink) -> None:
        pacer, clock, model, end_ns = self._pacer, self._clock, self._model, self._end_ns
        if pacer.speed is not None:
            pacer.anchor(clock.now_ns())
        while not self._closed:
            block_end = model.block_start_ns + BLOCK_NS
            last = end_ns is not None and block_end >= end_ns
            if end_ns is not None and last:
                block_end = end_ns
            quotes = model.next_block(end_ns)
            if not await pacer.emit(quotes, sink, clock):
                return
            # Market time passes also where no quote falls (low rates): pace to the block's end.
            await pacer.wait_until(block_end)
            clock.set(block_end)
            self._premium += self._funding_alpha * (model.last_basis - self._premium)
            if last or pacer.stopped:
                return
