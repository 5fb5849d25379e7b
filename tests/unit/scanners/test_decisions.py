from __future__ import annotations

from typing import Any

import pytest

from app.core.opportunities import Leg, Opportunity, OpportunityKind, Signal
from app.core.orders import Side
from app.engine.decisions import Decisions, DropReason
from app.runtime.scanner_settings import DecisionSettings

from .support import MS, inst


def opp(
    key: str = "k",
    legs: tuple[tuple[str, str], ...] = (("a", "BTC/USDT"), ("b", "BTC/USDT")),
    *,
    edge: float = 5.0,
    size: float = 1_000.0,
    asset: str = "USDT",
    qty: float = 1.0,
    price: float = 100.0,
    quote_ms: int = 0,
    ts_ms: int = 0,
    signal: Signal = Signal.ENTRY,
) -> Opportunity:
    return Opportunity(
        kind=OpportunityKind.CROSS,
        key=key,
        legs=tuple(Leg(v, s, Side.BUY, price, qty, quote_ms * MS) for v, s in legs),
        edge_bps=edge,
        size_quote=size,
        size_asset=asset,
        ts_ns=ts_ms * MS,
        signal=signal,
    )


def decisions(instruments: Any = (), value: Any = None, **kw: Any) -> Decisions:
    return Decisions(DecisionSettings(**kw), instruments, value=value)


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"venues_block": ["b"]}, DropReason.VENUE_BLOCKED),
        ({"venues_allow": ["a"]}, DropReason.VENUE_NOT_ALLOWED),
        ({"venues_allow": ["a", "b"], "venues_block": ["a"]}, DropReason.VENUE_BLOCKED),
        ({"assets_block": ["USDT"]}, DropReason.ASSET_BLOCKED),
        ({"assets_allow": ["BTC"]}, DropReason.ASSET_NOT_ALLOWED),
        ({"instruments_block": ["b:BTC/USDT"]}, DropReason.INSTRUMENT_BLOCKED),
        ({"instruments_allow": ["a:BTC/USDT"]}, DropReason.INSTRUMENT_NOT_ALLOWED),
        ({"min_edge_bps": 6.0}, DropReason.EDGE_BELOW_MIN),
        ({"max_quote_age_ms": 99}, DropReason.QUOTE_TOO_OLD),
    ],
)
def test_each_rule_drops_and_is_counted(settings: dict[str, Any], reason: DropReason) -> None:
    d = decisions(**settings)
    assert d.check(opp(), 100 * MS) is reason
    assert d.dropped == {reason.value: 1}
    assert d.accepted == 0
    assert decisions().check(opp(), 100 * MS) is None


def test_allowed_lists_let_through_what_they_name() -> None:
    d = decisions(
        venues_allow=["a", "b"],
        assets_allow=["BTC", "USDT"],
        instruments_allow=["a:BTC/USDT", "b:BTC/USDT"],
    )
    assert d.check(opp(), 0) is None
    assert d.accepted == 1


def test_min_size_is_valued_in_the_size_currency() -> None:
    def value(asset: str, amount: float, currency: str) -> float | None:
        return amount * 30_000.0 if (asset, currency) == ("BTC", "USDT") else None

    d = decisions(value=value, min_size=100.0, cooldown_ms=0)
    assert d.check(opp(size=0.001, asset="BTC"), 0) is DropReason.SIZE_BELOW_MIN  # 30 USDT
    assert d.check(opp(size=0.01, asset="BTC"), 0) is None  # 300 USDT
    assert d.check(opp(size=1.0, asset="XYZ"), 0) is None  # cannot be valued: not dropped
    assert d.check(opp(size=50.0), 0) is DropReason.SIZE_BELOW_MIN  # USDT itself


def test_every_leg_must_meet_the_exchange_minimums() -> None:
    insts = [inst("a", "BTC/USDT", min_qty="0.5"), inst("b", "BTC/USDT", min_notional="200")]
    d = decisions(insts, cooldown_ms=0)
    assert d.check(opp(qty=0.4), 0) is DropReason.BELOW_EXCHANGE_MINIMUM  # qty on a
    assert d.check(opp(qty=1.0), 0) is DropReason.BELOW_EXCHANGE_MINIMUM  # 100 of notional on b
    assert d.check(opp(qty=2.0), 0) is None
    assert decisions(insts, exchange_minimums=False).check(opp(qty=0.1), 0) is None


def test_cooldown_per_key_in_engine_time() -> None:
    d = decisions(cooldown_ms=1_000, max_concurrent_per_instrument=10)
    assert d.check(opp("k1"), 0) is None
    assert d.check(opp("k1", quote_ms=999, ts_ms=999), 999 * MS) is DropReason.COOLDOWN
    assert d.check(opp("k2", quote_ms=999), 999 * MS) is None  # another key
    assert d.check(opp("k1", quote_ms=1_000), 1_000 * MS) is None


def test_at_most_n_concurrent_per_instrument_until_released_or_expired() -> None:
    d = decisions(max_concurrent_per_instrument=1, hold_ms=5_000, cooldown_ms=0)
    assert d.check(opp("k1"), 0) is None
    other = opp("k2", legs=(("b", "BTC/USDT"), ("c", "BTC/USDT")))
    assert d.check(other, 0) is DropReason.TOO_MANY_CONCURRENT  # b:BTC/USDT is held by k1
    assert d.active("b", "BTC/USDT", 0) == 1
    assert d.check(opp("k1"), 0) is None  # the same opportunity again is not another one
    d.release("k1")
    assert d.check(other, 0) is None
    # k2 holds b and c for 5 s; a third one on c passes once that has expired.
    third = opp("k3", legs=(("c", "BTC/USDT"), ("d", "BTC/USDT")), quote_ms=5_000)
    assert d.check(third, 4_999 * MS) is DropReason.TOO_MANY_CONCURRENT
    assert d.check(third, 5_000 * MS) is None


def test_exits_pass_everything_but_the_lists_and_the_age() -> None:
    d = decisions(
        min_edge_bps=50.0, min_size=1e9, cooldown_ms=10_000, max_concurrent_per_instrument=1
    )
    d.check(opp("held", legs=(("a", "BTC/USDT"),), edge=60.0, size=2e9), 0)
    exit_ = opp("k", edge=-20.0, size=1.0, signal=Signal.EXIT)
    assert d.check(exit_, 0) is None
    assert d.check(exit_, 0) is None  # no cooldown either
    assert decisions(venues_block=["a"]).check(exit_, 0) is DropReason.VENUE_BLOCKED
    assert decisions(max_quote_age_ms=10).check(exit_, 11 * MS) is DropReason.QUOTE_TOO_OLD


def test_age_is_of_the_oldest_leg_at_decision_time() -> None:
    d = decisions(max_quote_age_ms=100)
    legs = (("a", "BTC/USDT"), ("b", "BTC/USDT"))
    o = Opportunity(
        OpportunityKind.CROSS,
        "k",
        (
            Leg("a", "BTC/USDT", Side.BUY, 1.0, 1.0, 0),
            Leg("b", "BTC/USDT", Side.SELL, 1.0, 1.0, 90 * MS),
        ),
        5.0,
        1.0,
        "USDT",
        90 * MS,
    )
    assert o.max_age_ms(101 * MS) == pytest.approx(101.0)
    assert d.check(o, 101 * MS) is DropReason.QUOTE_TOO_OLD
    assert legs
