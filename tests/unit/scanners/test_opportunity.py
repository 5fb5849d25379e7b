from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from app.core.instruments import Instrument, InstrumentId, InstrumentKind
from app.core.opportunities import Leg, Opportunity, OpportunityKind, Signal
from app.core.orders import Side
from app.engine.scanners.markets import MarketSpec, taker_fee

MS = 1_000_000


def test_an_opportunity_is_a_frozen_event_with_the_ages_of_its_quotes() -> None:
    legs = (
        Leg("a", "BTC/USDT", Side.BUY, 100.0, 1.0, 10 * MS),
        Leg("b", "BTC/USDT", Side.SELL, 101.0, 1.0, 25 * MS),
    )
    opp = Opportunity(OpportunityKind.CROSS, "k", legs, 80.0, 100.0, "USDT", 30 * MS)
    assert opp.ages_ms == (20.0, 5.0)
    assert opp.max_age_ms(40 * MS) == 30.0
    assert opp.instruments == (InstrumentId("a", "BTC/USDT"), InstrumentId("b", "BTC/USDT"))
    assert opp.signal is Signal.ENTRY
    assert hash(opp) == hash(dataclasses.replace(opp))
    with pytest.raises(dataclasses.FrozenInstanceError):
        opp.edge_bps = 1.0  # type: ignore[misc]
    assert not hasattr(opp, "__dict__")


def test_fee_overrides_and_contract_units() -> None:
    spot = Instrument("a", "BTC/USDT", "BTC", "USDT", taker_fee=Decimal("0.001"))
    assert taker_fee(spot) == 0.001
    assert taker_fee(spot, 5) == 0.0005
    assert taker_fee(spot, {"a": 2.5}) == 0.00025
    assert taker_fee(spot, {"b": 2.5}) == 0.001
    inverse = Instrument(
        "c",
        "BTC/USD:BTC",
        "BTC",
        "USD",
        kind=InstrumentKind.PERPETUAL,
        contract_size=Decimal(100),
        inverse=True,
    )
    spec = MarketSpec.of(inverse)
    assert spec.base_qty(10, 50_000.0) == pytest.approx(0.02)  # 1,000 USD of BTC
    assert spec.units(0.02, 50_000.0) == pytest.approx(10)
    linear = MarketSpec.of(
        Instrument("d", "ETH/USDT:USDT", "ETH", "USDT", contract_size=Decimal("0.1"))
    )
    assert linear.base_qty(5, 3_000.0) == pytest.approx(0.5)
    assert linear.units(0.5, 3_000.0) == pytest.approx(5)
    with pytest.raises(ValueError, match="taker fee"):
        MarketSpec.of(spot, 10_000)
