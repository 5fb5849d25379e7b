"""Funding reaches the engine's bus as an event of its own (for attribution to bots), and the
balance it moved reaches the portfolio once, through the balance update."""

from __future__ import annotations

from decimal import Decimal

from app.core.events import BalanceChanged, FundingPaid
from app.core.orders import OrderRequest, OrderStatus, Side
from app.engine.engine import Engine
from tests.support.engines import eventually, make_settings, manual_market, start_manual

D = Decimal
PERP = "BTC/USDT:USDT"
EIGHT_HOURS_S = 8 * 3600


async def test_funding_paid_reaches_a_bus_subscriber_and_the_portfolio_counts_it_once() -> None:
    settings = make_settings()
    market, feed, _ = manual_market(settings, ["sim-a"])
    engine = Engine(settings, market=market)
    seen: list[object] = []
    engine.subscribe(FundingPaid, seen.append)

    def on_balance(event: BalanceChanged) -> None:
        if event.venue == "sim-a" and event.balance.asset == "USDT":
            seen.append(event)

    engine.subscribe(BalanceChanged, on_balance)
    await start_manual(engine, feed)
    try:
        order = await engine.submit_manual_order(
            OrderRequest("sim-a", PERP, Side.BUY, D("0.01"), D("50011"))
        )
        await eventually(
            lambda: (
                (o := engine.order(order.client_order_id)) is not None
                and o.status is OrderStatus.FILLED
            ),
            what="the perpetual buy to fill",
        )
        before = engine.balances()["sim-a"]["USDT"].total
        feed.set_funding_rate("sim-a", PERP, 0.0001)
        seen.clear()

        feed.advance(EIGHT_HOURS_S)  # past the next funding time (00:00, 08:00, 16:00 UTC)
        feed.push("sim-a", PERP, 50_010.0, 50_010.5)

        payments = [e for e in seen if isinstance(e, FundingPaid)]
        assert len(payments) == 1
        [payment] = payments
        assert (payment.venue, payment.symbol, payment.currency) == ("sim-a", PERP, "USDT")
        assert (payment.rate, payment.position_qty, payment.mark) == (
            D("0.0001"),
            D("0.01"),
            D("50010.25"),
        )
        assert payment.amount == -(D("0.01") * D("50010.25") * D("0.0001"))  # a long pays
        assert payment.ts_ns == engine.now_ns()
        # the event first, then the balance it moved; the portfolio holds that balance, once
        assert isinstance(seen[0], FundingPaid) and isinstance(seen[1], BalanceChanged)
        assert seen[1].balance.total == before + payment.amount
        assert engine.balances()["sim-a"]["USDT"].total == before + payment.amount

        feed.set_funding_rate("sim-a", PERP, None)  # a rate the market does not know: nothing
        feed.advance(EIGHT_HOURS_S)
        feed.push("sim-a", PERP, 50_010.0, 50_010.5)
        assert len([e for e in seen if isinstance(e, FundingPaid)]) == 1
        assert engine.balances()["sim-a"]["USDT"].total == before + payment.amount
    finally:
        await engine.stop()
