"""accounting: positions (linear and inverse), balances, spot fills and valuation.

The properties check that accounting conserves value through any sequence of fills and fees.

Spot is checked for exact equality: every amount is a product or sum of short decimals, which
Decimal (28 significant digits) computes exactly at these magnitudes.

Derivatives are compared here with average-cost accounting in exact rational arithmetic
(``RefPosition``), which needs a tolerance, tiny and explained: a partial close takes a share of
the position's cost that is a quotient (1 @ 100 then 2 @ 101, close 1: 302/3), rounded to 28
significant digits, and for an inverse contract 1/price itself has no finite decimal expansion.
Each rounding is at most half a unit in the 28th digit (relative 5e-28) of a value no bigger than
the largest notional, so the tests allow ``n_fills * sum(notional) * 1e-25``: far below a satoshi
or a cent and far below any real accounting mistake, which would be of the order of a fill's
notional. ``test_accounting_ledger.py`` checks the ledger *exactly*: against the same definition
with those roundings named, and (linear) against the fills' cash flows with no rounding at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.accounting import (
    Balance,
    Position,
    apply_deltas,
    pnl,
    spot_fill_deltas,
    value_in,
)
from app.core.instruments import Instrument, InstrumentId, InstrumentKind
from app.core.money import ONE, ZERO
from app.core.orders import Side

D = Decimal
F = Fraction
REL = F(1, 10**25)
NIL = F(0)

SPOT = Instrument("binance", "BTC/USDT", "BTC", "USDT")


def linear(contract_size: Decimal = ONE) -> Instrument:
    return Instrument(
        "bybit",
        "BTC/USDT:USDT",
        "BTC",
        "USDT",
        kind=InstrumentKind.PERPETUAL,
        settle="USDT",
        contract_size=contract_size,
    )


def inverse(contract_size: Decimal = ONE) -> Instrument:
    return Instrument(
        "bitmex",
        "BTC/USD:BTC",
        "BTC",
        "USD",
        kind=InstrumentKind.PERPETUAL,
        inverse=True,
        contract_size=contract_size,
    )


def flat(inst: Instrument) -> Position:
    return Position(inst.id)


# --- strategies ---------------------------------------------------------------------------------

sides = st.sampled_from(list(Side))
spot_qty = st.decimals(D("0.00001"), D("1000"), places=5)
spot_price = st.decimals(D("0.0001"), D("200000"), places=4)
fees = st.decimals(D("-1"), D("50"), places=8)  # a negative fee is a maker rebate
contracts = st.decimals(D("0.001"), D("1000"), places=3)
linear_price = st.decimals(D("0.01"), D("200000"), places=2)
inverse_contracts = st.decimals(D("1"), D("100000"), places=0)
inverse_price = st.decimals(D("0.5"), D("200000"), places=1)


@dataclass
class RefPosition:
    """Average-cost accounting in exact rational arithmetic."""

    inverse: bool
    size: Fraction
    qty: Fraction = NIL
    avg: Fraction = NIL
    realized: Fraction = NIL

    def pnl(self, qty: Fraction, entry: Fraction, exit_: Fraction) -> Fraction:
        if qty == 0:
            return F(0)
        if self.inverse:
            return qty * self.size * (1 / entry - 1 / exit_)
        return qty * self.size * (exit_ - entry)

    def fill(self, signed: Fraction, price: Fraction) -> None:
        old, new = self.qty, self.qty + signed
        if old == 0 or (old > 0) == (signed > 0):
            total = abs(old) + abs(signed)
            if self.inverse:
                held = abs(old) / self.avg if old else F(0)
                self.avg = total / (held + abs(signed) / price)
            else:
                self.avg = (abs(old) * self.avg + abs(signed) * price) / total
        else:
            closed = min(abs(old), abs(signed))
            self.realized += self.pnl(closed if old > 0 else -closed, self.avg, price)
            if new == 0:
                self.avg = F(0)
            elif (new > 0) != (old > 0):
                self.avg = price
        self.qty = new


# --- pnl and Position, by example ---------------------------------------------------------------


def test_pnl_linear_and_inverse() -> None:
    assert pnl(linear(), D("2"), D("100"), D("110")) == D("20")
    assert pnl(linear(), D("-2"), D("100"), D("110")) == D("-20")
    assert pnl(linear(D("0.001")), D("1000"), D("60000"), D("61000")) == D("1000")
    assert pnl(linear(), ZERO, D("100"), D("1")) == 0
    # 100 USD contracts long from 50000 to 40000: 100 * (1/50000 - 1/40000) = -0.0005 BTC
    assert pnl(inverse(), D("100"), D("50000"), D("40000")) == D("-0.0005")
    assert pnl(inverse(D("100")), D("-1"), D("50000"), D("40000")) == D("0.0005")
    assert pnl(inverse(), ZERO, D("50000"), D("40000")) == 0


def test_open_add_reduce_close_linear() -> None:
    inst = linear()
    p = flat(inst).apply_fill(inst, Side.BUY, D("1"), D("100"), D("0.1"))
    assert (p.qty, p.avg_entry, p.realized_pnl, p.fees) == (D(1), D(100), ZERO, D("0.1"))
    assert p.side is Side.BUY
    p = p.apply_fill(inst, Side.BUY, D("1"), D("102"), D("0.1"))
    assert p.qty == 2 and p.avg_entry == D("101")
    assert p.unrealized(inst, D("105")) == D("8")
    p = p.apply_fill(inst, Side.SELL, D("0.5"), D("110"), D("0.05"))
    assert p.qty == D("1.5") and p.avg_entry == D("101")  # reducing keeps the entry
    assert p.realized_pnl == D("4.5")
    p = p.apply_fill(inst, Side.SELL, D("1.5"), D("99"), D("0.05"))
    assert p.qty == 0
    assert p.avg_entry == 0  # closing to zero resets the entry
    assert p.realized_pnl == D("4.5") - D("3")
    assert p.fees == D("0.3")  # fees are apart from realized PnL
    assert p.side is None
    assert p.unrealized(inst, D("1000")) == 0


def test_short_position_linear() -> None:
    inst = linear(D("0.01"))
    p = flat(inst).apply_fill(inst, Side.SELL, D("300"), D("2000"))
    assert p.qty == D("-300") and p.side is Side.SELL and p.avg_entry == D("2000")
    assert p.unrealized(inst, D("1900")) == D("300")  # 300 * 0.01 * 100
    assert p.notional(inst, D("1900")) == D("5700")
    p = p.apply_fill(inst, Side.SELL, D("100"), D("2100"))
    assert p.avg_entry == D("2025")
    p = p.apply_fill(inst, Side.BUY, D("400"), D("2000"))
    assert p.qty == 0 and p.avg_entry == 0
    assert p.realized_pnl == D("100")  # 400 * 0.01 * 25


def test_flip_long_to_short_and_back() -> None:
    inst = linear()
    p = flat(inst).apply_fill(inst, Side.BUY, D("2"), D("100"))
    p = p.apply_fill(inst, Side.SELL, D("5"), D("110"))
    assert p.realized_pnl == D("20")  # only the 2 closed realize
    assert p.qty == D("-3")
    assert p.avg_entry == D("110")  # the rest opens at the fill price
    assert p.unrealized(inst, D("100")) == D("30")
    p = p.apply_fill(inst, Side.BUY, D("4"), D("90"))
    assert p.realized_pnl == D("80")
    assert p.qty == D("1") and p.avg_entry == D("90")


def test_flip_inverse() -> None:
    inst = inverse(D("100"))
    p = flat(inst).apply_fill(inst, Side.BUY, D("10"), D("50000"))
    p = p.apply_fill(inst, Side.SELL, D("30"), D("40000"))
    # 10 contracts * 100 USD * (1/50000 - 1/40000) = -0.005 BTC
    assert p.realized_pnl == D("-0.005")
    assert p.qty == D("-20") and p.avg_entry == D("40000")
    assert p.unrealized(inst, D("50000")) == D("-0.01")  # -20 * 100 * (1/40000 - 1/50000)
    assert p.notional(inst, D("50000")) == D("0.04")


@given(
    st.sampled_from([linear(D("0.001")), inverse(D("100"))]),
    sides,
    inverse_contracts,
    st.decimals(D("0.0001"), D("200000"), places=4),
)
def test_a_first_fill_opens_exactly_at_its_price(
    inst: Instrument, side: Side, qty: Decimal, price: Decimal
) -> None:
    p = flat(inst).apply_fill(inst, side, qty, price)
    assert p.avg_entry == price
    assert p.unrealized(inst, price) == 0
    assert p.realized_pnl == 0


def test_inverse_average_entry_is_harmonic() -> None:
    inst = inverse()
    p = flat(inst).apply_fill(inst, Side.BUY, D("100"), D("40000"))
    p = p.apply_fill(inst, Side.BUY, D("100"), D("60000"))
    # 200 / (100/40000 + 100/60000) = 48000, not the arithmetic 50000
    assert abs(p.avg_entry - D("48000")) < D("1e-20")
    # so closing everything at 48000 realizes nothing, as it must
    closed = p.apply_fill(inst, Side.SELL, D("200"), D("48000"))
    assert closed.qty == 0 and closed.avg_entry == 0
    assert abs(closed.realized_pnl) < D("1e-25")


@pytest.mark.parametrize(("qty", "price"), [("0", "1"), ("-1", "1"), ("1", "0"), ("1", "-5")])
def test_apply_fill_rejects_non_positive(qty: str, price: str) -> None:
    inst = linear()
    with pytest.raises(ValueError, match="positive"):
        flat(inst).apply_fill(inst, Side.BUY, D(qty), D(price))


def test_position_is_immutable() -> None:
    inst = linear()
    p = flat(inst)
    p2 = p.apply_fill(inst, Side.BUY, D("1"), D("1"))
    assert p.qty == 0 and p2.qty == 1
    assert p2.instrument_id == InstrumentId("bybit", "BTC/USDT:USDT")
    with pytest.raises(AttributeError):
        p.qty = D(1)  # type: ignore[misc]


# --- derivative properties ----------------------------------------------------------------------


def _check_derivative(
    inst: Instrument,
    fills: list[tuple[Side, Decimal, Decimal, Decimal]],
    mark: Decimal,
) -> None:
    size = F(inst.contract_size)
    ref = RefPosition(inst.inverse, size)
    pos = flat(inst)
    expected_total = F(0)
    scale = F(0)
    signed_sum = ZERO
    fee_sum = ZERO
    for n, (side, qty, price, fee) in enumerate(fills, start=1):
        pos = pos.apply_fill(inst, side, qty, price, fee)
        signed = qty if side is Side.BUY else -qty
        signed_sum += signed
        fee_sum += fee
        ref.fill(F(signed), F(price))
        if inst.inverse:
            expected_total += F(signed) * size * (1 / F(price) - 1 / F(mark))
            scale += abs(F(qty)) * size / min(F(price), F(mark))
        else:
            expected_total += F(signed) * size * (F(mark) - F(price))
            scale += abs(F(qty)) * size * max(F(price), F(mark))
        tol = n * scale * REL

        # quantities and fees are sums of short decimals: exact
        assert pos.qty == signed_sum
        assert pos.fees == fee_sum
        assert (pos.avg_entry == 0) is (pos.qty == 0)
        assert pos.avg_entry >= 0
        assert pos.side is (Side.BUY if pos.qty > 0 else Side.SELL if pos.qty < 0 else None)
        # the exact reference itself conserves value
        assert ref.realized + ref.pnl(ref.qty, ref.avg, F(mark)) == expected_total
        # realized alone matches average-cost accounting (no PnL moved into unrealized)
        assert abs(F(pos.realized_pnl) - ref.realized) <= tol
        if ref.qty:
            assert abs(F(pos.avg_entry) - ref.avg) <= ref.avg * n * REL * 10
        # and realized + unrealized(mark) is the sum over fills
        total = pos.realized_pnl + pos.unrealized(inst, mark)
        assert abs(F(total) - expected_total) <= tol


@settings(max_examples=200)
@given(
    st.sampled_from([D("1"), D("0.001"), D("0.01"), D("10"), D("100")]),
    st.lists(st.tuples(sides, contracts, linear_price, fees), min_size=1, max_size=30),
    linear_price,
)
def test_linear_conserves_value(
    size: Decimal, fills: list[tuple[Side, Decimal, Decimal, Decimal]], mark: Decimal
) -> None:
    _check_derivative(linear(size), fills, mark)


@settings(max_examples=200)
@given(
    st.sampled_from([D("1"), D("10"), D("100")]),
    st.lists(st.tuples(sides, inverse_contracts, inverse_price, fees), min_size=1, max_size=30),
    inverse_price,
)
def test_inverse_conserves_value(
    size: Decimal, fills: list[tuple[Side, Decimal, Decimal, Decimal]], mark: Decimal
) -> None:
    _check_derivative(inverse(size), fills, mark)


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.integers(1, 50), st.integers(1, 1000)), min_size=1, max_size=20
    ),  # (qty, price) as integers: every linear average below is a short quotient
    st.integers(1, 1000),
)
def test_linear_is_exact_when_averages_are(fills: list[tuple[int, int]], mark: int) -> None:
    # all buys at one price, then all sold at another: no rounding anywhere
    inst = linear()
    price = D(fills[0][1])
    p = flat(inst)
    total = 0
    for qty, _ in fills:
        p = p.apply_fill(inst, Side.BUY, D(qty), price)
        total += qty
    assert p.avg_entry == price
    assert p.unrealized(inst, D(mark)) == total * (mark - fills[0][1])
    p = p.apply_fill(inst, Side.SELL, D(total), D(mark))
    assert p.realized_pnl == total * (mark - fills[0][1])
    assert p.qty == 0 and p.avg_entry == 0


@given(
    st.sampled_from([linear(), inverse()]),
    st.decimals(D("1"), D("100"), places=0),
    st.decimals(D("1"), D("100"), places=0),
    st.decimals(D("100"), D("1000"), places=0),
    st.decimals(D("100"), D("1000"), places=0),
)
def test_flip_realizes_only_the_closed_part(
    inst: Instrument, long_qty: Decimal, extra: Decimal, entry: Decimal, exit_: Decimal
) -> None:
    p = flat(inst).apply_fill(inst, Side.BUY, long_qty, entry)
    closed = p.apply_fill(inst, Side.SELL, long_qty, exit_)
    p = p.apply_fill(inst, Side.SELL, long_qty + extra, exit_)
    assert p.qty == -extra
    assert p.avg_entry == exit_
    assert p.realized_pnl == closed.realized_pnl  # as if only the long part had been sold
    if not inst.inverse:  # a product: exact; an inverse PnL is a difference of two quotients
        assert p.realized_pnl == pnl(inst, long_qty, entry, exit_)
    else:
        assert abs(p.realized_pnl - pnl(inst, long_qty, entry, exit_)) < D("1e-27")
    assert p.unrealized(inst, exit_) == 0


# --- balances and spot --------------------------------------------------------------------------


def test_balance_free() -> None:
    b = Balance("USDT", D("100"), D("30"))
    assert b.free == D("70")
    assert Balance("BTC").total == 0 and Balance("BTC").free == 0


def test_spot_fill_deltas() -> None:
    buy = spot_fill_deltas(SPOT, Side.BUY, D("0.5"), D("60000"), D("30"), "USDT")
    assert buy == {"BTC": D("0.5"), "USDT": D("-30030")}
    sell = spot_fill_deltas(SPOT, Side.SELL, D("0.5"), D("60000"), D("0.0005"), "BTC")
    assert sell == {"BTC": D("-0.5005"), "USDT": D("30000")}
    bnb = spot_fill_deltas(SPOT, Side.BUY, D("1"), D("100"), D("0.01"), "BNB")
    assert bnb == {"BTC": D("1"), "USDT": D("-100"), "BNB": D("-0.01")}
    free = spot_fill_deltas(SPOT, Side.SELL, D("1"), D("100"), ZERO, "USDT")
    assert free == {"BTC": D("-1"), "USDT": D("100")}


def test_apply_deltas() -> None:
    before = {"USDT": Balance("USDT", D("1000"), D("200")), "ETH": Balance("ETH", D("3"))}
    after = apply_deltas(before, {"USDT": D("-100"), "BTC": D("0.01")})
    assert after["USDT"] == Balance("USDT", D("900"), D("200"))  # locked kept
    assert after["BTC"] == Balance("BTC", D("0.01"))  # created
    assert after["ETH"] is before["ETH"]  # carried over
    assert before["USDT"].total == D("1000") and "BTC" not in before  # not mutated
    assert apply_deltas(before, {}) == before


def test_value_in() -> None:
    amounts = {"USDT": D("100"), "BTC": D("0.5"), "ETH": D("2")}
    prices = {"BTC": D("60000"), "ETH": D("3000")}
    assert value_in(amounts, prices, "USDT") == D("36100")
    assert value_in({}, {}, "USDT") == 0
    assert value_in({"USDT": D("-5")}, {}, "USDT") == D("-5")
    # a missing price makes the value unknown...
    assert value_in(amounts, {"BTC": D("60000")}, "USDT") is None
    # ...unless there is none of that asset
    assert value_in({"USDT": D("1"), "DOGE": ZERO}, {}, "USDT") == D("1")
    # the valuation currency needs no price, even if one is given
    assert value_in({"USDT": D("7")}, {"USDT": D("2")}, "USDT") == D("7")


@settings(max_examples=200)
@given(
    st.decimals(D("0"), D("100"), places=8),
    st.decimals(D("0"), D("1000000"), places=2),
    st.lists(st.tuples(sides, spot_qty, spot_price, fees), max_size=30),
    spot_price,
)
def test_spot_conserves_value_with_fees_in_quote(
    base0: Decimal,
    quote0: Decimal,
    fills: list[tuple[Side, Decimal, Decimal, Decimal]],
    mark: Decimal,
) -> None:
    balances = {"BTC": Balance("BTC", base0, D("0.1")), "USDT": Balance("USDT", quote0)}
    start = value_in({"BTC": base0, "USDT": quote0}, {"BTC": mark}, "USDT")
    assert start is not None
    expected = start
    for side, qty, price, fee in fills:
        balances = apply_deltas(balances, spot_fill_deltas(SPOT, side, qty, price, fee, "USDT"))
        sign = 1 if side is Side.BUY else -1
        expected += sign * qty * (mark - price) - fee
    value = value_in({a: b.total for a, b in balances.items()}, {"BTC": mark}, "USDT")
    assert value == expected  # exact
    assert balances["BTC"].locked == D("0.1")
    assert set(balances) == {"BTC", "USDT"}


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(sides, spot_qty, spot_price, fees, st.sampled_from(["BTC", "USDT", "BNB"])),
        min_size=1,
        max_size=30,
    ),
    spot_price,
    st.decimals(D("1"), D("1000"), places=2),
)
def test_spot_conserves_value_with_fees_in_any_currency(
    fills: list[tuple[Side, Decimal, Decimal, Decimal, str]], mark: Decimal, bnb: Decimal
) -> None:
    prices = {"BTC": mark, "BNB": bnb}
    balances: dict[str, Balance] = {}
    expected = ZERO
    for side, qty, price, fee, fee_ccy in fills:
        deltas = spot_fill_deltas(SPOT, side, qty, price, fee, fee_ccy)
        balances = apply_deltas(balances, deltas)
        expected += side.sign * qty * (mark - price) - fee * (prices.get(fee_ccy) or 1)
    totals = {a: b.total for a, b in balances.items()}
    assert value_in(totals, prices, "USDT") == expected
    if totals.get("BNB"):
        # without a price for the fee currency the value is unknown, never silently wrong
        assert value_in(totals, {"BTC": mark}, "USDT") is None
