"""Basis (cash-and-carry): spot against a perpetual or dated future of the same asset.

Entry (carry): buy spot at the ask, sell the derivative at the bid, when that two-leg trade's edge
after both taker fees reaches ``entry_edge_bps``; for a dated future, optionally only when the
basis annualised to expiry reaches ``min_annualized_bps``. Once an entry was signalled, one exit
signal follows when the closing basis (derivative ask over spot bid) has fallen to
``exit_basis_bps``: the thresholds give hysteresis, so a basis hovering near one level does not
flip signals. The reverse trade (sell spot, buy the derivative: needs spot inventory or a borrow)
is scanned only when asked for.

Spot and derivative pair when their bases match and their quotes match (or fall in one of the
``quote_groups`` treated as the same money, e.g. USD and USDT), on one venue or across venues.
``state`` gives the current numbers of a pair on demand (for charts), whether or not it signals.

Across venues one spot pairs with every venue's derivative of its asset: with many venues a quote
would re-evaluate dozens of pairs. In such groups (``index_min`` members on a side or more) each
side's rates are kept in columns with their maximum (``rate_column``), so a quote evaluates only
the pairs that can signal now (plus those with a signal open, which may exit): the same results
as evaluating them all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from app.core.instruments import Instrument, InstrumentId, InstrumentKind
from app.core.opportunities import BasisDetail, Leg, Opportunity, OpportunityKind, Signal
from app.core.orders import Side
from app.core.quotes import Quote
from app.engine.scanners.base import Gate
from app.engine.scanners.markets import FeeOverride, MarketSpec, specs
from app.engine.scanners.rate_column import RateColumn

_INF = float("inf")
_DAY_NS = 86_400 * 1_000_000_000
_CARRY = 0  # long spot, short derivative
_REVERSE = 1  # short spot, long derivative
#: Groups with at least this many markets on one side are searched through rate columns.
INDEX_MIN = 8


class _Group:
    """One asset's spots and derivatives that all pair with each other, and the rates the entry
    tests compare: ``bid * keep`` (selling) and ``keep / ask`` (buying), ``keep`` being what the
    taker fee leaves."""

    __slots__ = ("deriv_buy", "deriv_sell", "derivs", "spot_buy", "spot_sell", "spots")

    def __init__(self, spots: list[int], derivs: list[int]) -> None:
        self.spots = spots  # market indexes by position
        self.derivs = derivs
        self.spot_sell = RateColumn(len(spots))
        self.spot_buy = RateColumn(len(spots))
        self.deriv_sell = RateColumn(len(derivs))
        self.deriv_buy = RateColumn(len(derivs))


@dataclass(frozen=True, slots=True)
class BasisState:
    """One pair's numbers now. ``entry_edge_bps``: the carry trade after fees; ``close_basis_bps``:
    what closing it would pay (derivative ask over spot bid), before fees."""

    spot: InstrumentId
    derivative: InstrumentId
    basis_bps: float
    entry_edge_bps: float
    close_basis_bps: float
    annualized_bps: float | None
    days_to_expiry: float | None
    funding_rate: float | None
    ts_ns: int


class BasisScanner:
    kind = OpportunityKind.BASIS
    gated = True

    def __init__(
        self,
        instruments: Iterable[Instrument],
        *,
        entry_edge_bps: float = 0.0,
        exit_basis_bps: float = 0.0,
        min_annualized_bps: float | None = None,
        fee: FeeOverride = None,
        venues: Collection[str] = (),
        cross_venue: bool = True,
        derivatives: Collection[InstrumentKind] = (InstrumentKind.PERPETUAL, InstrumentKind.FUTURE),
        reverse: bool = False,
        quote_groups: Sequence[Collection[str]] = (),
        funding: Callable[[str, str], float | None] | None = None,
        index_min: int = INDEX_MIN,
    ) -> None:
        chosen = [s for s in specs(instruments, fee) if not venues or s.venue in venues]
        money = {asset: min(group) for group in quote_groups for asset in group}

        def same_money(a: str, b: str) -> bool:
            return a == b or (a in money and money.get(a) == money.get(b))

        spots = [s for s in chosen if s.kind is InstrumentKind.SPOT]
        derivs = [s for s in chosen if s.kind in derivatives and s.kind is not InstrumentKind.SPOT]
        pairs = [
            (s, d)
            for s in spots
            for d in derivs
            if s.base == d.base
            and same_money(s.quote, d.quote)
            and (cross_venue or s.venue == d.venue)
        ]
        by_key = {m.key: m for pair in pairs for m in pair}
        used = sorted(by_key)
        self._index = {key: i for i, key in enumerate(used)}
        self._specs: list[MarketSpec] = [by_key[k] for k in used]
        self._quotes: list[Quote | None] = [None] * len(used)
        self._pairs = [(self._index[s.key], self._index[d.key]) for s, d in pairs]
        self._by_key = {(s.key, d.key): pid for pid, (s, d) in enumerate(pairs)}
        through: list[list[int]] = [[] for _ in used]
        for pid, (si, di) in enumerate(self._pairs):
            through[si].append(pid)
            through[di].append(pid)
        self._through = [tuple(p) for p in through]
        self._keys = [
            (
                f"basis:{s.venue}:{s.symbol}>{d.venue}:{d.symbol}",
                f"basis:{d.venue}:{d.symbol}>{s.venue}:{s.symbol}",
            )
            for s, d in pairs
        ]
        self._pairs_keep = [
            (si, di, self._specs[si].keep * self._specs[di].keep) for si, di in self._pairs
        ]
        self._entered = [[False, False] for _ in pairs]
        self._entry_rate = 1.0 + entry_edge_bps / 10_000.0
        self._exit = exit_basis_bps
        self._min_annual = min_annualized_bps
        self._reverse = reverse
        self._funding = funding
        self._build_index(money, cross_venue, index_min)

    def _build_index(self, money: dict[str, str], cross_venue: bool, index_min: int) -> None:
        """Pairs join every spot and derivative with the same base, money and (unless across
        venues) venue: such a group is complete, so sorted rates can stand for its pairs."""

        def group_key(spec: MarketSpec) -> tuple[str, str, str]:
            quote = spec.quote
            same = "group:" + money[quote] if quote in money else "asset:" + quote
            return spec.base, same, "" if cross_venue else spec.venue

        members: dict[tuple[str, str, str], list[int]] = {}
        for i, spec in enumerate(self._specs):
            members.setdefault(group_key(spec), []).append(i)
        self._spot = [s.kind is InstrumentKind.SPOT for s in self._specs]
        self._keep = [s.keep for s in self._specs]
        self._group: list[_Group | None] = [None] * len(self._specs)
        self._pos = [0] * len(self._specs)  # position in its group's side
        self._pid_of: list[dict[int, int]] = [{} for _ in self._specs]
        for pid, (si, di) in enumerate(self._pairs):
            self._pid_of[si][di] = pid
            self._pid_of[di][si] = pid
        for group in members.values():
            spots = [i for i in group if self._spot[i]]
            derivs = [i for i in group if not self._spot[i]]
            if max(len(spots), len(derivs)) < index_min:
                continue
            if any(len(self._through[i]) != len(derivs) for i in spots):
                continue  # not complete (cannot happen with the rules above): evaluate each pair
            shared = _Group(spots, derivs)
            for side in (spots, derivs):
                for pos, i in enumerate(side):
                    self._group[i] = shared
                    self._pos[i] = pos
        self._open: list[set[int]] = [set() for _ in self._specs]  # pairs with a signal open

    # -- Scanner ------------------------------------------------------------------------------

    def markets(self) -> Collection[tuple[str, str]]:
        return self._index.keys()

    def update(self, quote: Quote) -> None:
        i = self._index.get((quote.venue, quote.symbol), -1)
        if i >= 0:
            self._quotes[i] = quote
            group = self._group[i]
            if group is not None:
                self._rank(i, quote, group)

    def on_quote(self, quote: Quote) -> list[Opportunity]:
        i = self._index.get((quote.venue, quote.symbol), -1)
        if i < 0:
            return []
        return self._on_market(i, quote)

    def route(
        self, market: tuple[str, str], gate: Gate | None = None
    ) -> Callable[[Quote], list[Opportunity]]:
        """``on_quote`` for the quotes of ``market`` only (its index looked up once); with a
        ``gate``, what it drops is not built nor returned (the signal state moves all the same)."""
        if gate is None:
            return partial(self._on_market, self._index[market])
        return partial(self._on_market, self._index[market], gate=gate)

    def _on_market(self, i: int, quote: Quote, gate: Gate | None = None) -> list[Opportunity]:
        self._quotes[i] = quote
        out: list[Opportunity] = []
        group = self._group[i]
        if group is None:
            for pid in self._through[i]:
                self._evaluate(pid, quote.received_ns, out, gate)
            return out
        if not self._rank(i, quote, group):
            return out  # every pair through this market needs a sane quote of it
        # The partners that make an entry now (a superset), and the pairs that may exit.
        entry, keep = self._entry_rate, self._keep[i]
        if self._spot[i]:
            partners = group.derivs
            hits = group.deriv_sell.at_least(entry * quote.ask / keep)
            if self._reverse:
                hits += group.deriv_buy.at_least(entry / (quote.bid * keep))
        else:
            partners = group.spots
            hits = group.spot_buy.at_least(entry / (quote.bid * keep))
            if self._reverse:
                hits += group.spot_sell.at_least(entry * quote.ask / keep)
        opened = self._open[i]
        if not hits and not opened:
            return out
        pid_of = self._pid_of[i]
        pids = {pid_of[partners[p]] for p in hits}
        pids.update(opened)
        for pid in sorted(pids):
            self._evaluate(pid, quote.received_ns, out, gate)
        return out

    def scan(self, now_ns: int) -> list[Opportunity]:
        out: list[Opportunity] = []
        for pid in range(len(self._pairs)):
            self._evaluate(pid, now_ns, out)
        return out

    def pairs(self) -> list[tuple[InstrumentId, InstrumentId]]:
        return [
            (
                InstrumentId(self._specs[s].venue, self._specs[s].symbol),
                InstrumentId(self._specs[d].venue, self._specs[d].symbol),
            )
            for s, d in self._pairs
        ]

    def state(self, spot: InstrumentId, derivative: InstrumentId) -> BasisState | None:
        """The pair's numbers from the latest quotes; None until both sides quoted."""
        pid = self._by_key.get(((spot.venue, spot.symbol), (derivative.venue, derivative.symbol)))
        if pid is None:
            return None
        si, di = self._pairs[pid]
        qs, qd = self._quotes[si], self._quotes[di]
        if qs is None or qd is None or not (_sane(qs) and _sane(qd)):
            return None
        s, d = self._specs[si], self._specs[di]
        ts = max(qs.received_ns, qd.received_ns)
        detail = self._detail(si, di, qs, qd, ts)
        return BasisState(
            spot=spot,
            derivative=derivative,
            basis_bps=detail.basis_bps,
            entry_edge_bps=(s.keep / qs.ask * qd.bid * d.keep - 1.0) * 10_000.0,
            close_basis_bps=(qd.ask / qs.bid - 1.0) * 10_000.0,
            annualized_bps=detail.annualized_bps,
            days_to_expiry=detail.days_to_expiry,
            funding_rate=detail.funding_rate,
            ts_ns=ts,
        )

    # -- internals ----------------------------------------------------------------------------

    def _rank(self, i: int, quote: Quote, group: _Group) -> bool:
        """Keep market ``i``'s rates in its group's order; whether its quote is sane."""
        bid, ask = quote.bid, quote.ask
        sane = 0.0 < bid <= ask < _INF
        keep, pos = self._keep[i], self._pos[i]
        sell = bid * keep if sane else 0.0
        buy = keep / ask if sane else 0.0
        # Only the columns some query reads: spot buys and derivative sells for the carry,
        # the other two for the reverse trade.
        if self._spot[i]:
            group.spot_buy.set(pos, buy)
            if self._reverse:
                group.spot_sell.set(pos, sell)
        else:
            group.deriv_sell.set(pos, sell)
            if self._reverse:
                group.deriv_buy.set(pos, buy)
        return sane

    def _track(self, pid: int) -> None:
        """Note whether pair ``pid`` has a signal open (its next quotes may exit it)."""
        si, di = self._pairs[pid]
        if True in self._entered[pid]:
            self._open[si].add(pid)
            self._open[di].add(pid)
        else:
            self._open[si].discard(pid)
            self._open[di].discard(pid)

    def _evaluate(
        self, pid: int, ts_ns: int, out: list[Opportunity], gate: Gate | None = None
    ) -> None:
        si, di, keep = self._pairs_keep[pid]
        quotes = self._quotes
        qs, qd = quotes[si], quotes[di]
        if qs is None or qd is None:
            return
        s_bid, s_ask, d_bid, d_ask = qs.bid, qs.ask, qd.bid, qd.ask
        if not (0.0 < s_bid <= s_ask < _INF and 0.0 < d_bid <= d_ask < _INF):
            return
        entered = self._entered[pid]
        carry = d_bid / s_ask * keep  # buy spot at the ask, sell the derivative at the bid
        if carry >= self._entry_rate and self._annual_ok(si, di, qs, qd, ts_ns):
            entered[_CARRY] = True
            self._track(pid)
            self._emit(out, gate, pid, _CARRY, Signal.ENTRY, carry, ts_ns)
        elif entered[_CARRY] and (d_ask / s_bid - 1.0) * 10_000.0 <= self._exit:
            entered[_CARRY] = False
            self._track(pid)
            self._emit(out, gate, pid, _REVERSE, Signal.EXIT, s_bid / d_ask * keep, ts_ns)
        if not self._reverse:
            return
        reverse = s_bid / d_ask * keep  # sell spot at the bid, buy the derivative at the ask
        if reverse >= self._entry_rate:
            entered[_REVERSE] = True
            self._track(pid)
            self._emit(out, gate, pid, _REVERSE, Signal.ENTRY, reverse, ts_ns)
        elif entered[_REVERSE] and (d_bid / s_ask - 1.0) * 10_000.0 >= -self._exit:
            entered[_REVERSE] = False
            self._track(pid)
            self._emit(out, gate, pid, _CARRY, Signal.EXIT, carry, ts_ns)

    def _annual_ok(self, si: int, di: int, qs: Quote, qd: Quote, ts_ns: int) -> bool:
        if self._min_annual is None or self._specs[di].expiry_ns is None:
            return True
        annual = self._detail(si, di, qs, qd, ts_ns).annualized_bps
        return annual is not None and annual >= self._min_annual

    def _detail(self, si: int, di: int, qs: Quote, qd: Quote, ts_ns: int) -> BasisDetail:
        deriv = self._specs[di]
        basis = ((qd.bid + qd.ask) / (qs.bid + qs.ask) - 1.0) * 10_000.0
        annual = days = None
        if deriv.expiry_ns is not None:
            days = (deriv.expiry_ns - ts_ns) / _DAY_NS
            annual = basis * 365.0 / days if days > 0 else None
        funding = None
        if self._funding is not None and deriv.kind is InstrumentKind.PERPETUAL:
            funding = self._funding(deriv.venue, deriv.symbol)
        return BasisDetail(basis, annual, days, funding)

    def _emit(
        self,
        out: list[Opportunity],
        gate: Gate | None,
        pid: int,
        direction: int,
        signal: Signal,
        rate: float,
        ts_ns: int,
    ) -> None:
        """Append the opportunity unless ``gate`` drops it (then nothing is built).

        ``direction`` _CARRY buys spot and sells the derivative; _REVERSE the opposite."""
        si, di = self._pairs[pid]
        s, d = self._specs[si], self._specs[di]
        qs, qd = self._quotes[si], self._quotes[di]
        assert qs is not None and qd is not None
        if direction == _CARRY:
            spot_side, spot_px, spot_qty = Side.BUY, qs.ask, qs.ask_qty
            deriv_side, deriv_px, deriv_qty = Side.SELL, qd.bid, qd.bid_qty
        else:
            spot_side, spot_px, spot_qty = Side.SELL, qs.bid, qs.bid_qty
            deriv_side, deriv_px, deriv_qty = Side.BUY, qd.ask, qd.ask_qty
        base = min(s.base_qty(spot_qty, spot_px), d.base_qty(deriv_qty, deriv_px))
        units = d.units(base, deriv_px)
        # The first leg is the buy, as in the edge formula; the key names the position opened.
        spot_first = spot_side is Side.BUY
        entry_direction = direction if signal is Signal.ENTRY else 1 - direction
        key = self._keys[pid][entry_direction]
        edge = (rate - 1.0) * 10_000.0
        size = base * (spot_px if spot_first else deriv_px)
        if gate is not None:
            spot_parts = (s.venue, s.symbol, base, spot_px)
            deriv_parts = (d.venue, d.symbol, units, deriv_px)
            if gate(
                self.kind,
                key,
                signal,
                edge,
                size,
                s.quote,
                (spot_parts, deriv_parts) if spot_first else (deriv_parts, spot_parts),
                min(qs.received_ns, qd.received_ns),
            ):
                return
        spot_leg = Leg(s.venue, s.symbol, spot_side, spot_px, base, qs.received_ns)
        deriv_leg = Leg(d.venue, d.symbol, deriv_side, deriv_px, units, qd.received_ns)
        out.append(
            Opportunity(
                kind=self.kind,
                key=key,
                legs=(spot_leg, deriv_leg) if spot_first else (deriv_leg, spot_leg),
                edge_bps=edge,
                size_quote=size,
                size_asset=s.quote,
                ts_ns=ts_ns,
                signal=signal,
                detail=self._detail(si, di, qs, qd, ts_ns),
            )
        )

    def __repr__(self) -> str:
        return f"BasisScanner(pairs={len(self._pairs)})"


def _sane(q: Quote) -> bool:
    return 0.0 < q.bid <= q.ask < _INF
