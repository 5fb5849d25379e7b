"""Pairs (statistical arbitrage): the z-score of ``log(P1) - beta * log(P2)``.

``beta``, the spread's mean and its deviation come from a rolling least squares over the last
``window`` samples of the two mids, sampled every ``sample_interval_ms`` of market time (so a
fast-quoting leg does not weigh more). Every quote of either leg is then scored against the latest
fit: one subtraction and a division.

Entry when ``|z| >= entry_z`` and the edge reaches ``min_edge_bps``: sell the rich side and buy
the cheap one (short the spread when z is positive: sell leg 1, and trade ``beta`` of leg 2's
notional the other way). Once an entry was
signalled, one exit signal follows when the z-score is back within ``exit_z`` of zero (or beyond,
on the other side). The edge is what reversion to the mean would earn on leg 1's notional from the
executable prices, after the taker fees of entering and of leaving both legs (for an exit: what
closing now costs against the mean, after its own fees). The two legs should share their quote
currency (notional is compared across them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import partial

from app.core.instruments import Instrument
from app.core.opportunities import Leg, Opportunity, OpportunityKind, PairsDetail, Signal
from app.core.orders import Side
from app.core.quotes import Quote
from app.engine.scanners.markets import FeeOverride, MarketSpec, specs
from app.engine.scanners.rolling import Fit, RollingOls

_INF = float("inf")
Market = tuple[str, str]
#: side, price and visible quantity of leg 1, then of leg 2
_Priced = tuple[Side, float, float, Side, float, float]


class _Pair:
    __slots__ = ("key", "leg1", "leg2", "next_sample_ns", "ols", "state")

    def __init__(self, leg1: int, leg2: int, key: str, window: int) -> None:
        self.leg1 = leg1
        self.leg2 = leg2
        self.key = key
        self.ols = RollingOls(window)
        self.next_sample_ns = 0
        self.state = 0  # 0: no signal; -1: short spread signalled; +1: long spread signalled


class PairsScanner:
    kind = OpportunityKind.PAIRS

    def __init__(
        self,
        instruments: Iterable[Instrument],
        pairs: Sequence[tuple[Market, Market]],
        *,
        window: int = 300,
        sample_interval_ms: int = 1_000,
        entry_z: float = 2.0,
        exit_z: float = 0.5,
        min_edge_bps: float = 0.0,
        fee: FeeOverride = None,
    ) -> None:
        if not 0.0 <= exit_z < entry_z:
            raise ValueError(f"need 0 <= exit_z < entry_z, got {exit_z} and {entry_z}")
        known = {s.key: s for s in specs(instruments, fee)}
        used: dict[Market, int] = {}
        self._specs: list[MarketSpec] = []
        self._pairs: list[_Pair] = []
        for leg1, leg2 in pairs:
            for leg in (leg1, leg2):
                if leg not in known:
                    raise ValueError(f"pairs: no instrument {leg[0]}:{leg[1]}")
                if leg not in used:
                    used[leg] = len(self._specs)
                    self._specs.append(known[leg])
            if leg1 == leg2:
                raise ValueError(f"pairs: both legs are {leg1[0]}:{leg1[1]}")
            key = f"pairs:{leg1[0]}:{leg1[1]}~{leg2[0]}:{leg2[1]}"
            self._pairs.append(_Pair(used[leg1], used[leg2], key, window))
        self._index = used
        self._quotes: list[Quote | None] = [None] * len(self._specs)
        through: list[list[_Pair]] = [[] for _ in self._specs]
        for pair in self._pairs:
            through[pair.leg1].append(pair)
            through[pair.leg2].append(pair)
        self._through = [tuple(t) for t in through]
        self._interval_ns = sample_interval_ms * 1_000_000
        self._entry = entry_z
        self._exit = exit_z
        self._floor = min_edge_bps

    # -- Scanner ------------------------------------------------------------------------------

    def markets(self) -> Collection[Market]:
        return self._index.keys()

    def update(self, quote: Quote) -> None:
        i = self._index.get((quote.venue, quote.symbol), -1)
        if i >= 0:
            self._quotes[i] = quote

    def on_quote(self, quote: Quote) -> list[Opportunity]:
        i = self._index.get((quote.venue, quote.symbol), -1)
        if i < 0:
            return []
        return self._on_market(i, quote)

    def route(self, market: Market) -> Callable[[Quote], list[Opportunity]]:
        """``on_quote`` for the quotes of ``market`` only (its index looked up once)."""
        return partial(self._on_market, self._index[market])

    def _on_market(self, i: int, quote: Quote) -> list[Opportunity]:
        self._quotes[i] = quote
        out: list[Opportunity] = []
        for pair in self._through[i]:
            self._evaluate(pair, quote.received_ns, out)
        return out

    def scan(self, now_ns: int) -> list[Opportunity]:
        """Scores every pair against its latest fit (samples only come with quotes)."""
        out: list[Opportunity] = []
        for pair in self._pairs:
            self._evaluate(pair, now_ns, out, sample=False)
        return out

    def fit(self, leg1: Market, leg2: Market) -> Fit | None:
        for pair in self._pairs:
            if (self._specs[pair.leg1].key, self._specs[pair.leg2].key) == (leg1, leg2):
                return pair.ols.fit
        return None

    # -- internals ----------------------------------------------------------------------------

    def _evaluate(
        self, pair: _Pair, ts_ns: int, out: list[Opportunity], sample: bool = True
    ) -> None:
        q1, q2 = self._quotes[pair.leg1], self._quotes[pair.leg2]
        if q1 is None or q2 is None:
            return
        bid1, ask1, bid2, ask2 = q1.bid, q1.ask, q2.bid, q2.ask
        if not (0.0 < bid1 <= ask1 < _INF and 0.0 < bid2 <= ask2 < _INF):
            return
        x = math.log((bid2 + ask2) * 0.5)
        y = math.log((bid1 + ask1) * 0.5)
        if sample and ts_ns >= pair.next_sample_ns:
            pair.next_sample_ns = ts_ns + self._interval_ns
            pair.ols.add(x, y)
        fit = pair.ols.fit
        if fit is None:
            return
        spread = y - fit.beta * x
        z = (spread - fit.mean) / fit.std
        if z >= self._entry or z <= -self._entry:
            direction = -1 if z > 0 else 1
            legs = self._legs(pair, direction, fit)
            edge = self._edge(pair, legs, direction, fit, Signal.ENTRY)
            if edge >= self._floor:
                pair.state = direction
                detail = PairsDetail(z, fit.beta, spread, fit.mean, fit.std)
                out.append(self._opportunity(pair, legs, edge, Signal.ENTRY, detail, ts_ns))
        elif (pair.state == -1 and z <= self._exit) or (pair.state == 1 and z >= -self._exit):
            direction = -pair.state  # undo the position the entry opened
            pair.state = 0
            legs = self._legs(pair, direction, fit)
            edge = self._edge(pair, legs, direction, fit, Signal.EXIT)
            detail = PairsDetail(z, fit.beta, spread, fit.mean, fit.std)
            out.append(self._opportunity(pair, legs, edge, Signal.EXIT, detail, ts_ns))

    def _legs(self, pair: _Pair, direction: int, fit: Fit) -> _Priced:
        """Sides, prices and visible quantities; ``direction`` +1 buys the spread (leg 1)."""
        q1, q2 = self._quotes[pair.leg1], self._quotes[pair.leg2]
        assert q1 is not None and q2 is not None
        side1 = Side.BUY if direction > 0 else Side.SELL
        side2 = side1.opposite if fit.beta > 0 else side1
        p1, avail1 = (q1.ask, q1.ask_qty) if side1 is Side.BUY else (q1.bid, q1.bid_qty)
        p2, avail2 = (q2.ask, q2.ask_qty) if side2 is Side.BUY else (q2.bid, q2.bid_qty)
        return side1, p1, avail1, side2, p2, avail2

    def _edge(self, pair: _Pair, legs: _Priced, direction: int, fit: Fit, signal: Signal) -> float:
        """Reversion to the mean from the executable prices, on leg 1's notional, after fees."""
        p1, p2 = legs[1], legs[4]
        executable = math.log(p1) - fit.beta * math.log(p2)
        gain = (fit.mean - executable) if direction > 0 else (executable - fit.mean)
        keep = self._specs[pair.leg1].keep * self._specs[pair.leg2].keep
        if signal is Signal.ENTRY:
            keep *= keep  # an entry pays the fees of leaving too; an exit only its own
        return (math.exp(gain) * keep - 1.0) * 10_000.0

    def _opportunity(
        self,
        pair: _Pair,
        legs: _Priced,
        edge: float,
        signal: Signal,
        detail: PairsDetail,
        ts_ns: int,
    ) -> Opportunity:
        """Leg 1 at the notional every visible quantity allows; leg 2 at ``|beta|`` of it."""
        s1, s2 = self._specs[pair.leg1], self._specs[pair.leg2]
        q1, q2 = self._quotes[pair.leg1], self._quotes[pair.leg2]
        assert q1 is not None and q2 is not None
        side1, p1, avail1, side2, p2, avail2 = legs
        hedge = abs(detail.beta)
        notional = s1.base_qty(avail1, p1) * p1
        if hedge > 0.0:
            notional = min(notional, s2.base_qty(avail2, p2) * p2 / hedge)
        return Opportunity(
            kind=self.kind,
            key=pair.key,
            legs=(
                Leg(s1.venue, s1.symbol, side1, p1, s1.units(notional / p1, p1), q1.received_ns),
                Leg(
                    s2.venue,
                    s2.symbol,
                    side2,
                    p2,
                    s2.units(hedge * notional / p2, p2),
                    q2.received_ns,
                ),
            ),
            edge_bps=edge,
            size_quote=notional,
            size_asset=s1.quote,
            ts_ns=ts_ns,
            signal=signal,
            detail=detail,
        )

    def __repr__(self) -> str:
        return f"PairsScanner(pairs={len(self._pairs)})"
