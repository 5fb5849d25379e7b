"""orders: the lifecycle table, fills and requests."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.instruments import InstrumentId
from app.core.orders import (
    TERMINAL,
    TRANSITIONS,
    Fill,
    IllegalTransition,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    can_transition,
)

D = Decimal
S = OrderStatus
ALL = list(OrderStatus)

# The lifecycle as DESIGN.md describes it, written out independently of app/core/orders.py so an
# accidental edit of the table fails here.
EXPECTED = {
    S.NEW: {S.PENDING_SUBMIT, S.REJECTED},
    S.PENDING_SUBMIT: {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED}
    | {S.UNKNOWN},
    S.OPEN: {S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.CANCELED, S.EXPIRED, S.UNKNOWN},
    S.PARTIALLY_FILLED: {S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.CANCELED, S.EXPIRED}
    | {S.UNKNOWN},
    S.PENDING_CANCEL: {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED, S.UNKNOWN},
    S.UNKNOWN: {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.CANCELED, S.REJECTED}
    | {S.EXPIRED},
    S.CANCELED: {S.CANCELED, S.FILLED},
    S.FILLED: set(),
    S.REJECTED: set(),
    S.EXPIRED: {S.EXPIRED, S.FILLED},
}


def order(status: OrderStatus = S.NEW, quantity: str = "10", **kw: object) -> Order:
    base: dict[str, object] = {
        "client_order_id": "c-1",
        "venue": "binance",
        "symbol": "BTC/USDT",
        "side": Side.BUY,
        "type": OrderType.LIMIT,
        "quantity": D(quantity),
        "price": D("100"),
        "status": status,
    }
    base.update(kw)
    return Order(**base)  # type: ignore[arg-type]


# --- the table ----------------------------------------------------------------------------------


def test_table_is_the_designed_lifecycle() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)
    assert {k: set(v) for k, v in TRANSITIONS.items()} == EXPECTED


def test_terminal_states() -> None:
    assert {S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED} == TERMINAL
    for status in ALL:
        assert status.is_terminal is (status in TERMINAL)
    # FILLED and REJECTED are dead ends; CANCELED and EXPIRED only take a late fill
    for status in (S.FILLED, S.REJECTED):
        assert TRANSITIONS[status] == frozenset()
    for status in (S.CANCELED, S.EXPIRED):
        assert TRANSITIONS[status] == {status, S.FILLED}


def test_is_open() -> None:
    assert not S.NEW.is_open
    for status in (S.PENDING_SUBMIT, S.OPEN, S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.UNKNOWN):
        assert status.is_open
    for status in TERMINAL:
        assert not status.is_open


def test_lifecycle_invariants() -> None:
    # nothing goes back to NEW, and an order of unknown outcome is never sent again
    assert all(S.NEW not in targets for targets in TRANSITIONS.values())
    assert S.PENDING_SUBMIT not in TRANSITIONS[S.UNKNOWN]
    assert all(S.PENDING_SUBMIT not in TRANSITIONS[s] for s in ALL if s is not S.NEW)
    # every state can reach a terminal state
    for start in ALL:
        seen, todo = {start}, [start]
        while todo:
            for nxt in TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert seen & TERMINAL, start


@pytest.mark.parametrize(("old", "new"), list(itertools.product(ALL, ALL)))
def test_every_pair_is_accepted_iff_in_the_table(old: OrderStatus, new: OrderStatus) -> None:
    before = order(old, updated_ns=1)
    allowed = new in TRANSITIONS[old]
    assert can_transition(old, new) is allowed
    if allowed:
        after = before.transition(new, 42)
        assert after.status is new
        assert after.updated_ns == 42
        assert before.status is old  # immutable
    else:
        with pytest.raises(IllegalTransition) as info:
            before.transition(new, 42)
        err = info.value
        assert isinstance(err, ValueError)
        assert (err.client_order_id, err.old, err.new) == ("c-1", old, new)
        message = str(err)
        assert "c-1" in message
        assert f"{old.value} -> {new.value}" in message
        assert before.status is old and before.updated_ns == 1


@settings(max_examples=200)
@given(st.sampled_from(ALL), st.lists(st.sampled_from(ALL), max_size=30))
def test_any_sequence_of_attempts_follows_exactly_the_table(
    start: OrderStatus, attempts: list[OrderStatus]
) -> None:
    current = order(start)
    for i, target in enumerate(attempts):
        old = current.status
        try:
            current = current.transition(target, i + 1)
        except IllegalTransition as err:
            assert target not in TRANSITIONS[old]
            assert err.old is old and err.new is target
            assert old.value in str(err) and target.value in str(err)
            assert current.status is old
        else:
            assert target in TRANSITIONS[old]
            assert current.status is target
            assert current.updated_ns == i + 1


def test_transition_applies_changes() -> None:
    o = order(S.PENDING_SUBMIT).transition(S.OPEN, 5, venue_order_id="v-9")
    assert o.venue_order_id == "v-9" and o.status is S.OPEN
    r = order(S.NEW).transition(S.REJECTED, 6, reason="insufficient balance")
    assert r.reason == "insufficient balance"
    assert r.status.is_terminal


# --- fills on an order --------------------------------------------------------------------------


def test_partial_then_full_fill_with_exact_average() -> None:
    o = order(S.OPEN, quantity="4")
    o1 = o.with_fill(D("1"), D("100"), 10)
    assert o1.status is S.PARTIALLY_FILLED
    assert o1.filled_qty == D("1") and o1.remaining == D("3")
    assert o1.avg_fill_price == D("100")
    assert o1.updated_ns == 10

    o2 = o1.with_fill(D("3"), D("104"), 11)
    assert o2.status is S.FILLED
    assert o2.filled_qty == D("4") and o2.remaining == 0
    assert o2.avg_fill_price == D("103")  # (100 + 3 * 104) / 4 exactly
    assert o.filled_qty == 0 and o.avg_fill_price is None  # the original is untouched


def test_several_partials_average() -> None:
    o = order(S.OPEN, quantity="1.0")
    for qty, px in [("0.25", "60000.5"), ("0.25", "60001.5"), ("0.5", "60002")]:
        o = o.with_fill(D(qty), D(px), 1)
    assert o.status is S.FILLED
    assert o.avg_fill_price == D("60001.5")


def test_overfill_is_refused() -> None:
    o = order(S.OPEN, quantity="2").with_fill(D("1.5"), D("100"), 1)
    with pytest.raises(ValueError, match=r"would make 2\.5 of 2"):
        o.with_fill(D("1"), D("100"), 2)
    with pytest.raises(ValueError):
        o.with_fill(D("0.5000001"), D("100"), 2)
    full = o.with_fill(D("0.5"), D("100"), 2)
    assert full.status is S.FILLED
    with pytest.raises(ValueError, match="would make"):
        full.with_fill(D("0.0001"), D("100"), 3)


@pytest.mark.parametrize("qty", [D("0"), D("-1")])
def test_non_positive_fill_is_refused(qty: Decimal) -> None:
    with pytest.raises(ValueError):
        order(S.OPEN).with_fill(qty, D("100"), 1)


def test_late_fill_after_cancel_is_allowed() -> None:
    canceled = order(S.OPEN, quantity="2").transition(S.CANCELED, 1)
    late = canceled.with_fill(D("2"), D("99"), 2)
    assert late.status is S.FILLED and late.filled_qty == 2
    partial = canceled.with_fill(D("1"), D("99"), 2)
    assert partial.status is S.CANCELED and partial.filled_qty == 1
    assert not partial.status.is_open


def test_late_fill_after_expiry_keeps_the_order_closed() -> None:
    expired = order(S.OPEN, quantity="2").transition(S.EXPIRED, 1)
    assert expired.with_fill(D("1"), D("99"), 2).status is S.EXPIRED
    assert expired.with_fill(D("2"), D("99"), 2).status is S.FILLED


@pytest.mark.parametrize("status", [S.NEW, S.REJECTED])
def test_fill_in_a_state_that_cannot_fill_is_illegal(status: OrderStatus) -> None:
    with pytest.raises(IllegalTransition):
        order(status).with_fill(D("1"), D("100"), 1)


def test_fill_from_unknown_or_pending_states() -> None:
    for status in (S.PENDING_SUBMIT, S.PENDING_CANCEL, S.UNKNOWN, S.PARTIALLY_FILLED):
        assert order(status, quantity="1").with_fill(D("1"), D("5"), 1).status is S.FILLED


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 10_000),  # qty in 0.001 units
            st.decimals(D("0.01"), D("100000"), places=2),
        ),
        min_size=1,
        max_size=20,
    ),
    st.integers(0, 5_000),
)
def test_fills_accumulate_and_average_like_the_exact_mean(
    fills: list[tuple[int, Decimal]], extra: int
) -> None:
    total = sum(q for q, _ in fills)
    o = order(S.OPEN, quantity=str(D(total + extra) / 1000))
    cost = Fraction(0)
    filled = Fraction(0)
    for i, (units, px) in enumerate(fills):
        qty = D(units) / 1000
        o = o.with_fill(qty, px, i)
        cost += Fraction(qty) * Fraction(px)
        filled += Fraction(qty)
        assert Fraction(o.filled_qty) == filled  # quantities add exactly
        assert o.avg_fill_price is not None
        exact = cost / filled
        # the running average is a Decimal quotient (28 significant digits)
        assert abs(Fraction(o.avg_fill_price) - exact) <= exact * Fraction(1, 10**24)
    assert o.status is (S.FILLED if extra == 0 else S.PARTIALLY_FILLED)
    assert o.remaining == D(extra) / 1000
    with pytest.raises(ValueError):
        o.with_fill(o.remaining + D("0.001"), D("1"), 99)


# --- requests -----------------------------------------------------------------------------------


def test_order_request_validation() -> None:
    ok = OrderRequest("binance", "BTC/USDT", Side.BUY, D("0.1"), D("60000"))
    assert ok.type is OrderType.LIMIT and ok.time_in_force is TimeInForce.GTC
    assert not ok.reduce_only and ok.origin == "manual"
    market = OrderRequest("binance", "BTC/USDT", Side.SELL, D("0.1"), type=OrderType.MARKET)
    assert market.price is None
    for qty in (D("0"), D("-0.1")):
        with pytest.raises(ValueError, match="quantity"):
            OrderRequest("binance", "BTC/USDT", Side.BUY, qty, D("1"))
    for price in (None, D("0"), D("-1")):
        with pytest.raises(ValueError, match="positive price"):
            OrderRequest("binance", "BTC/USDT", Side.BUY, D("1"), price)


def test_order_from_request() -> None:
    req = OrderRequest(
        "bybit",
        "ETH/USDT:USDT",
        Side.SELL,
        D("2"),
        D("3000.5"),
        time_in_force=TimeInForce.POST_ONLY,
        reduce_only=True,
        origin="bot:spread-1",
    )
    o = Order.from_request(req, "cid-7", 123)
    assert o.client_order_id == "cid-7"
    assert (o.venue, o.symbol, o.side, o.type) == ("bybit", "ETH/USDT:USDT", Side.SELL, "limit")
    assert (o.quantity, o.price) == (D("2"), D("3000.5"))
    assert o.time_in_force is TimeInForce.POST_ONLY and o.reduce_only
    assert o.origin == "bot:spread-1"
    assert o.status is S.NEW and o.filled_qty == 0 and o.avg_fill_price is None
    assert o.created_ns == o.updated_ns == 123
    assert o.instrument_id == InstrumentId("bybit", "ETH/USDT:USDT")
    assert o.remaining == D("2")


def test_side_sign_and_opposite() -> None:
    assert Side.BUY.sign == 1 and Side.SELL.sign == -1
    assert Side.BUY.opposite is Side.SELL and Side.SELL.opposite is Side.BUY
    assert Side("buy") is Side.BUY and Side.SELL.value == "sell"


def test_fill_key() -> None:
    f = Fill(
        "binance", "t-1", "c-1", "BTC/USDT", Side.BUY, D("1"), D("2"), D("0.1"), "USDT",
        Liquidity.TAKER, 5,
    )  # fmt: skip
    assert f.key == ("binance", "t-1")
    assert f.venue_order_id is None
    with pytest.raises(AttributeError):
        f.qty = D("3")  # type: ignore[misc]


def test_with_state_copies_every_other_field_as_replace_would() -> None:
    from dataclasses import replace as dc_replace

    base = Order(
        "c1", "v", "BTC/USDT", Side.SELL, OrderType.LIMIT, Decimal("2"), Decimal("3"),
        TimeInForce.IOC, True, "bot:1", OrderStatus.OPEN, Decimal("1"), Decimal("3"), "v-1",
        None, 5, 6, "t:1:2",
    )  # fmt: skip
    copy = base.with_state(OrderStatus.FILLED, 9, Decimal("2"), Decimal("3.5"), "v-2", "done")
    assert copy == dc_replace(
        base,
        status=OrderStatus.FILLED,
        updated_ns=9,
        filled_qty=Decimal("2"),
        avg_fill_price=Decimal("3.5"),
        venue_order_id="v-2",
        reason="done",
    )
    moved = base.transition(OrderStatus.PENDING_CANCEL, 10, reason="why")
    assert moved == dc_replace(base, status=OrderStatus.PENDING_CANCEL, updated_ns=10, reason="why")
    assert base.transition(OrderStatus.CANCELED, 11, trace_id="x").trace_id == "x"  # other fields
