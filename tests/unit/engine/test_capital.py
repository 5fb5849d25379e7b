"""Capital pools and reservations: all or nothing, pool and free balance both bound a bot, and a
refused reservation changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.instruments import Instrument, InstrumentId, InstrumentKind
from app.core.orders import Order, OrderStatus, OrderType, Side, TimeInForce
from app.engine.capital import (
    Capital,
    CapitalRefused,
    Need,
    PoolSpec,
    Reservation,
    needs_for,
    reservations_for_open_orders,
)
from app.venues.sim_model import build_instruments

D = Decimal


class Balances:
    """Free balances the test moves by hand, as the venue would after fills."""

    def __init__(self, **free: str) -> None:
        self.free: dict[tuple[str, str], Decimal] = {}
        for name, amount in free.items():
            venue, asset = name.split("__")
            self.free[(venue, asset)] = D(amount)

    def __call__(self, venue: str, asset: str) -> Decimal:
        return self.free.get((venue, asset), D(0))


def capital(**free: str) -> tuple[Capital, Balances]:
    balances = Balances(**free)
    return Capital(balances), balances


# --- behaviour ------------------------------------------------------------------------------


def test_reservation_within_pool_and_balance_is_booked() -> None:
    cap, _ = capital(a__USDT="1000", b__USDT="1000")
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(300), ("b", "USDT"): D(300)}))
    res = cap.reserve("x", "x:1:1", [Need("a", "USDT", D(100)), Need("b", "USDT", D(50))])
    assert res == Reservation("x:1:1", "x", (Need("a", "USDT", D(100)), Need("b", "USDT", D(50))))
    assert cap.reserved("a", "USDT") == D(100)
    assert cap.reserved("b", "USDT") == D(50)
    assert cap.available("x", "a", "USDT") == D(200)
    assert cap.available("x", "b", "USDT") == D(250)


def test_all_or_nothing_when_one_leg_does_not_fit() -> None:
    cap, _ = capital(a__USDT="1000", b__BTC="0.01")
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(500), ("b", "BTC"): D(1)}))
    with pytest.raises(CapitalRefused) as refused:
        cap.reserve("x", "k", [Need("a", "USDT", D(100)), Need("b", "BTC", D("0.02"))])
    err = refused.value
    assert (err.bot_id, err.venue, err.asset, err.need, err.available) == (
        "x",
        "b",
        "BTC",
        D("0.02"),
        D("0.01"),
    )
    for word in ("x", "b BTC", "0.02", "0.01"):
        assert word in str(err)
    # the fitting leg was not booked, and the key is free to try again
    assert cap.reserved("a", "USDT") == 0
    assert cap.available("x", "a", "USDT") == D(500)
    cap.reserve("x", "k", [Need("a", "USDT", D(100))])
    assert cap.reserved("a", "USDT") == D(100)


def test_needs_on_the_same_asset_add_up() -> None:
    cap, _ = capital(a__USDT="1000")
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(150)}))
    with pytest.raises(CapitalRefused) as refused:
        cap.reserve("x", "k", [Need("a", "USDT", D(100)), Need("a", "USDT", D(100))])
    assert refused.value.need == D(200)
    assert refused.value.available == D(150)
    cap.reserve("x", "k", [Need("a", "USDT", D(100)), Need("a", "USDT", D(50))])
    assert cap.reserved("a", "USDT") == D(150)
    assert cap.available("x", "a", "USDT") == 0


def test_release_returns_funds_and_is_idempotent() -> None:
    cap, _ = capital(a__USDT="1000")
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(300)}))
    cap.reserve("x", "k", [Need("a", "USDT", D(300))])
    with pytest.raises(CapitalRefused):
        cap.reserve("x", "k2", [Need("a", "USDT", D(1))])
    cap.release("k")
    cap.release("k")
    cap.release("never-held")
    assert cap.reserved("a", "USDT") == 0
    assert cap.available("x", "a", "USDT") == D(300)
    cap.reserve("x", "k2", [Need("a", "USDT", D(300))])


def test_a_held_key_cannot_be_reserved_twice() -> None:
    cap, _ = capital(a__USDT="1000")
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(300)}))
    cap.reserve("x", "k", [Need("a", "USDT", D(10))])
    with pytest.raises(ValueError, match="already held"):
        cap.reserve("x", "k", [Need("a", "USDT", D(10))])
    assert cap.reserved("a", "USDT") == D(10)


def test_free_balance_bounds_all_bots_together() -> None:
    cap, _ = capital(a__USDT="500")
    for bot in ("x", "y"):
        cap.set_pool(bot, PoolSpec(amounts={("a", "USDT"): D(400)}))
    cap.reserve("x", "x1", [Need("a", "USDT", D(400))])
    assert cap.available("y", "a", "USDT") == D(100)
    with pytest.raises(CapitalRefused, match="free balance") as refused:
        cap.reserve("y", "y1", [Need("a", "USDT", D(101))])
    assert (refused.value.need, refused.value.available) == (D(101), D(100))
    cap.reserve("y", "y1", [Need("a", "USDT", D(100))])
    assert cap.reserved("a", "USDT") == D(500)


def test_pool_bounds_a_bot_even_with_free_balance_left() -> None:
    cap, _ = capital(a__USDT="10000", a__BTC="5")
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(100)}))
    with pytest.raises(CapitalRefused, match="pool"):
        cap.reserve("x", "k", [Need("a", "USDT", D("100.01"))])
    # an asset the pool does not name is a pool of zero
    assert cap.available("x", "a", "BTC") == 0
    with pytest.raises(CapitalRefused) as refused:
        cap.reserve("x", "k", [Need("a", "BTC", D("0.001"))])
    assert refused.value.available == 0


def test_a_bot_may_sell_back_what_it_bought_in_either_kind_of_pool() -> None:
    """A spot buy of 0.02 BTC: the bot can close it, though no pool names BTC."""
    cap, balances = capital(a__USDT="1000", a__BTC="0.05")
    cap.set_pool("amount", PoolSpec(amounts={("a", "USDT"): D(500)}))
    cap.set_pool("share", PoolSpec(share=D("0.1")))
    for bot in ("amount", "share"):
        cap.note_spent(bot, "a", "BTC", D("0.02"))
    assert cap.available("amount", "a", "BTC") == D("0.02")
    assert cap.available("share", "a", "BTC") == D("0.005") + D("0.02")
    cap.reserve("amount", "close", [Need("a", "BTC", D("0.02"))])
    # the venue's free balance less what all bots reserved still bounds the other
    assert cap.available("share", "a", "BTC") == D("0.025")
    balances.free[("a", "BTC")] = D("0.03")
    assert cap.available("share", "a", "BTC") == D("0.01")


def test_share_pool_follows_the_free_balance() -> None:
    cap, balances = capital(a__USDT="1000")
    cap.set_pool("x", PoolSpec(share=D("0.25")))
    assert cap.available("x", "a", "USDT") == D(250)
    cap.reserve("x", "k1", [Need("a", "USDT", D(200))])
    assert cap.available("x", "a", "USDT") == D(50)
    balances.free[("a", "USDT")] = D(2000)
    assert cap.available("x", "a", "USDT") == D(300)
    with pytest.raises(CapitalRefused):
        cap.reserve("x", "k2", [Need("a", "USDT", D(301))])
    cap.reserve("x", "k2", [Need("a", "USDT", D(300))])
    # spending is already in the free balance, so a share pool does not count it again
    cap.note_spent("x", "a", "USDT", D(-500))
    assert cap.available("x", "a", "USDT") == 0
    cap.release("k1")
    assert cap.available("x", "a", "USDT") == D(200)


def test_spent_and_returned_move_an_amount_pool() -> None:
    cap, _ = capital(a__USDT="1000")
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(300)}))
    cap.note_spent("x", "a", "USDT", D(-250))
    assert cap.available("x", "a", "USDT") == D(50)
    with pytest.raises(CapitalRefused):
        cap.reserve("x", "k", [Need("a", "USDT", D(51))])
    cap.note_spent("x", "a", "USDT", D(100))  # a sale gave 100 back
    assert cap.available("x", "a", "USDT") == D(150)
    # what it spent still counts against a replaced pool, and is forgotten with the pool
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(400)}))
    assert cap.available("x", "a", "USDT") == D(250)
    cap.remove_pool("x")
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(400)}))
    assert cap.available("x", "a", "USDT") == D(400)


def test_a_bot_without_a_pool_is_refused() -> None:
    cap, _ = capital(a__USDT="1000")
    with pytest.raises(CapitalRefused, match="no capital pool") as refused:
        cap.reserve("ghost", "k", [Need("a", "USDT", D(1))])
    assert (refused.value.bot_id, refused.value.venue, refused.value.asset) == (
        "ghost",
        "a",
        "USDT",
    )
    assert cap.available("ghost", "a", "USDT") == 0
    assert cap.reserved("a", "USDT") == 0


def test_removed_pool_keeps_reservations_until_released() -> None:
    cap, _ = capital(a__USDT="1000")
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(300)}))
    cap.reserve("x", "k", [Need("a", "USDT", D(300))])
    cap.remove_pool("x")
    assert cap.reserved("a", "USDT") == D(300)
    with pytest.raises(CapitalRefused):
        cap.reserve("x", "k2", [Need("a", "USDT", D(1))])
    cap.release("k")
    assert cap.reserved("a", "USDT") == 0


def test_rebuild_replaces_reservations_without_checking() -> None:
    cap, _ = capital(a__USDT="100")
    cap.set_pool("x", PoolSpec(amounts={("a", "USDT"): D(100)}))
    cap.reserve("x", "old", [Need("a", "USDT", D(10))])
    cap.rebuild(
        [
            Reservation("x:1:1", "x", (Need("a", "USDT", D(70)),)),
            Reservation("y:4:2", "y", (Need("a", "USDT", D(60)), Need("b", "BTC", D(1)))),
        ]
    )
    # the orders are already out: booked even though together they pass the free balance
    assert cap.reserved("a", "USDT") == D(130)
    assert cap.reserved("b", "BTC") == D(1)
    assert cap.available("x", "a", "USDT") == 0
    cap.release("old")  # gone with the rebuild
    assert cap.reserved("a", "USDT") == D(130)
    cap.release("y:4:2")
    assert cap.reserved("a", "USDT") == D(70)
    assert cap.available("x", "a", "USDT") == D(30)
    with pytest.raises(ValueError, match="twice"):
        cap.rebuild([Reservation("k", "x", ()), Reservation("k", "x", ())])
    assert cap.reserved("a", "USDT") == D(70)


def test_pool_spec_and_need_validation() -> None:
    with pytest.raises(ValueError):
        PoolSpec(share=D(0))
    with pytest.raises(ValueError):
        PoolSpec(share=D("1.5"))
    with pytest.raises(ValueError):
        PoolSpec(amounts={("a", "USDT"): D(1)}, share=D("0.5"))
    with pytest.raises(ValueError):
        PoolSpec(amounts={("a", "USDT"): D(-1)})
    with pytest.raises(ValueError):
        Need("a", "USDT", D(-1))
    amounts = {("a", "USDT"): D(10)}
    spec = PoolSpec(amounts=amounts)
    amounts[("a", "USDT")] = D(1000)
    assert spec.amounts[("a", "USDT")] == D(10)


# --- needs of orders ------------------------------------------------------------------------

SIM = {inst.id: inst for inst in build_instruments(["sim-a", "sim-b"])}
SPOT = SIM[InstrumentId("sim-a", "BTC/USDT")]
PERP = SIM[InstrumentId("sim-b", "BTC/USDT:USDT")]


def test_needs_for_spot_and_perpetual_legs() -> None:
    assert needs_for(SPOT, Side.BUY, D("0.01"), D(60000), D(1)) == Need(
        "sim-a", "USDT", D("0.01") * D(60000) * (1 + SPOT.taker_fee)
    )
    assert needs_for(SPOT, Side.SELL, D("0.01"), D(60000), D(1)) == Need("sim-a", "BTC", D("0.01"))
    assert PERP.kind is InstrumentKind.PERPETUAL
    assert needs_for(PERP, Side.SELL, D("0.01"), D(60000), D(5)) == Need(
        "sim-b", "USDT", D("0.01") * D(60000) / 5 * (1 + PERP.taker_fee)
    )


def order(
    cid: str,
    inst: Instrument,
    side: Side,
    qty: str,
    price: str | None,
    *,
    origin: str = "bot:dca",
    trace: str = "",
    status: OrderStatus = OrderStatus.OPEN,
    filled: str = "0",
    reduce_only: bool = False,
) -> Order:
    return Order(
        client_order_id=cid,
        venue=inst.venue,
        symbol=inst.symbol,
        side=side,
        type=OrderType.LIMIT if price is not None else OrderType.MARKET,
        quantity=D(qty),
        price=D(price) if price is not None else None,
        time_in_force=TimeInForce.GTC,
        reduce_only=reduce_only,
        origin=origin,
        status=status,
        filled_qty=D(filled),
        trace_id=trace,
    )


def test_reservations_for_open_orders_groups_a_step_and_counts_what_remains() -> None:
    orders = [
        # one step of two legs, the spot leg half filled
        order(
            "c1",
            SPOT,
            Side.BUY,
            "0.02",
            "60000",
            trace="dca:3:1",
            status=OrderStatus.PARTIALLY_FILLED,
            filled="0.01",
        ),
        order("c2", PERP, Side.SELL, "0.02", "60100", trace="dca:3:1"),
        # an order without a trace id is its own step
        order(
            "c3", SPOT, Side.SELL, "0.5", "61000", origin="bot:carry", status=OrderStatus.UNKNOWN
        ),
        # not reserved: terminal, manual, reduce-only
        order("c4", SPOT, Side.BUY, "1", "60000", trace="dca:2:1", status=OrderStatus.FILLED),
        order("c5", SPOT, Side.BUY, "1", "60000", origin="manual"),
        order("c6", PERP, Side.BUY, "0.02", "60000", trace="dca:3:2", reduce_only=True),
    ]
    got = reservations_for_open_orders(orders, SIM, D(2))
    assert got == [
        Reservation(
            "dca:3:1",
            "dca",
            (
                Need("sim-a", "USDT", D("0.01") * D(60000) * (1 + SPOT.taker_fee)),
                Need("sim-b", "USDT", D("0.02") * D(60100) / 2 * (1 + PERP.taker_fee)),
            ),
        ),
        Reservation("c3", "carry", (Need("sim-a", "BTC", D("0.5")),)),
    ]
    cap, _ = capital()
    cap.rebuild(got)
    assert cap.reserved("sim-a", "BTC") == D("0.5")
    cap.release("dca:3:1")
    assert cap.reserved("sim-a", "USDT") == 0
    assert cap.reserved("sim-b", "USDT") == 0


def test_reservations_for_open_orders_refuses_what_it_cannot_value() -> None:
    unknown = Instrument("sim-z", "BTC/USDT", "BTC", "USDT")
    with pytest.raises(ValueError, match="not a known instrument"):
        reservations_for_open_orders([order("c1", unknown, Side.BUY, "1", "10")], SIM, D(1))
    with pytest.raises(ValueError, match="no price"):
        reservations_for_open_orders([order("c1", SPOT, Side.BUY, "1", None)], SIM, D(1))
    with pytest.raises(ValueError, match="two bots"):
        reservations_for_open_orders(
            [
                order("c1", SPOT, Side.BUY, "1", "10", trace="t"),
                order("c2", SPOT, Side.BUY, "1", "10", trace="t", origin="bot:other"),
            ],
            SIM,
            D(1),
        )


# --- property: concurrent bots never overspend ------------------------------------------------

VENUES = ("v1", "v2")
ASSETS = ("USDT", "BTC")
SLOTS = [(v, a) for v in VENUES for a in ASSETS]
POOLS = {
    "amt": PoolSpec(amounts={slot: D(25) for slot in SLOTS}),
    "part": PoolSpec(amounts={("v1", "USDT"): D(15), ("v2", "BTC"): D(10)}),
    "share": PoolSpec(share=D("0.5")),
}
BOTS = (*POOLS, "nopool")
# few distinct sizes, so that bots often compete for the same funds near a limit
amounts = st.sampled_from([D(0), D("0.25"), D(5), D(10), D(20)])
balances = st.sampled_from([D(0), D(10), D(30), D(60)])
needs = st.lists(
    st.builds(Need, st.sampled_from(VENUES), st.sampled_from(ASSETS), amounts),
    min_size=1,
    max_size=3,
)
OPS = {
    "reserve": st.tuples(st.just("reserve"), st.sampled_from(BOTS), st.integers(0, 7), needs),
    "release": st.tuples(st.just("release"), st.integers(0, 7)),
    # the step ended: its reservation released and part of it spent, as the venue's balance shows
    "settle": st.tuples(st.just("settle"), st.integers(0, 7), st.integers(0, 4)),
    # a bot's sale returned funds: the pool and the free balance both grow
    "return": st.tuples(st.just("return"), st.sampled_from(BOTS), st.sampled_from(SLOTS), amounts),
}
# mostly reservations, so that several are held at once
ops = st.sampled_from(["reserve"] * 4 + ["release", "settle", "return"]).flatmap(OPS.__getitem__)


@dataclass
class Model:
    """What the test expects: free balances, each bot's net spending and the held reservations."""

    free: dict[tuple[str, str], Decimal]
    net: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)
    held: dict[str, Reservation] = field(default_factory=dict)

    def reserved(self, slot: tuple[str, str], bot: str | None = None) -> Decimal:
        return sum(
            (
                n.amount
                for r in self.held.values()
                if bot is None or r.bot_id == bot
                for n in r.needs
                if (n.venue, n.asset) == slot
            ),
            D(0),
        )

    def pool_limit(self, bot: str, slot: tuple[str, str]) -> Decimal:
        spec = POOLS[bot]
        net = self.net.get((bot, *slot), D(0))
        if spec.share is not None:  # plus what the bot itself acquired there
            return spec.share * self.free[slot] + max(net, D(0))
        return spec.amounts.get(slot, D(0)) + net

    def fits(self, bot: str, wanted: list[Need]) -> bool:
        if bot not in POOLS:
            return False
        for slot in SLOTS:
            total = sum((n.amount for n in wanted if (n.venue, n.asset) == slot), D(0))
            if total == 0:
                continue
            if total > self.pool_limit(bot, slot) - self.reserved(slot, bot):
                return False
            if total > self.free[slot] - self.reserved(slot):
                return False
        return True


