"""events: frozen dataclasses with slots, so handlers can keep them."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from app.core import events as ev
from app.core.accounting import Balance, Position
from app.core.instruments import InstrumentId
from app.core.quotes import Quote

EVENT_TYPES = [
    ev.QuoteUpdated,
    ev.QuoteStale,
    ev.QuoteFresh,
    ev.VenueStatusChanged,
    ev.OrderUpdated,
    ev.FillReceived,
    ev.PositionChanged,
    ev.BalanceChanged,
    ev.EquityUpdated,
    ev.Alert,
]


@pytest.mark.parametrize("cls", EVENT_TYPES)
def test_events_are_frozen_slotted_dataclasses(cls: type) -> None:
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert "__slots__" in cls.__dict__
    assert "__dict__" not in cls.__dict__


def test_event_instances_are_immutable_and_comparable() -> None:
    quote = Quote("binance", "BTC/USDT", 1.0, 1.0, 2.0, 1.0, 10)
    e = ev.QuoteUpdated(quote)
    assert e == ev.QuoteUpdated(quote)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.quote = quote  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        e.extra = 1  # type: ignore[attr-defined]

    stale = ev.QuoteStale("binance", "BTC/USDT", 1500.0)
    assert hash(stale) == hash(ev.QuoteStale("binance", "BTC/USDT", 1500.0))

    pos = ev.PositionChanged("bybit", Position(InstrumentId("bybit", "BTC/USDT:USDT")))
    assert pos.position.qty == 0
    bal = ev.BalanceChanged("bybit", Balance("USDT", Decimal("10")))
    assert bal.balance.free == Decimal("10")


def test_defaults_and_enums() -> None:
    assert ev.VenueStatusChanged("okx", ev.VenueState.DOWN).detail == ""
    assert ev.Alert(ev.AlertLevel.CRITICAL, "oms", "boom").ts_ns == 0
    assert ev.VenueState.CONNECTED.value == "connected"
    assert ev.AlertLevel("warning") is ev.AlertLevel.WARNING
    assert {s.value for s in ev.VenueState} == {
        "connecting",
        "connected",
        "stale",
        "down",
        "closed",
    }
    eq = ev.EquityUpdated(1, (("USDT", Decimal("100")),), (("USDT", Decimal("-1")),))
    assert dict(eq.equity) == {"USDT": Decimal("100")}
