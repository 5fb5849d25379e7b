"""Orders are valued from the quote book at once, not from the last revaluation.

Before, for about a second after start (most of a replay at ``--speed max``) an order on an
instrument not quoted in the first valuation currency (ETH/BTC; COIN-M ``BTC/USD:BTC``) was
refused as "cannot be valued": the conversion price waited for the first revaluation tick.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from app.core.orders import OrderRequest, OrderStatus, Side
from app.engine.engine import Engine
from tests.support.engines import ManualFeed, make_settings, manual_market, start_manual

D = Decimal


@pytest.fixture
async def fresh(arbdesk_home: Path) -> AsyncIterator[tuple[Engine, ManualFeed]]:
    """A started engine that has seen no quote yet."""
    settings = make_settings()
    market, feed, _ = manual_market(settings, ["sim-a"])
    engine = Engine(settings, market=market)
    await start_manual(engine, feed, prices=False)
    yield engine, feed
    await engine.stop()


async def test_an_eth_btc_order_passes_risk_right_after_the_first_quotes(
    fresh: tuple[Engine, ManualFeed],
) -> None:
    engine, feed = fresh
    # the first quote of the run (it runs the timers once) is not in the valuation currency
    feed.push("sim-a", "ETH/BTC", 0.05999, 0.06001)
    feed.push("sim-a", "BTC/USDT", 50_000.0, 50_001.0)
    request = OrderRequest("sim-a", "ETH/BTC", Side.BUY, D("0.5"), D("0.05990"))
    checks = engine.preview_order(request)
    assert [c for c in checks if not c.passed] == []
    order = await engine.submit_order(request)
    assert order.status is OrderStatus.OPEN


async def test_without_a_price_for_its_quote_currency_an_order_is_still_refused(
    fresh: tuple[Engine, ManualFeed],
) -> None:
    engine, feed = fresh
    feed.push("sim-a", "ETH/BTC", 0.05999, 0.06001)  # no BTC/USDT yet: BTC has no USDT price
    request = OrderRequest("sim-a", "ETH/BTC", Side.BUY, D("0.5"), D("0.05990"))
    failed = {c.rule: c.message for c in engine.preview_order(request) if not c.passed}
    assert "cannot be valued" in failed["max_order_notional"]
