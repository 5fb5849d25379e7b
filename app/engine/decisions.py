"""Decisions: which opportunities may reach the bots, and a count of why the others did not.

Checks run cheapest first and the first failure names the drop: allow and block lists (venues,
assets, instruments; a block always wins, an empty allow list allows all), minimum edge, age of
the oldest quote used, minimum size (valued in ``size_currency``), the exchanges' minimum quantity
and notional per leg, a cooldown per opportunity key, and at most N accepted opportunities at
once per instrument. An accepted one holds its instruments until ``release`` or for ``hold_ms``.
Exit signals pass the lists and the age check only: a position must be able to close.

Times are the engine clock's (market time in a replay), so decisions replay identically.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.core.instruments import Instrument, split_symbol
from app.core.money import to_float
from app.core.opportunities import Opportunity, Signal
from app.runtime.scanner_settings import DecisionSettings

#: (asset, amount, currency) -> the amount's value in currency, None if it cannot be valued.
ValueOf = Callable[[str, float, str], float | None]
#: A leg as the decisions read it: venue, symbol, quantity, price.
LegParts = tuple[str, str, float, float]


class DropReason(StrEnum):
    VENUE_BLOCKED = "venue_blocked"
    VENUE_NOT_ALLOWED = "venue_not_allowed"
    ASSET_BLOCKED = "asset_blocked"
    ASSET_NOT_ALLOWED = "asset_not_allowed"
    INSTRUMENT_BLOCKED = "instrument_blocked"
    INSTRUMENT_NOT_ALLOWED = "instrument_not_allowed"
    EDGE_BELOW_MIN = "edge_below_min"
    QUOTE_TOO_OLD = "quote_too_old"
    SIZE_BELOW_MIN = "size_below_min"
    BELOW_EXCHANGE_MINIMUM = "below_exchange_minimum"
    COOLDOWN = "cooldown"
    TOO_MANY_CONCURRENT = "too_many_concurrent"


@dataclass(frozen=True, slots=True)
class _Rules:
    """An instrument's minimums as floats."""

    base: str
    quote: str
    min_qty: float
    min_notional: float
    contract_size: float
    inverse: bool


