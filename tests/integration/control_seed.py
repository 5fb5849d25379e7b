"""What a panic must clean up: resting orders (and a perpetual position) on the paper venues.

Run in-process (``await seed(...)``) or as a script (``python control_seed.py N [--position]``)
against the ArbDesk home in ``ARBDESK_HOME``. The engine stops afterwards: the paper venues keep
the orders open in their own state file, and the journal has them, as after a real session.
Orders rest 15 % below the market, so the simulated market never reaches them in a test.
"""

from __future__ import annotations

import asyncio
import sys
import time
from decimal import Decimal
from pathlib import Path

from app.core.instruments import InstrumentId
from app.core.money import price_for_side
from app.core.orders import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from app.engine.engine import Engine
from app.runtime.settings_loader import load_settings

VENUES = ("sim-a", "sim-b", "sim-c")
SPOT, PERP = "BTC/USDT", "BTC/USDT:USDT"
SETTINGS_TOML = """\
[market]
speed = 1.0

[risk.limits]
price_band_bps = 2500   # let the test rest orders far from the market
"""


def write_settings(home: Path) -> None:
    """The settings every process of a test reads (the platform's settings.toml)."""
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text(SETTINGS_TOML)


async def wait_for_quotes(engine: Engine, wanted: set[tuple[str, str]], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while wanted - {(q.venue, q.symbol) for q in engine.snapshot().quotes}:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no quotes for {sorted(wanted)} within {timeout_s} s")
        await asyncio.sleep(0.05)


async def rest_orders(engine: Engine, per_venue: int) -> list[str]:
    """``per_venue`` resting limit buys of BTC/USDT on every venue; their client order ids."""
    await wait_for_quotes(engine, {(v, SPOT) for v in VENUES}, 20)
    quotes = {(q.venue, q.symbol): q for q in engine.snapshot().quotes}
    ids = []
    for venue in VENUES:
        tick = engine.instruments()[InstrumentId(venue, SPOT)].tick_size
        for i in range(per_venue):
            price = price_for_side(quotes[venue, SPOT].bid * (0.85 - i / 100), tick, "buy")
            request = OrderRequest(venue, SPOT, Side.BUY, Decimal("0.01"), price)
            order = await engine.submit_order(request)
            assert order.status is OrderStatus.OPEN, order
            ids.append(order.client_order_id)
    return ids


async def open_position(engine: Engine, venue: str = "sim-a") -> None:
    """A long perpetual position, bought at market."""
    await wait_for_quotes(engine, {(venue, PERP)}, 20)
    request = OrderRequest(
        venue,
        PERP,
        Side.BUY,
        Decimal("0.01"),
        type=OrderType.MARKET,
        time_in_force=TimeInForce.IOC,
    )
    order = await engine.submit_order(request)
    assert order.filled_qty > 0, order


async def seed(per_venue: int, *, position: bool = False) -> list[str]:
    engine = Engine(load_settings())
    await engine.start()
    try:
        ids = await rest_orders(engine, per_venue)
        if position:
            await open_position(engine)
    finally:
        await engine.stop()
    return ids


if __name__ == "__main__":
    placed = asyncio.run(seed(int(sys.argv[1]), position="--position" in sys.argv[2:]))
    print(" ".join(placed))
