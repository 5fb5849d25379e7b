"""money: amounts and prices as text (JSON, reports), and the way back to float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.money import MONEY_PLACES, decimal_str, money_str, round_money, to_float

D = Decimal


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0.14879999999999999999999905", "0.1488"),  # the drift of the old ledger, shown
        ("9.168696098884679", "9.1686961"),  # equity valued at float prices
        ("100000", "100000"),
        ("1E+5", "100000"),
        ("100000.00000000", "100000"),
        ("-3.5", "-3.5"),
        ("0.000000005", "0"),  # half to even
        ("0.000000015", "0.00000002"),
        ("-0.000000004", "0"),  # never "-0"
        ("-0E-8", "0"),
        ("1E-8", "0.00000001"),
        ("123456789012345678901234.123456789", "123456789012345678901234.12345679"),
        ("1E+40", "1" + "0" * 40),  # beyond the default 28 digits: rounding must not fail
    ],
)
def test_money_str(amount: str, text: str) -> None:
    assert money_str(D(amount)) == text


def test_round_money_keeps_the_places_and_has_no_negative_zero() -> None:
    assert str(round_money(D("0.1488"))) == "0.14880000"
    assert str(round_money(D("-0.000000001"))) == "0E-8"
    assert MONEY_PLACES == 8


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1E+5", "100000"),
        ("0.00000001", "0.00000001"),
        ("1E-10", "0.0000000001"),
        ("65000.50", "65000.50"),
    ],
)
def test_decimal_str_is_exact_and_plain(value: str, text: str) -> None:
    assert decimal_str(D(value)) == text


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_text_reads_back(value: Decimal) -> None:
    assert D(decimal_str(value)) == value
    assert "E" not in decimal_str(value) and "E" not in money_str(value)
    assert D(money_str(value)) == round_money(value)


def test_to_float() -> None:
    assert to_float(D("0.1")) == 0.1
    assert isinstance(to_float(D(3)), float)