class Decisions:
    def __init__(
        self,
        settings: DecisionSettings,
        instruments: Iterable[Instrument] = (),
        *,
        value: ValueOf | None = None,
    ) -> None:
        self.settings = settings
        s = settings
        self._venues_allow = frozenset(s.venues_allow)
        self._venues_block = frozenset(s.venues_block)
        self._assets_allow = frozenset(s.assets_allow)
        self._assets_block = frozenset(s.assets_block)
        self._inst_allow = frozenset(tuple(r.split(":", 1)) for r in s.instruments_allow)
        self._inst_block = frozenset(tuple(r.split(":", 1)) for r in s.instruments_block)
        self._check_assets = bool(self._assets_allow or self._assets_block)
        self._check_lists = self._check_assets or bool(
            self._venues_allow or self._venues_block or self._inst_allow or self._inst_block
        )  # with none configured (the default) the lists are not walked at all
        self._max_age_ms = float(s.max_quote_age_ms)
        self._cooldown_ns = s.cooldown_ms * 1_000_000
        self._hold_ns = s.hold_ms * 1_000_000
        self._value = value
        self._rules: dict[tuple[str, str], _Rules] = {
            (i.venue, i.symbol): _Rules(
                i.base,
                i.quote,
                to_float(i.min_qty),
                to_float(i.min_notional),
                to_float(i.contract_size),
                i.inverse,
            )
            for i in instruments
        }
        self._last_accepted: dict[str, int] = {}
        # instrument -> key -> until when the accepted opportunity holds it
        self._holding: dict[tuple[str, str], dict[str, int]] = {}
        self.dropped: Counter[str] = Counter()
        self.accepted = 0

    def check(self, opp: Opportunity, now_ns: int) -> DropReason | None:
        """None if ``opp`` may go on (it is then counted as accepted); else why not (counted)."""
        reason = self._reason(
            opp.key,
            opp.signal is Signal.ENTRY,
            opp.edge_bps,
            opp.size_quote,
            opp.size_asset,
            tuple((leg.venue, leg.symbol, leg.qty, leg.price) for leg in opp.legs),
            min(leg.quote_ns for leg in opp.legs),
            now_ns,
        )
        if reason is None:
            self.accepted += 1
            if opp.signal is Signal.ENTRY:
                self._accept(opp, now_ns)
        else:
            self.dropped[reason.value] += 1
        return reason

    def drops(
        self,
        key: str,
        signal: Signal,
        edge_bps: float,
        size_quote: float,
        size_asset: str,
        legs: tuple[LegParts, ...],
        oldest_ns: int,
        now_ns: int,
    ) -> bool:
        """Whether ``check`` would drop the opportunity these parts make (the drop is then
        counted, as ``check`` counts it); nothing is recorded when it would pass. Lets a scanner
        skip building what is certainly dropped (see ``OpportunityService``): the same checks,
        in the same order, on the same numbers."""
        reason = self._reason(
            key, signal is Signal.ENTRY, edge_bps, size_quote, size_asset, legs, oldest_ns, now_ns
        )
        if reason is None:
            return False
        self.dropped[reason.value] += 1
        return True

    def release(self, key: str) -> None:
        """The opportunity ``key`` is done (traded or given up): its instruments are free."""
        for holders in self._holding.values():
            holders.pop(key, None)

    def active(self, venue: str, symbol: str, now_ns: int) -> int:
        """How many accepted opportunities hold this instrument now."""
        return sum(1 for until in self._holding.get((venue, symbol), {}).values() if until > now_ns)

    # -- internals ----------------------------------------------------------------------------

    def _reason(
        self,
        key: str,
        entry: bool,
        edge_bps: float,
        size_quote: float,
        size_asset: str,
        legs: tuple[LegParts, ...],
        oldest_ns: int,
        now_ns: int,
    ) -> DropReason | None:
        """The one decision, on an opportunity's parts (``check`` and ``drops`` both ask it)."""
        if self._check_lists:
            reason = self._lists(legs)
            if reason is not None:
                return reason
        s = self.settings
        if entry and edge_bps < s.min_edge_bps:
            return DropReason.EDGE_BELOW_MIN
        if (now_ns - oldest_ns) / 1e6 > self._max_age_ms:  # as ``Opportunity.max_age_ms``
            return DropReason.QUOTE_TOO_OLD
        if not entry:
            return None
        if s.min_size > 0:
            size = self._size(size_quote, size_asset)
            if size is not None and size < s.min_size:
                return DropReason.SIZE_BELOW_MIN
        if s.exchange_minimums and not self._meets_minimums(legs):
            return DropReason.BELOW_EXCHANGE_MINIMUM
        last = self._last_accepted.get(key)
        if last is not None and now_ns - last < self._cooldown_ns:
            return DropReason.COOLDOWN
        limit = s.max_concurrent_per_instrument
        for venue, symbol, _, _ in legs:
            holders = self._holding.get((venue, symbol))
            if holders:
                others = sum(1 for k, until in holders.items() if until > now_ns and k != key)
                if others >= limit:
                    return DropReason.TOO_MANY_CONCURRENT
        return None

    def _size(self, size_quote: float, size_asset: str) -> float | None:
        """The size in ``size_currency``; None when it cannot be valued (then it is not dropped)."""
        if size_asset == self.settings.size_currency:
            return size_quote
        if self._value is None:
            return None
        return self._value(size_asset, size_quote, self.settings.size_currency)

    def _lists(self, legs: tuple[LegParts, ...]) -> DropReason | None:
        for venue, symbol, _, _ in legs:
            if venue in self._venues_block:
                return DropReason.VENUE_BLOCKED
            if self._venues_allow and venue not in self._venues_allow:
                return DropReason.VENUE_NOT_ALLOWED
            ref = (venue, symbol)
            if ref in self._inst_block:
                return DropReason.INSTRUMENT_BLOCKED
            if self._inst_allow and ref not in self._inst_allow:
                return DropReason.INSTRUMENT_NOT_ALLOWED
            if self._check_assets:
                for asset in self._assets(venue, symbol):
                    if asset in self._assets_block:
                        return DropReason.ASSET_BLOCKED
                    if self._assets_allow and asset not in self._assets_allow:
                        return DropReason.ASSET_NOT_ALLOWED
        return None

    def _assets(self, venue: str, symbol: str) -> tuple[str, ...]:
        rules = self._rules.get((venue, symbol))
        if rules is not None:
            return rules.base, rules.quote
        try:
            base, quote, _, _ = split_symbol(symbol)
        except ValueError:
            return ()  # not a unified symbol and not a known instrument: no assets to check
        return base, quote

    def _meets_minimums(self, legs: tuple[LegParts, ...]) -> bool:
        for venue, symbol, qty, price in legs:
            rules = self._rules.get((venue, symbol))
            if rules is None:
                continue
            if qty < rules.min_qty:
                return False
            notional = qty * rules.contract_size
            if not rules.inverse:
                notional *= price
            if notional < rules.min_notional:
                return False
        return True

    def _accept(self, opp: Opportunity, now_ns: int) -> None:
        self._last_accepted[opp.key] = now_ns
        until = now_ns + self._hold_ns
        for leg in opp.legs:
            holders = self._holding.setdefault((leg.venue, leg.symbol), {})
            if len(holders) > 64:  # forget what expired, now and then
                for k in [k for k, t in holders.items() if t <= now_ns]:
                    del holders[k]
            holders[opp.key] = until
