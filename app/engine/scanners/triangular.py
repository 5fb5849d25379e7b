"""Triangular arbitrage on one venue: round three markets, after three taker fees.

Every triangle is found once from the instruments (``triangles``). A quote re-evaluates only the
directed triangles through its market: three list reads and two multiplications each. Markets
in many triangles (BTC/USDT is in about two hundred on Binance) are evaluated with numpy in one
go, the others in a plain loop; both multiply in the same order, so results are identical. No
object is built unless a product passes the floor ``1 + min_edge_bps / 10,000``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from functools import partial

import numpy as np
import numpy.typing as npt

from app.core.instruments import Instrument, InstrumentKind
from app.core.opportunities import Opportunity, OpportunityKind
from app.core.quotes import Quote
from app.engine.scanners.chain import asset_rank, chain_opportunity
from app.engine.scanners.markets import FeeOverride, specs
from app.engine.scanners.spot_book import SpotBook
from app.engine.scanners.triangles import DirectedPath, directed_paths, find_triangles

IntArray = npt.NDArray[np.intp]

#: Markets in at least this many directed triangles are evaluated with numpy.
VECTOR_MIN = 64


class TriangularScanner:
    kind = OpportunityKind.TRIANGULAR

    def __init__(
        self,
        instruments: Iterable[Instrument],
        *,
        min_edge_bps: float = 0.0,
        fee: FeeOverride = None,
        venues: Collection[str] = (),
        vector_min: int = VECTOR_MIN,
    ) -> None:
        chosen = [
            s
            for s in specs(instruments, fee)
            if s.kind is InstrumentKind.SPOT and (not venues or s.venue in venues)
        ]
        book = SpotBook(chosen)
        rank_by_venue: dict[str, dict[str, int]] = {}
        for venue in {s.venue for s in chosen}:
            rank_by_venue[venue] = asset_rank(SpotBook([s for s in chosen if s.venue == venue]))
        paths: list[DirectedPath] = []
        for tri in find_triangles(book):
            paths.extend(directed_paths(book, tri, rank_by_venue[book.specs[tri[0]].venue]))
        self._book = book
        self.paths = paths
        self._keys = [f"triangular:{p.venue}:{'>'.join(p.assets)}" for p in paths]
        self._floor = 1.0 + min_edge_bps / 10_000.0
        through: list[list[int]] = [[] for _ in range(len(book))]
        for pid, path in enumerate(paths):
            for m in set(path.markets):
                through[m].append(pid)
        # Per market: either a tuple of (path id, r0, r1, r2) for the loop, or numpy columns.
        self._loop: list[tuple[tuple[int, int, int, int], ...]] = []
        self._vector: list[tuple[IntArray, IntArray, IntArray, IntArray] | None] = []
        for pids in through:
            rows = [(pid, *paths[pid].steps) for pid in pids]
            if len(rows) >= vector_min:
                cols = np.array(rows, dtype=np.intp).T.copy()
                self._vector.append((cols[0], cols[1], cols[2], cols[3]))
                self._loop.append(())
            else:
                self._vector.append(None)
                self._loop.append(tuple((r[0], r[1], r[2], r[3]) for r in rows))
        self._markets = frozenset(book.specs[m].key for m, pids in enumerate(through) if pids)
        self._np_rates = np.zeros(2 * len(book), dtype=np.float64)
        self._uses_vector = any(v is not None for v in self._vector)

    # -- Scanner ------------------------------------------------------------------------------

    def markets(self) -> Collection[tuple[str, str]]:
        return self._markets

    def update(self, quote: Quote) -> None:
        m = self._book.update(quote)
        if m >= 0 and self._uses_vector:
            rates = self._book.rates
            self._np_rates[2 * m] = rates[2 * m]
            self._np_rates[2 * m + 1] = rates[2 * m + 1]

    def on_quote(self, quote: Quote) -> list[Opportunity]:
        m = self._book.index.get((quote.venue, quote.symbol), -1)
        if m < 0:
            return []
        return self._on_market(m, quote)

    def route(self, market: tuple[str, str]) -> Callable[[Quote], list[Opportunity]]:
        """``on_quote`` for the quotes of ``market`` only (its index looked up once)."""
        return partial(self._on_market, self._book.index[market])

    def _on_market(self, m: int, quote: Quote) -> list[Opportunity]:
        book = self._book
        book.update_at(m, quote)
        rates = book.rates
        floor = self._floor
        out: list[Opportunity] = []
        vector = self._vector[m]
        if self._uses_vector:
            np_rates = self._np_rates
            np_rates[2 * m] = rates[2 * m]
            np_rates[2 * m + 1] = rates[2 * m + 1]
        if vector is None:
            for pid, r0, r1, r2 in self._loop[m]:
                product = rates[r0] * rates[r1] * rates[r2]
                if product > floor:
                    out.append(self._opportunity(pid, product, quote.received_ns))
            return out
        ids, c0, c1, c2 = vector
        np_rates = self._np_rates
        products = np_rates[c0] * np_rates[c1] * np_rates[c2]
        if not products.max() > floor:
            return out  # the usual case: one reduction, no index list built
        for hit in np.flatnonzero(products > floor).tolist():
            out.append(self._opportunity(int(ids[hit]), float(products[hit]), quote.received_ns))
        return out

    def scan(self, now_ns: int) -> list[Opportunity]:
        """Every directed triangle above the floor, from the quotes recorded so far."""
        rates = self._book.rates
        floor = self._floor
        out = []
        for pid, path in enumerate(self.paths):
            r0, r1, r2 = path.steps
            product = rates[r0] * rates[r1] * rates[r2]
            if product > floor:
                out.append(self._opportunity(pid, product, now_ns))
        return out

    # -- internals ----------------------------------------------------------------------------

    def _opportunity(self, pid: int, product: float, ts_ns: int) -> Opportunity:
        return chain_opportunity(
            self._book, self.kind, self._keys[pid], self.paths[pid].steps, product, ts_ns
        )

    def __repr__(self) -> str:
        return f"TriangularScanner(markets={len(self._book)}, paths={len(self.paths)})"
