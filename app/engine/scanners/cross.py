"""Cross-venue arbitrage: one market listed on several venues; buy the ask on one, sell the bid
on another, after both taker fees.

Markets are grouped by unified symbol (which names the base, the quote, and for derivatives the
settlement and expiry). A quote compares its market with the others of its group only, in both
directions, through each market's two rates (``bid * keep`` and ``keep / ask``). Sizes are
counted in base units, so venues with different contract sizes compare correctly; each leg's
quantity is in its own instrument's units.

A symbol listed on many venues (``index_min`` or more) keeps its markets' rates in columns with
their maximum (``rate_column``): a quote compares only with the venues that make a trade now (in
O(1) when none does), not with all of them, and finds the same opportunities in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from functools import partial

from app.core.instruments import Instrument
from app.core.opportunities import Leg, Opportunity, OpportunityKind, Signal
from app.core.orders import Side
from app.core.quotes import Quote
from app.engine.scanners.base import Gate
from app.engine.scanners.markets import FeeOverride, MarketSpec, specs
from app.engine.scanners.rate_column import RateColumn

_INF = float("inf")
#: Symbols on at least this many venues are searched through rate columns.
INDEX_MIN = 8


class CrossVenueScanner:
    kind = OpportunityKind.CROSS
    gated = True

    def __init__(
        self,
        instruments: Iterable[Instrument],
        *,
        min_edge_bps: float = 0.0,
        fee: FeeOverride = None,
        venues: Collection[str] = (),
        index_min: int = INDEX_MIN,
    ) -> None:
        chosen = [s for s in specs(instruments, fee) if not venues or s.venue in venues]
        groups: dict[str, list[MarketSpec]] = {}
        for spec in chosen:
            groups.setdefault(spec.symbol, []).append(spec)
        self._specs: list[MarketSpec] = []
        for members in groups.values():
            if len(members) > 1:
                self._specs.extend(members)
        self._index = {s.key: i for i, s in enumerate(self._specs)}
        n = len(self._specs)
        self._others: list[tuple[int, ...]] = [
            tuple(self._index[o.key] for o in groups[s.symbol] if o is not s) for s in self._specs
        ]
        self._keep = [s.keep for s in self._specs]
        self._sell = [0.0] * n  # bid * keep
        self._buy = [0.0] * n  # keep / ask
        self._quotes: list[Quote | None] = [None] * n
        self._floor = 1.0 + min_edge_bps / 10_000.0
        # Per market of a large group: the group's sell and buy columns, its members (market
        # indexes, ascending) and its own position among them.
        self._column: list[tuple[RateColumn, RateColumn, tuple[int, ...], int] | None] = [None] * n
        for members in groups.values():
            if len(members) > 1 and len(members) >= index_min:
                ids = tuple(self._index[spec.key] for spec in members)
                sells, buys = RateColumn(len(ids)), RateColumn(len(ids))
                for pos, i in enumerate(ids):
                    self._column[i] = (sells, buys, ids, pos)

    def markets(self) -> Collection[tuple[str, str]]:
        return self._index.keys()

    def update(self, quote: Quote) -> None:
        i = self._index.get((quote.venue, quote.symbol), -1)
        if i >= 0:
            self._record(i, quote)

    def route(
        self, market: tuple[str, str], gate: Gate | None = None
    ) -> Callable[[Quote], list[Opportunity]]:
        """``on_quote`` for the quotes of ``market`` only (its index looked up once); with a
        ``gate``, what it drops is not built nor returned."""
        if gate is None:
            return partial(self._on_market, self._index[market])
        return partial(self._on_market, self._index[market], gate=gate)

    def _record(self, i: int, quote: Quote) -> None:
        self._quotes[i] = quote
        bid, ask = quote.bid, quote.ask
        if 0.0 < bid <= ask < _INF:
            keep = self._keep[i]
            sell = self._sell[i] = bid * keep
            buy = self._buy[i] = keep / ask
        else:
            sell = self._sell[i] = 0.0
            buy = self._buy[i] = 0.0
        column = self._column[i]
        if column is not None:
            column[0].set(column[3], sell)
            column[1].set(column[3], buy)

    def on_quote(self, quote: Quote) -> list[Opportunity]:
        i = self._index.get((quote.venue, quote.symbol), -1)
        if i < 0:
            return []
        return self._on_market(i, quote)

    def _on_market(self, i: int, quote: Quote, gate: Gate | None = None) -> list[Opportunity]:
        self._record(i, quote)
        sell, buy, floor = self._sell, self._buy, self._floor
        out: list[Opportunity] = []
        mine_buy, mine_sell = buy[i], sell[i]
        others = self._others[i]
        column = self._column[i]
        if column is not None:
            if not mine_buy > 0.0:
                return out  # no sane quote here: no rate through this market
            # Venues whose bid pays for this ask, or whose ask this bid pays for (a superset).
            sells, buys, ids, mine = column
            hits = sells.at_least(floor / mine_buy) + buys.at_least(floor / mine_sell)
            if not hits:
                return out
            found = set(hits)
            found.discard(mine)
            others = tuple(ids[p] for p in sorted(found))
        ts = quote.received_ns
        for j in others:
            rate = mine_buy * sell[j]
            if rate > floor:
                opp = self._opportunity(i, j, rate, ts, gate)
                if opp is not None:
                    out.append(opp)
            rate = buy[j] * mine_sell
            if rate > floor:
                opp = self._opportunity(j, i, rate, ts, gate)
                if opp is not None:
                    out.append(opp)
        return out

    def scan(self, now_ns: int) -> list[Opportunity]:
        sell, buy, floor = self._sell, self._buy, self._floor
        out = []
        for i, others in enumerate(self._others):
            for j in others:
                rate = buy[i] * sell[j]
                if rate > floor:
                    opp = self._opportunity(i, j, rate, now_ns, None)
                    assert opp is not None  # no gate: always built
                    out.append(opp)
        return out

    def _opportunity(
        self, b: int, s: int, rate: float, ts_ns: int, gate: Gate | None
    ) -> Opportunity | None:
        """Buy on market ``b`` at its ask, sell on market ``s`` at its bid; None if ``gate``
        drops it (nothing built)."""
        buy_spec, sell_spec = self._specs[b], self._specs[s]
        bq, sq = self._quotes[b], self._quotes[s]
        assert bq is not None and sq is not None  # a positive rate needs both quotes
        base = min(buy_spec.base_qty(bq.ask_qty, bq.ask), sell_spec.base_qty(sq.bid_qty, sq.bid))
        buy_qty, sell_qty = buy_spec.units(base, bq.ask), sell_spec.units(base, sq.bid)
        key = f"cross:{bq.symbol}:{bq.venue}>{sq.venue}"
        edge = (rate - 1.0) * 10_000.0
        size = base * bq.ask
        if gate is not None and gate(
            self.kind,
            key,
            Signal.ENTRY,
            edge,
            size,
            buy_spec.quote,
            ((bq.venue, bq.symbol, buy_qty, bq.ask), (sq.venue, sq.symbol, sell_qty, sq.bid)),
            min(bq.received_ns, sq.received_ns),
        ):
            return None
        legs = (
            Leg(bq.venue, bq.symbol, Side.BUY, bq.ask, buy_qty, bq.received_ns),
            Leg(sq.venue, sq.symbol, Side.SELL, sq.bid, sell_qty, sq.received_ns),
        )
        return Opportunity(
            kind=self.kind,
            key=key,
            legs=legs,
            edge_bps=edge,
            size_quote=size,
            size_asset=buy_spec.quote,
            ts_ns=ts_ns,
        )

    def __repr__(self) -> str:
        return f"CrossVenueScanner(markets={len(self._specs)})"
