"""The ledger's figures per origin, as risk reads them: kept as orders open and close."""

from __future__ import annotations

from decimal import Decimal

from app.core.instruments import InstrumentId
from app.core.orders import Order, OrderStatus, OrderType, Side
from app.engine.orders.ledger import OrderLedger
from app.venues.sim_model import build_instruments

D = Decimal
INSTRUMENTS = {InstrumentId(i.venue, i.symbol): i for i in build_instruments(["sim-a"])}


def _order(
    cid: str, origin: str, side: Side = Side.BUY, symbol: str = "BTC/USDT", price: str = "50000"
) -> Order:
    return Order(
        client_order_id=cid,
        venue="sim-a",
        symbol=symbol,
        side=side,
        type=OrderType.LIMIT,
        quantity=D("0.02"),
        price=D(price),
        origin=origin,
        status=OrderStatus.OPEN,
    )


def test_open_orders_are_counted_per_origin_and_instrument() -> None:
    ledger = OrderLedger(INSTRUMENTS, D(1))
    a1 = _order("a1", "bot:a")
    ledger.track(a1)
    ledger.track(_order("a2", "bot:a", Side.SELL, price="51000"))
    ledger.track(_order("a3", "bot:a", symbol="ETH/USDT", price="3000"))
    ledger.track(_order("m1", "manual"))
    assert (ledger.open_count(), ledger.open_count("bot:a"), ledger.open_count("bot:b")) == (
        4,
        3,
        0,
    )
    assert ledger.open_count_for("sim-a", "BTC/USDT") == 3
    assert ledger.open_count_for("sim-a", "BTC/USDT", "bot:a") == 2
    assert ledger.open_qty_for("bot:a", "sim-a", "BTC/USDT") == 0  # a buy and a sell
    assert ledger.open_qty_for("bot:a", "sim-a", "ETH/USDT") == D("0.02")
    assert ledger.open_notional("bot:a") == {"USDT": D("1000") + D("1020") + D("60")}

    ledger.replace(a1.transition(OrderStatus.CANCELED, 1))
    assert ledger.open_count("bot:a") == 2
    assert ledger.open_count_for("sim-a", "BTC/USDT", "bot:a") == 1
    assert ledger.open_qty_for("bot:a", "sim-a", "BTC/USDT") == D("-0.02")
    assert ledger.open_notional("bot:a") == {"USDT": D("1080")}
    ledger.forget(_order("a3", "bot:a", symbol="ETH/USDT", price="3000"))
    assert ledger.open_count("bot:a") == 1
    assert ledger.open_notional("bot:a") == {"USDT": D("1020")}
    assert ledger.open_count("manual") == 1 and ledger.open_count() == 2
