"""The paper account's running lock totals equal a fresh re-sum of every hold and margin, exactly,
after any sequence of reserves, partial and full releases, and derivative fills."""

from __future__ import annotations

import contextlib
from decimal import Context, Decimal, Inexact, localcontext

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_paper_support import INVERSE, PERP, SPOT, VENUE

from app.core.orders import Side
from app.venues.errors import InsufficientFunds
from app.venues.paper_accounts import Hold, PaperAccount

D = Decimal
ASSETS = ("USDT", "BTC")
ORDERS = [f"o{n}" for n in range(8)]  # every client order id the actions use
INSTRUMENTS = {"perp": PERP, "inverse": INVERSE}

# Amounts with many digits (thirds, sevenths) so holds scaled by what remains have 28 digits and
# a running total kept with ordinary rounding would drift from the re-sum.
amounts = st.builds(
    lambda n, d: D(n) / D(d),
    st.integers(1, 10**9),
    st.sampled_from([1, 3, 7, 1000, 3 * 10**6]),
)
reserves = st.tuples(st.just("reserve"), st.integers(0, 7), st.sampled_from(ASSETS), amounts,
                     st.integers(1, 50))  # fmt: skip
releases = st.tuples(st.just("release"), st.integers(0, 7), st.integers(1, 20))
ends = st.tuples(st.just("release_all"), st.integers(0, 7))
fills = st.tuples(
    st.just("fill"),
    st.sampled_from(["perp", "inverse"]),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 30),
    st.integers(20_000, 80_000),
)
steps = st.lists(st.one_of(reserves, reserves, releases, ends, fills), max_size=60)


def margins(account: PaperAccount) -> list[tuple[str, Decimal]]:
    """The margin of each open position: its notional at entry over the leverage."""
    return [
        (inst.settle_currency, inst.notional(p.qty, p.avg_entry) / account.leverage)
        for inst in INSTRUMENTS.values()
        if (p := account.position(inst.symbol)) is not None and p.qty != 0 and p.avg_entry > 0
    ]


def exact_sum(account: PaperAccount, asset: str) -> Decimal:
    """What ``asset`` holds, re-summed here in exact arithmetic (the reference)."""
    holds = [account.hold_of(cid) for cid in ORDERS]
    parts = [h.current for h in holds if h is not None and h.asset == asset]
    parts += [a for k, a in margins(account) if k == asset]
    with localcontext(Context(prec=400)) as ctx:
        ctx.traps[Inexact] = True
        return sum(parts, D(0))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_running_lock_totals_equal_the_re_summed_holds(
    actions: list[tuple[object, ...]],
) -> None:
    account = PaperAccount(VENUE, D(3))  # leverage 3: margins with 28 digits
    account.start({"USDT": D(10) ** 12, "BTC": D(10) ** 6})
    for action in actions:
        kind = action[0]
        if kind == "reserve":
            _, n, asset, amount, qty = action
            with contextlib.suppress(InsufficientFunds):
                account.reserve(f"o{n}", (str(asset), amount), D(qty))  # type: ignore[arg-type]
        elif kind == "release":
            _, n, qty = action
            account.release(f"o{n}", D(qty))  # type: ignore[arg-type]
        elif kind == "release_all":
            account.release_all(f"o{action[1]}")
        else:
            _, which, side, qty, price = action
            inst = INSTRUMENTS[str(which)]
            account.settle_derivative(inst, side, D(qty), D(price), D(0))  # type: ignore[arg-type]
        assert account.verify_locks() == {}  # each running total is its exact re-sum
        for asset in {*account.balances, *ASSETS}:
            balance = account.balances.get(asset)
            locked = balance.locked if balance is not None else D(0)
            assert locked == +exact_sum(account, asset)  # rounded once to the default context
    for cid in ORDERS:
        account.release_all(cid)
    assert account.verify_locks() == {}
    for asset in ASSETS:
        if not any(k == asset for k, _ in margins(account)):
            balance = account.balances.get(asset)
            # nothing leaks, not even 1E-28 (nor a 0E-30)
            assert balance is None or str(balance.locked) == "0"


def test_verify_locks_reports_a_running_total_that_went_wrong() -> None:
    account = PaperAccount(VENUE, D(10))
    account.start({"USDT": D(1000)})
    account.reserve("a", ("USDT", D("10.5")), D(1))
    assert account.verify_locks() == {}
    hold = account.hold_of("a")
    assert hold is not None
    hold.amount += D("0.1")  # a bug would look like this: a hold changed, its total not moved
    assert account.verify_locks() == {"USDT": (D("10.5"), D("10.6"))}


def test_a_restart_rebuilds_the_same_totals() -> None:
    account = PaperAccount(VENUE, D(10))
    account.start({"USDT": D(1000), "BTC": D(2)})
    account.reserve("a", ("USDT", D(100) / D(3)), D(3))
    account.reserve("b", ("BTC", D("0.5")), D("0.5"))
    account.release("a", D(1))
    again = PaperAccount(VENUE, D(10))
    holds = {
        cid: Hold(h.asset, h.amount, h.quantity, h.remaining)
        for cid in ("a", "b")
        if (h := account.hold_of(cid)) is not None
    }
    assert len(holds) == 2
    totals = {a: b.total for a, b in account.balances.items()}
    again.load(totals, [], holds, {SPOT.symbol: SPOT})
    assert again.balances == account.balances
    assert again.verify_locks() == {}
