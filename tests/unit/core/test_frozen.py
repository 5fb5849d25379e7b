"""frozen.evolve: the same result as dataclasses.replace, and no validation skipped."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from app.core.frozen import evolve
from app.core.orders import Order, OrderRequest, OrderStatus, OrderType, Side


def _order() -> Order:
    return Order("c1", "sim-a", "BTC/USDT", Side.BUY, OrderType.LIMIT, Decimal("1"), Decimal("2"))


def test_same_as_replace_and_original_untouched() -> None:
    order = _order()
    changes = {"status": OrderStatus.PENDING_SUBMIT, "updated_ns": 5, "reason": "x"}
    copied = evolve(order, **changes)
    assert copied == dataclasses.replace(order, **changes)  # type: ignore[arg-type]
    assert type(copied) is Order and copied is not order
    assert order.status is OrderStatus.NEW and order.updated_ns == 0
    assert evolve(order) == order
    with pytest.raises(dataclasses.FrozenInstanceError):
        copied.status = OrderStatus.OPEN  # type: ignore[misc]


def test_unknown_field_raises() -> None:
    with pytest.raises(TypeError, match="no field"):
        evolve(_order(), colour="red")


def test_post_init_still_validates() -> None:
    request = OrderRequest("sim-a", "BTC/USDT", Side.BUY, Decimal("1"), Decimal("2"))
    assert evolve(request, quantity=Decimal("3")).quantity == Decimal("3")
    with pytest.raises(ValueError, match="quantity must be positive"):
        evolve(request, quantity=Decimal("0"))


def test_non_init_field_goes_through_replace() -> None:
    @dataclass(frozen=True, slots=True)
    class WithDerived:
        a: int
        b: int = field(init=False, default=0)

    with pytest.raises(ValueError):
        evolve(WithDerived(1), b=2)
    assert evolve(WithDerived(1), a=2).a == 2


def test_transition_still_checks_the_table() -> None:
    order = _order()
    with pytest.raises(ValueError):
        order.transition(OrderStatus.FILLED, 1)
    assert order.transition(OrderStatus.PENDING_SUBMIT, 1).status is OrderStatus.PENDING_SUBMIT
