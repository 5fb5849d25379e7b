"""Negative cycles in the graph of ``-log(rate)``: every profitable closed path of spot
conversions up to ``max_len`` legs, on one venue (nodes are (venue, asset)) or across venues
(nodes are assets, and each step takes the best market of any venue).

Quotes are only recorded (O(1)); the search runs on demand (``scan``), on a timer. It is exact and
exhaustive, and fast because it prunes: nodes are numbered hubs first and each cycle is searched
from its lowest-numbered node ``s`` only, through nodes above ``s``; for every ``s`` a few numpy
passes give, for each node, the best log-rate of any walk of at most ``r`` legs back to ``s``, and
a path is extended only while its log-rate plus that bound can still beat the floor. So the
search visits little more than the prefixes of the cycles it reports. With ``max_results`` it
keeps the best that many, and the worst of those kept becomes the floor as the search goes on.

Dominated cycles are not reported: between two markets of one pair of assets (or of two venues)
only the better rate of each direction is used, and a cycle is dropped when a direct step between
two of its nodes beats the detour it takes between them (the shorter cycle through that shortcut
is at least as profitable, has fewer legs, and is reported itself). Without this, one mispriced
market makes hundreds of profitable 4-cycles: its triangle plus any detour through a hub.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable
from functools import partial

import numpy as np
import numpy.typing as npt

from app.core.instruments import Instrument, InstrumentKind
from app.core.opportunities import Opportunity, OpportunityKind
from app.core.quotes import Quote
from app.engine.scanners.chain import asset_rank, chain_opportunity, path_rate
from app.engine.scanners.markets import FeeOverride, specs
from app.engine.scanners.spot_book import SpotBook

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Slack on log-rates when pruning, far above float rounding: a borderline cycle is never lost
#: to rounding; the exact product decides what is reported.
_SLACK = 1e-9
_NEG_INF = float("-inf")


class CycleScanner:
    kind = OpportunityKind.CYCLES

    def __init__(
        self,
        instruments: Iterable[Instrument],
        *,
        max_len: int = 4,
        min_edge_bps: float = 0.0,
        fee: FeeOverride = None,
        venues: Collection[str] = (),
        cross_venue: bool = False,
        max_results: int | None = None,
    ) -> None:
        if not 2 <= max_len <= 8:
            raise ValueError(f"max_len must be within 2..8, got {max_len}")
        if not min_edge_bps >= 0.0:
            raise ValueError(f"min_edge_bps of cycles must be >= 0, got {min_edge_bps}")
        if max_results is not None and max_results < 1:
            raise ValueError(f"max_results must be >= 1 or None, got {max_results}")
        chosen = [
            s
            for s in specs(instruments, fee)
            if s.kind is InstrumentKind.SPOT
            and s.base != s.quote
            and (not venues or s.venue in venues)
        ]
        self._book = SpotBook(chosen)
        self._max_len = max_len
        self._floor = 1.0 + min_edge_bps / 10_000.0
        self._max_results = max_results
        self._cross_venue = cross_venue
        self._rank = asset_rank(self._book)
        self.truncated = False
        self._pending: dict[int, Quote] = {}  # latest quote per market since the last search
        self._build_graph()

    def _node_key(self, venue: str, asset: str) -> tuple[str, str]:
        return ("", asset) if self._cross_venue else (venue, asset)

    def _build_graph(self) -> None:
        """Nodes numbered by degree (hubs first); directed pairs sorted by their lower node, so
        the pairs among nodes >= s are a prefix of the arrays."""
        book = self._book
        degree: dict[tuple[str, str], int] = {}
        for spec in book.specs:
            for asset in (spec.base, spec.quote):
                key = self._node_key(spec.venue, asset)
                degree[key] = degree.get(key, 0) + 1
        order = sorted(degree, key=lambda k: (-degree[k], k))
        node_of = {key: i for i, key in enumerate(order)}
        self._nodes = order
        candidates: dict[tuple[int, int], list[int]] = {}
        for m, spec in enumerate(book.specs):
            b = node_of[self._node_key(spec.venue, spec.base)]
            q = node_of[self._node_key(spec.venue, spec.quote)]
            candidates.setdefault((b, q), []).append(2 * m)
            candidates.setdefault((q, b), []).append(2 * m + 1)
        pairs = sorted(candidates, key=lambda p: (-min(p), p))
        self._pairs = pairs
        self._pair_candidates = [tuple(candidates[p]) for p in pairs]
        flat = [r for p in pairs for r in candidates[p]]
        starts = np.cumsum([0] + [len(candidates[p]) for p in pairs[:-1]])
        self._flat = np.array(flat, dtype=np.intp)
        self._starts = np.asarray(starts, dtype=np.intp)
        self._single = all(len(c) == 1 for c in self._pair_candidates)
        self._src = np.array([p[0] for p in pairs], dtype=np.intp)
        self._dst = np.array([p[1] for p in pairs], dtype=np.intp)
        lows = [-min(p) for p in pairs]  # ascending
        # Number of pairs whose both ends are >= s, for every s.
        self._prefix = [bisect_right(lows, -s) for s in range(len(order))]
        self._markets = frozenset(spec.key for spec in book.specs)

    # -- Scanner ------------------------------------------------------------------------------

    def markets(self) -> Collection[tuple[str, str]]:
        return self._markets

    def update(self, quote: Quote) -> None:
        i = self._book.index.get((quote.venue, quote.symbol), -1)
        if i >= 0:
            self._pending[i] = quote

    def on_quote(self, quote: Quote) -> list[Opportunity]:
        self.update(quote)
        return []

    def route(self, market: tuple[str, str]) -> Callable[[Quote], list[Opportunity]]:
        """``on_quote`` for the quotes of ``market`` only (its index looked up once)."""
        return partial(self._on_market, self._book.index[market])

    def _on_market(self, i: int, quote: Quote) -> list[Opportunity]:
        self._pending[i] = quote
        return []

    def _apply_pending(self) -> None:
        """Quotes are only kept as they come (one store); the book takes the latest of each
        market when a search needs it."""
        update_at = self._book.update_at
        for i, quote in self._pending.items():
            update_at(i, quote)
        self._pending.clear()

    def scan(self, now_ns: int) -> list[Opportunity]:
        """Every profitable cycle (above the floor) of at most ``max_len`` legs, now."""
        self.truncated = False
        self._apply_pending()
        if not self._pairs:
            return []
        weights = self._weights()
        n = len(self._nodes)
        out: list[list[tuple[int, float, int]]] = [[] for _ in range(n)]
        direct: dict[tuple[int, int], float] = {}
        for p, w in enumerate(weights.tolist()):
            if w > _NEG_INF:
                u, v = self._pairs[p]
                out[u].append((v, w, p))
                direct[(u, v)] = w
        for edges in out:
            edges.sort(key=lambda e: -e[0])
        search = _Search(self._max_len, out, direct, self._floor, self._max_results)
        for s in range(n):
            if not out[s] or out[s][0][0] <= s:
                continue  # no step from s to a node above it
            search.run(s, self._bounds(s, weights))
        self.truncated = search.dropped > 0
        found = [o for o in (self._opportunity(p, now_ns) for p in search.paths()) if o]
        found.sort(key=lambda o: -o.edge_bps)
        return found

    # -- internals ----------------------------------------------------------------------------

    def _weights(self) -> FloatArray:
        """log of the best rate of every directed pair (-inf where unquoted)."""
        rates = np.asarray(self._book.rates, dtype=np.float64)[self._flat]
        best = rates if self._single else np.maximum.reduceat(rates, self._starts)
        with np.errstate(divide="ignore"):
            return np.log(best)

    def _bounds(self, s: int, weights: FloatArray) -> list[list[float]]:
        """``bounds[r][x]``: best log-rate of a walk of 1..r legs from ``x`` to ``s`` through
        nodes >= s, for r < max_len (an upper bound for the simple paths the search takes)."""
        k = self._prefix[s]
        src, dst, w = self._src[:k], self._dst[:k], weights[:k]
        n = len(self._nodes)
        walk = np.full(n, -np.inf)
        walk[s] = 0.0
        best = np.full(n, -np.inf)
        bounds: list[list[float]] = [[]]
        for _ in range(1, self._max_len):
            step = np.full(n, -np.inf)
            np.maximum.at(step, src, w + walk[dst])
            step[s] = -np.inf  # a walk back to s ends there
            np.maximum(best, step, out=best)
            bounds.append(best.tolist())
            walk = step
        return bounds

    def _best_step(self, p: int) -> int:
        rates = self._book.rates
        return max(self._pair_candidates[p], key=lambda r: rates[r])

    def _opportunity(self, path: list[int], ts_ns: int) -> Opportunity | None:
        steps = [self._best_step(p) for p in path]
        if len(steps) == 2 and steps[0] >> 1 == steps[1] >> 1:
            return None  # in and out of one market: a spread, not a cycle
        book = self._book
        starts = [book.step_assets(r)[0] for r in steps]
        first = min(range(len(steps)), key=lambda i: (self._rank[starts[i]], starts[i]))
        steps = steps[first:] + steps[:first]
        rate = path_rate(book, steps)
        if not rate > self._floor:
            return None
        assets = [book.step_assets(r)[0] for r in steps]
        venues = sorted({book.specs[r >> 1].venue for r in steps})
        key = f"cycles:{'+'.join(venues)}:{'>'.join([*assets, assets[0]])}"
        return chain_opportunity(book, self.kind, key, steps, rate, ts_ns)

    def __repr__(self) -> str:
        return f"CycleScanner(markets={len(self._book)}, nodes={len(self._nodes)})"


class _Search:
    """The depth-first search of one ``scan``: simple cycles from each start node ``s`` through
    nodes above it, pruned by the walk bounds, by shortcuts, and (with ``keep``) by the worst of
    the best ``keep`` cycles found so far."""

    def __init__(
        self,
        max_len: int,
        out: list[list[tuple[int, float, int]]],
        direct: dict[tuple[int, int], float],
        floor: float,
        keep: int | None,
    ) -> None:
        self._max_len = max_len
        self._out = out
        self._direct = direct
        self._base = math.log(floor) - _SLACK
        self.limit = self._base
        self._keep = keep
        self._heap: list[tuple[float, int, list[int]]] = []
        self._count = 0
        self.dropped = 0

    def paths(self) -> list[list[int]]:
        """The cycles kept, as lists of directed pair indexes."""
        return [path for _, _, path in self._heap]

    def _found(self, total: float, path: list[int]) -> None:
        self._count += 1
        item = (total, self._count, path)
        if self._keep is None or len(self._heap) < self._keep:
            heapq.heappush(self._heap, item)
        else:
            heapq.heappushpop(self._heap, item)
            self.dropped += 1
        if self._keep is not None and len(self._heap) >= self._keep:
            self.limit = max(self._base, self._heap[0][0] - _SLACK)

    def run(self, s: int, bounds: list[list[float]]) -> None:
        max_len, out, direct = self._max_len, self._out, self._direct
        nodes = [s]
        sums = [0.0]  # log-rate of the path up to each node
        pairs: list[int] = []

        def shortcut(x: int, total: float) -> bool:
            """Whether a direct step from an earlier node to ``x`` beats the path to it."""
            for i in range(len(nodes) - 1):
                w = direct.get((nodes[i], x))
                if w is not None and w >= total - sums[i]:
                    return True
            return False

        def dominated(total: float) -> bool:
            """Whether a direct step beats any detour of the closed cycle, also through s."""
            n = len(nodes)
            for i in range(n):
                for length in range(2, n):
                    j = i + length
                    if j < n:
                        w = direct.get((nodes[i], nodes[j]))
                        detour = sums[j] - sums[i]
                    else:
                        w = direct.get((nodes[i], nodes[j - n]))
                        detour = total - sums[i] + sums[j - n]
                    if w is not None and w >= detour:
                        return True
            return False

        def extend(v: int, acc: float, depth: int) -> None:
            remaining = max_len - depth - 1  # legs left after the next one
            for x, w, p in out[v]:
                if x < s:
                    break
                total = acc + w
                if x == s:
                    if depth >= 1 and total > self.limit and not dominated(total):
                        self._found(total, [*pairs, p])
                elif (
                    remaining >= 1
                    and total + bounds[remaining][x] > self.limit
                    and x not in nodes
                    and not shortcut(x, total)
                ):
                    nodes.append(x)
                    sums.append(total)
                    pairs.append(p)
                    extend(x, total, depth + 1)
                    pairs.pop()
                    sums.pop()
                    nodes.pop()

        extend(s, 0.0, 0)
