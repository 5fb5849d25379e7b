"""accounting: the position ledger is exact; realized PnL does not drift.

The definition checked (``app/core/accounting.py``): average cost kept as the *cost* of the open
quantity (sum of ``qty * price``, or ``qty / price`` for an inverse contract); a reducing fill takes
the share ``cost * closed / held`` of it (all of it on a full close) and realizes the difference
with what the closed quantity is worth at the fill. Only quotients round, each once to 28
significant digits (the share of a partial close, an inverse contract's ``qty / price``).

``CostLedger`` recomputes that in exact rational arithmetic, rounding only where the definition
says, so the position must equal it exactly, not within a tolerance. Two checks need no
reference at all: a linear position that is flat has realized exactly the sum of its fills'
cash flows (whatever the method, FIFO or average), and realized plus unrealized is at every step
exactly the fills valued at the mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.accounting import Position, pnl
from app.core.instruments import Instrument, InstrumentKind
from app.core.money import ONE
from app.core.orders import Side

D = Decimal
F = Fraction
NIL = F(0)


def linear(contract_size: Decimal = ONE) -> Instrument:
    return Instrument(
        "bybit",
        "ETH/USDT:USDT",
        "ETH",
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


def fills_of(inst: Instrument, fills: list[tuple[Side, str, str]]) -> Position:
    p = Position(inst.id)
    for side, qty, price in fills:
        p = p.apply_fill(inst, side, D(qty), D(price))
    return p


# --- the reported drift -------------------------------------------------------------------------

# Two entries whose average has no finite decimal (27,000.06 / 9 = 3,000.00666...): the old
# ledger averaged them, rounded, and realized 0.148799999999999999999999997 instead of 0.1488.
ENTRIES = [(Side.BUY, "0.003", "3000.00"), (Side.BUY, "0.006", "3000.01")]


def test_a_round_trip_realizes_exactly_what_its_fills_made() -> None:
    p = fills_of(linear(), [*ENTRIES, (Side.SELL, "0.009", "3016.54")])
    assert p.qty == 0
    assert p.realized_pnl == D("0.1488")


def test_partial_closes_add_up_exactly() -> None:
    inst = linear()
    p = fills_of(inst, [*ENTRIES, (Side.SELL, "0.004", "3010.04")])
    # the first close realizes its share of the average, which has no finite decimal ...
    assert p.realized_pnl != p.realized_pnl.quantize(D("1e-20"))
    # ... and the second takes what is left of the cost, so the two add up to the exact total
    p = p.apply_fill(inst, Side.SELL, D("0.005"), D("3021.74"))
    assert p.qty == 0 and p.cost == 0 and p.avg_entry == 0
    assert p.realized_pnl == D("0.1488")


def test_short_round_trip_and_contract_size_are_exact() -> None:
    inst = linear(D("0.01"))
    p = fills_of(
        inst,
        [
            (Side.SELL, "3", "100.01"),
            (Side.SELL, "7", "100.02"),
            (Side.BUY, "4", "99.5"),
            (Side.BUY, "6", "99.07"),
        ],
    )
    # 0.01 * (3 * 100.01 + 7 * 100.02 - 4 * 99.5 - 6 * 99.07)
    assert p.qty == 0 and p.realized_pnl == D("0.0775")


def test_inverse_round_trip_is_the_difference_of_its_values() -> None:
    inst = inverse(D("100"))
    p = fills_of(
        inst,
        [(Side.BUY, "10", "40000"), (Side.BUY, "20", "60000"), (Side.SELL, "30", "50000")],
    )
    # 100 * (10/40000 + 20/60000 - 30/50000); 20/60000 is the only value that rounds
    expected = D(100) * (D("0.00025") + D(20) / D(60000) - D("0.0006"))
    assert p.qty == 0 and p.realized_pnl == expected
    assert abs(p.realized_pnl + D(1) / D(600)) < D("1e-26")  # exactly -1/600 BTC


def test_a_position_reported_with_an_entry_price_only() -> None:
    """A venue reports qty and entry price, no cost: it is derived from the price."""
    inst = linear()
    reported = Position(inst.id, qty=D(-2), avg_entry=D("100.5"))
    assert reported.cost is None
    assert reported.entry_cost(inst) == D("201")
    assert reported.unrealized(inst, D(100)) == pnl(inst, D(-2), D("100.5"), D(100)) == D(1)
    closed = reported.apply_fill(inst, Side.BUY, D(2), D(99))
    assert closed.realized_pnl == D(3) and closed.cost == 0
    inv = inverse()
    reported = Position(inv.id, qty=D(100), avg_entry=D(50_000))
    assert reported.entry_cost(inv) == D("0.002")
    assert reported.unrealized(inv, D(40_000)) == D("-0.0005")


def test_cost_is_kept_through_adds_reductions_and_flips() -> None:
    inst = linear()
    p = fills_of(inst, [(Side.BUY, "1", "100"), (Side.BUY, "2", "101")])
    assert p.cost == D(302) and p.avg_entry == D(302) / D(3)
    p = p.apply_fill(inst, Side.SELL, D(1), D(110))
    assert p.avg_entry == D(302) / D(3)  # reducing keeps the entry
    assert p.cost + (D(110) - p.realized_pnl) == D(302)  # taken plus left is what was put in
    p = p.apply_fill(inst, Side.SELL, D(5), D(90))
    assert p.qty == -3 and p.cost == D(270) and p.avg_entry == D(90)


# --- properties ---------------------------------------------------------------------------------


def q28(x: Fraction) -> Fraction:
    """``x`` rounded once to 28 significant digits, as a Decimal quotient is."""
    return F(D(x.numerator) / D(x.denominator))


@dataclass
class CostLedger:
    """The definition above in exact arithmetic, rounding only the quotients it names."""

    inverse: bool
    size: Fraction
    qty: Fraction = NIL
    cost: Fraction = NIL
    realized: Fraction = NIL

    def value(self, qty: Fraction, price: Fraction) -> Fraction:
        return q28(qty / price) if self.inverse else qty * price

    def fill(self, signed: Fraction, price: Fraction) -> None:
        old, new = self.qty, self.qty + signed
        if old == 0 or (old > 0) == (signed > 0):
            self.cost += self.value(abs(signed), price)
        else:
            held, closed = abs(old), min(abs(old), abs(signed))
            share = self.cost if closed == held else q28(self.cost * closed / held)
            value = self.value(closed, price)
            gain = (share - value if self.inverse else value - share) * self.size
            self.realized += gain if old > 0 else -gain
            if new == 0:
                self.cost = F(0)
            elif (new > 0) != (old > 0):
                self.cost = self.value(abs(signed) - closed, price)
            else:
                self.cost -= share
        self.qty = new


sides = st.sampled_from(list(Side))
linear_fills = st.lists(
    st.tuples(
        sides,
        st.decimals(D("0.001"), D("50"), places=3),
        st.decimals(D("0.01"), D("200000"), places=2),
    ),
    min_size=1,
    max_size=40,
)
inverse_fills = st.lists(
    st.tuples(
        sides,
        st.decimals(D("1"), D("100000"), places=0),
        st.decimals(D("0.5"), D("200000"), places=1),
    ),
    min_size=1,
    max_size=40,
)


def _replay(inst: Instrument, fills: list[tuple[Side, Decimal, Decimal]], mark: Decimal) -> None:
    ref = CostLedger(inst.inverse, F(inst.contract_size))
    pos = Position(inst.id)
    cash = F(0)  # what the fills paid (-) and received (+), linear only
    for side, qty, price in fills:
        pos = pos.apply_fill(inst, side, qty, price)
        signed = F(qty) if side is Side.BUY else -F(qty)
        ref.fill(signed, F(price))
        cash -= signed * F(price) * F(inst.contract_size)
        assert F(pos.qty) == ref.qty
        assert pos.cost is not None and F(pos.cost) == ref.cost
        assert F(pos.realized_pnl) == ref.realized  # exactly, at every step
        if inst.inverse:
            continue
        valued = cash + ref.qty * F(mark) * F(inst.contract_size)
        assert F(pos.realized_pnl) + F(pos.unrealized(inst, mark)) == valued
        if pos.qty == 0:
            assert F(pos.realized_pnl) == cash  # flat: any method would say the same


@settings(max_examples=300)
@given(
    st.sampled_from([D("1"), D("0.001"), D("0.01"), D("10")]),
    linear_fills,
    st.decimals(D("0.01"), D("200000"), places=2),
)
def test_linear_realized_is_the_exact_recomputation_from_the_fills(
    size: Decimal, fills: list[tuple[Side, Decimal, Decimal]], mark: Decimal
) -> None:
    _replay(linear(size), fills, mark)


@settings(max_examples=300)
@given(
    st.sampled_from([D("1"), D("10"), D("100")]),
    inverse_fills,
    st.decimals(D("0.5"), D("200000"), places=1),
)
def test_inverse_realized_is_the_exact_recomputation_from_the_fills(
    size: Decimal, fills: list[tuple[Side, Decimal, Decimal]], mark: Decimal
) -> None:
    _replay(inverse(size), fills, mark)


@settings(max_examples=200)
@given(linear_fills)
def test_a_linear_round_trip_is_exact_to_the_last_unit(
    fills: list[tuple[Side, Decimal, Decimal]],
) -> None:
    """Whatever came before, closing the position at any price realizes exactly the cash flow."""
    inst = linear()
    pos = Position(inst.id)
    cash = D(0)
    for side, qty, price in fills:
        pos = pos.apply_fill(inst, side, qty, price)
        cash += -qty * price if side is Side.BUY else qty * price
    if pos.qty:
        exit_price = fills[-1][2]
        side = Side.SELL if pos.qty > 0 else Side.BUY
        cash += abs(pos.qty) * exit_price if side is Side.SELL else -abs(pos.qty) * exit_price
        pos = pos.apply_fill(inst, side, abs(pos.qty), exit_price)
    assert pos.qty == 0
    assert pos.realized_pnl == cash
    assert len(pos.realized_pnl.normalize().as_tuple().digits) <= 28  # a short decimal again