def snapshot(cap: Capital) -> tuple[Decimal, ...]:
    return tuple(cap.reserved(*slot) for slot in SLOTS) + tuple(
        cap.available(bot, *slot) for bot in BOTS for slot in SLOTS
    )


def do_reserve(cap: Capital, model: Model, bot: str, key: str, wanted: list[Need]) -> None:
    """Capital must agree with the model, and a refusal must leave no trace."""
    if key in model.held:
        return
    expected = model.fits(bot, wanted)
    before = snapshot(cap)
    try:
        cap.reserve(bot, key, wanted)
    except CapitalRefused:
        assert not expected
        assert snapshot(cap) == before
        return
    assert expected
    model.held[key] = Reservation(key, bot, tuple(wanted))
    if POOLS[bot].share is not None:
        for slot in SLOTS:
            assert model.reserved(slot, bot) <= model.pool_limit(bot, slot)


def do_spend(cap: Capital, model: Model, bot: str, slot: tuple[str, str], delta: Decimal) -> None:
    """A fill of the bot: the venue's free balance and the bot's net spending move together."""
    model.free[slot] += delta
    model.net[(bot, *slot)] = model.net.get((bot, *slot), D(0)) + delta
    cap.note_spent(bot, slot[0], slot[1], delta)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(ops, min_size=5, max_size=50),
    st.fixed_dictionaries({slot: balances for slot in SLOTS}),
)
def test_interleaved_bots_never_exceed_pool_or_free_balance(
    steps: list[tuple[Any, ...]], start: dict[tuple[str, str], Decimal]
) -> None:
    model = Model(free=dict(start))
    cap = Capital(lambda venue, asset: model.free[(venue, asset)])
    for bot, spec in POOLS.items():
        cap.set_pool(bot, spec)
    for step in steps:
        if step[0] == "reserve":
            do_reserve(cap, model, step[1], f"k{step[2]}", step[3])
        elif step[0] in ("release", "settle"):
            key = f"k{step[1]}"
            cap.release(key)
            cap.release(key)
            reservation = model.held.pop(key, None)
            if step[0] == "settle" and reservation is not None:
                for need in reservation.needs:
                    spent = need.amount * step[2] / 4
                    do_spend(cap, model, reservation.bot_id, (need.venue, need.asset), -spent)
        else:
            do_spend(cap, model, step[1], step[2], step[3])
        for slot in SLOTS:
            assert cap.reserved(*slot) == model.reserved(slot)
            assert cap.reserved(*slot) <= model.free[slot]
            for bot, spec in POOLS.items():
                if spec.share is None:
                    assert model.reserved(slot, bot) <= model.pool_limit(bot, slot)
