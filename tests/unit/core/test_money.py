"""money: the only float -> Decimal crossing, and rounding to ticks and steps."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.money import ONE, ZERO, bps, price_for_side, round_price, round_qty, to_decimal
from app.core.orders import Side

D = Decimal

INCREMENTS = [D("0.01"), D("0.5"), D("0.0001"), D("1"), D("0.00001"), D("0.25"), D("10")]

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
realistic_values = st.decimals(
    min_value=D("0.00000001"), max_value=D("1000000"), places=8, allow_nan=False
)
increments = st.sampled_from(INCREMENTS)


def _sig_digits(d: Decimal) -> int:
    return len(d.normalize().as_tuple().digits)


# --- to_decimal ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, "0.1"),
        (0.2, "0.2"),
        (0.1 + 0.2, "0.30000000000000004"),
        (100.015, "100.015"),
        (1e-8, "1E-8"),
        (12345.678, "12345.678"),
        (-2.5, "-2.5"),
        (1.0, "1.0"),
        (3e20, "3E+20"),
    ],
)
def test_to_decimal_float_is_shortest_repr(value: float, expected: str) -> None:
    result = to_decimal(value)
    assert result == D(expected)
    assert str(result) == str(D(expected))
    # and not the binary expansion Decimal(float) would give
    if value in (0.1, 0.2, 100.015):
        assert result != D(value)


@given(finite_floats)
def test_to_decimal_float_round_trips_with_the_fewest_digits(x: float) -> None:
    d = to_decimal(x)
    assert d.is_finite()
    assert float(d) == x
    n = _sig_digits(d)
    assert n <= 17
    if n > 1 and x != 0:
        # one digit fewer does not round-trip: the representation is the shortest
        assert float(format(x, f".{n - 2}e")) != x


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_to_decimal_rejects_non_finite_floats(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        to_decimal(bad)


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-Infinity", D("NaN"), D("-Infinity")])
def test_to_decimal_rejects_non_finite_strings_and_decimals(bad: str | Decimal) -> None:
    with pytest.raises(ValueError, match="finite"):
        to_decimal(bad)


def test_to_decimal_passes_decimals_ints_and_strings() -> None:
    d = D("1.2300")
    assert to_decimal(d) is d
    assert to_decimal(7) == D(7)
    assert to_decimal("0.1") == D("0.1")
    assert str(to_decimal("1.2300")) == "1.2300"
    assert ZERO == 0 and ONE == 1


# --- round_price --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "tick", "mode", "expected"),
    [
        # tick 0.01
        (D("100.014"), D("0.01"), "nearest", "100.01"),
        (D("100.016"), D("0.01"), "nearest", "100.02"),
        (D("100.019"), D("0.01"), "down", "100.01"),
        (D("100.011"), D("0.01"), "up", "100.02"),
        (D("100.01"), D("0.01"), "up", "100.01"),
        (D("100.01"), D("0.01"), "down", "100.01"),
        (D("100.005"), D("0.01"), "nearest", "100.00"),  # a tie goes to the even tick
        (D("100.015"), D("0.01"), "nearest", "100.02"),
        (100.015, D("0.01"), "up", "100.02"),
        (100.015, D("0.01"), "down", "100.01"),
        (0.3, D("0.01"), "up", "0.30"),  # the float 0.3 is on the tick: no spurious step
        (0.3, D("0.01"), "down", "0.30"),
        # tick 0.5
        (D("100.2"), D("0.5"), "nearest", "100.0"),
        (D("100.3"), D("0.5"), "nearest", "100.5"),
        (D("100.74"), D("0.5"), "nearest", "100.5"),
        (D("100.76"), D("0.5"), "nearest", "101.0"),
        (D("100.01"), D("0.5"), "up", "100.5"),
        (D("100.99"), D("0.5"), "down", "100.5"),
        (D("100.5"), D("0.5"), "up", "100.5"),
        (27123.3, D("0.5"), "down", "27123.0"),
        # tick 0.0001
        (D("0.123456"), D("0.0001"), "nearest", "0.1235"),
        (D("0.123449"), D("0.0001"), "nearest", "0.1234"),
        (D("0.123401"), D("0.0001"), "up", "0.1235"),
        (D("0.123499"), D("0.0001"), "down", "0.1234"),
        (1.23456, D("0.0001"), "down", "1.2345"),
        # a tick above one
        (D("1234.5"), D("10"), "nearest", "1230"),
        (D("1235.1"), D("10"), "up", "1240"),
    ],
)
def test_round_price_examples(
    price: Decimal | float, tick: Decimal, mode: str, expected: str
) -> None:
    result = round_price(price, tick, mode)
    assert result == D(expected)
    # quantized to the tick's exponent: prints with the tick's decimals
    assert result.as_tuple().exponent == tick.as_tuple().exponent


def test_round_price_default_mode_is_nearest() -> None:
    assert round_price(D("1.006"), D("0.01")) == D("1.01")
    assert round_price(D("1.004"), D("0.01")) == D("1.00")


@pytest.mark.parametrize("bad_tick", [D(0), D("-0.01")])
def test_round_price_and_qty_reject_non_positive_increment(bad_tick: Decimal) -> None:
    with pytest.raises(ValueError, match="positive"):
        round_price(D("1"), bad_tick)
    with pytest.raises(ValueError, match="positive"):
        round_qty(D("1"), bad_tick)


def test_round_price_unknown_mode_raises() -> None:
    with pytest.raises(ValueError, match="'floor'"):
        round_price(D("1"), D("0.01"), "floor")


@settings(max_examples=200)
@given(realistic_values, increments, st.sampled_from(["nearest", "down", "up"]))
def test_round_price_is_a_multiple_within_one_increment(
    value: Decimal, inc: Decimal, mode: str
) -> None:
    r = round_price(value, inc, mode)
    assert r % inc == 0
    assert abs(r - value) < inc
    if mode == "nearest":
        assert abs(r - value) <= inc / 2
    elif mode == "down":
        assert r <= value
    else:
        assert r >= value
    if value % inc == 0:
        assert r == value


@settings(max_examples=200)
@given(st.floats(min_value=1e-6, max_value=1e6), increments)
def test_round_price_of_floats_brackets_the_printed_value(x: float, inc: Decimal) -> None:
    printed = D(repr(x))
    down = round_price(x, inc, "down")
    up = round_price(x, inc, "up")
    assert down % inc == 0 and up % inc == 0
    assert down <= printed <= up
    assert up - down in (ZERO, inc)


# --- price_for_side -----------------------------------------------------------------------------


def test_price_for_side_examples() -> None:
    assert price_for_side(D("100.019"), D("0.01"), "buy") == D("100.01")
    assert price_for_side(D("100.011"), D("0.01"), "sell") == D("100.02")
    assert price_for_side(D("100.3"), D("0.5"), Side.BUY) == D("100.0")
    assert price_for_side(D("100.3"), D("0.5"), Side.SELL) == D("100.5")
    assert price_for_side(0.1 + 0.2, D("0.01"), "buy") == D("0.30")
    assert price_for_side(D("5.00"), D("0.01"), "sell") == D("5.00")


@pytest.mark.parametrize("side", ["BUY", "Buy", "bid", "", "long"])
def test_price_for_side_rejects_an_unknown_side(side: str) -> None:
    # anything else used to be rounded as a sell, i.e. up: more aggressive for a buy
    with pytest.raises(ValueError, match="side"):
        price_for_side(D("100.019"), D("0.01"), side)


@settings(max_examples=200)
@given(realistic_values, increments, st.sampled_from(list(Side)))
def test_price_for_side_is_never_more_aggressive(value: Decimal, inc: Decimal, side: Side) -> None:
    r = price_for_side(value, inc, side)
    assert r % inc == 0
    assert abs(r - value) < inc
    if side is Side.BUY:
        assert r <= value
    else:
        assert r >= value


# --- round_qty ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qty", "step", "expected"),
    [
        (D("0.123456789"), D("0.001"), "0.123"),
        (D("0.1239"), D("0.001"), "0.123"),
        (D("1.99999"), D("1"), "1"),
        (D("-1.2345"), D("0.001"), "-1.234"),  # toward zero, not floor
        (0.3, D("0.1"), "0.3"),  # not 0.2 from the binary 0.29999...
        (0.7, D("0.1"), "0.7"),
        (D("0.00099"), D("0.001"), "0.000"),
        (D("12.75"), D("0.5"), "12.5"),
    ],
)
def test_round_qty_examples(qty: Decimal | float, step: Decimal, expected: str) -> None:
    result = round_qty(qty, step)
    assert result == D(expected)
    assert result.as_tuple().exponent == step.as_tuple().exponent


@settings(max_examples=200)
@given(
    st.decimals(min_value=D("-100000"), max_value=D("100000"), places=8, allow_nan=False),
    increments,
)
def test_round_qty_rounds_toward_zero_within_one_step(qty: Decimal, step: Decimal) -> None:
    r = round_qty(qty, step)
    assert r % step == 0
    assert abs(r) <= abs(qty)
    assert abs(qty) - abs(r) < step
    assert r == 0 or (r > 0) == (qty > 0)


# --- bps ----------------------------------------------------------------------------------------


def test_bps() -> None:
    assert bps(D("0.0025")) == D("25")
    assert bps(0.0001) == D("1")
    assert bps(-0.5) == D("-5000")
    assert isinstance(bps(0.1), Decimal)
    assert not math.isnan(float(bps(0.0)))
