"""The pre-trade gate: each named rule refuses with its numbers, and counts per rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.core.events import RiskRejected, TradingStateChanged
from app.core.orders import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from app.core.trading_state import TradingState
from app.engine.api import OrderRefused
from app.engine.orders.risk import STATE_KEY
from app.store import repositories as repo
from app.store.engine import create_store_engine, sqlite_url
from tests.support.engines import data_dir, eventually

from .conftest import MakeEngine

D = Decimal


def buy(qty: str = "0.01", price: str | None = "49900", **kw: object) -> OrderRequest:
    kind = OrderType.LIMIT if price is not None else OrderType.MARKET
    args: dict[str, object] = {
        "venue": "sim-a",
        "symbol": "BTC/USDT",
        "side": Side.BUY,
        "quantity": D(qty),
        "price": D(price) if price is not None else None,
        "type": kind,
    }
    args.update(kw)
    return OrderRequest(**args)  # type: ignore[arg-type]


async def refused(engine: object, request: OrderRequest) -> str:
    with pytest.raises(OrderRefused) as err:
        await engine.submit_order(request)  # type: ignore[attr-defined]
    return f"{err.value.rejection.rule}|{err.value.rejection.message}"


async def test_a_good_order_passes_every_check_and_rests(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    assert all(r.passed for r in engine.preview_order(buy()))
    order = await engine.submit_order(buy())
    assert order.status is OrderStatus.OPEN
    assert order.client_order_id.startswith("AD") and order.client_order_id.isalnum()
    assert engine.open_orders("sim-a") == [order]


@pytest.mark.parametrize(
    ("request_", "rule", "words"),
    [
        (buy(symbol="DOGE/USDT"), "instrument_tradable", "not an instrument of sim-a"),
        (buy(price="60000"), "price_band", "+2000 bps from mid 50000.5 (band 300 bps)"),
        (buy(price="49900.001"), "venue_minimums", "not a multiple of the tick 0.01"),
        (buy(qty="0.000015"), "venue_minimums", "not a multiple of the step"),
        (buy(qty="0.00001"), "venue_minimums", "below the minimum 5"),
        (buy(qty="1.5"), "max_order_notional", "74,850.00 exceeds the limit 50,000"),
        (buy(qty="0.9"), "enough_balance", "insufficient USDT on sim-a"),
        (buy(reduce_only=True), "instrument_tradable", "reduce-only is for derivatives"),
    ],
)
async def test_each_rule_refuses_with_its_numbers(
    make_engine: MakeEngine, request_: OrderRequest, rule: str, words: str
) -> None:
    engine, _ = await make_engine(paper={"starting_balances": {"USDT": 40_000, "BTC": 1}})
    seen: list[RiskRejected] = []
    engine.subscribe(RiskRejected, seen.append)
    text = await refused(engine, request_)
    assert text.startswith(rule + "|")
    assert words in text
    assert engine.risk_stats()[rule] == 1
    assert [e.rule for e in seen] == [rule]
    assert engine.open_orders() == []


async def test_stale_quote_is_refused(make_engine: MakeEngine) -> None:
    engine, feed = await make_engine()
    feed.advance(4)
    text = await refused(engine, buy())
    assert text.startswith("quote_fresh|quote is 4")
    assert "max 3000 ms" in text


async def test_position_and_gross_limits(make_engine: MakeEngine) -> None:
    engine, feed = await make_engine(
        ["sim-a"],
        risk={"limits": {"max_position_notional": 60_000, "max_gross_exposure": 120_000}},
        # ~50k of BTC and ~64.8k of ETH: ~114.8k of exposure once the book is valued
        paper={"starting_balances": {"USDT": 100_000, "BTC": 1, "ETH": "21.6"}},
    )
    # 1 BTC already held at ~50k: 0.3 more would make a 65k position
    assert (await refused(engine, buy(qty="0.3"))).startswith("max_position_notional|")
    feed.advance(1.1)  # a revaluation is due (every second of market time)
    feed.push("sim-a", "BTC/USDT", 50_000.0, 50_001.0)
    feed.push("sim-a", "ETH/USDT", 3_000.0, 3_000.5)

    def gross_refused() -> bool:
        return not {r.rule: r for r in engine.preview_order(buy(qty="0.2"))}[
            "max_gross_exposure"
        ].passed

    await eventually(gross_refused, what="the holdings to be valued")
    assert (await refused(engine, buy(qty="0.2"))).startswith("max_gross_exposure|")


async def test_open_order_limits_global_and_per_instrument(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine(
        risk={"limits": {"max_open_orders": 3, "max_open_orders_per_instrument": 2}}
    )
    await engine.submit_order(buy(price="49900"))
    await engine.submit_order(buy(price="49800"))
    assert "2 orders open on BTC/USDT (limit 2)" in await refused(engine, buy(price="49700"))
    await engine.submit_order(buy(symbol="ETH/USDT", qty="0.01", price="2990"))
    assert "3 orders open (limit 3)" in await refused(engine, buy(symbol="ETH/USDT", price="2980"))


async def test_duplicate_and_rate_limits(make_engine: MakeEngine) -> None:
    engine, feed = await make_engine(
        risk={"limits": {"order_rate_per_s": 1, "order_burst": 2, "duplicate_window_ms": 500}}
    )
    await engine.submit_order(buy(price="49900"))
    assert (await refused(engine, buy(price="49900"))).startswith("duplicate_order|")
    await engine.submit_order(buy(price="49800"))
    assert (await refused(engine, buy(price="49700"))).startswith("order_rate|over 1 orders/s")
    feed.advance(1.1)
    feed.push("sim-a", "BTC/USDT", 50_000.0, 50_001.0)
    await engine.submit_order(buy(price="49700"))


async def test_per_bot_limits_override_the_global_ones(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine(risk={"per_bot": {"grid1": {"max_order_notional": 100}}})
    text = await refused(engine, buy(origin="bot:grid1"))
    assert text.startswith("max_order_notional|") and "limit 100" in text
    await engine.submit_order(buy(origin="bot:other"))


async def test_halted_allows_only_reduce_only_and_reducing_only_reductions(
    make_engine: MakeEngine,
) -> None:
    engine, feed = await make_engine()
    perp = {"symbol": "BTC/USDT:USDT", "price": None, "type": OrderType.MARKET}
    long = await engine.submit_order(buy(qty="0.1", time_in_force=TimeInForce.IOC, **perp))
    assert long.status is OrderStatus.FILLED
    await engine.set_trading_state(TradingState.REDUCING, "test")
    assert (await refused(engine, buy(qty="0.1", **perp))).startswith("trading_state|")
    smaller = await engine.submit_order(buy(qty="0.05", side=Side.SELL, **perp))
    assert smaller.status is OrderStatus.FILLED
    await engine.set_trading_state(TradingState.HALTED, "test")
    assert "HALTED" in await refused(engine, buy(qty="0.01", side=Side.SELL, **perp))
    feed.advance(1)  # past the duplicate-order window
    feed.push("sim-a", "BTC/USDT:USDT", 50_010.0, 50_010.5)
    closing = await engine.submit_order(buy(qty="0.05", side=Side.SELL, reduce_only=True, **perp))
    assert closing.status is OrderStatus.FILLED


async def test_state_is_persisted_before_it_is_announced(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    database = create_store_engine(sqlite_url(data_dir() / "arbdesk.sqlite"))
    seen: list[tuple[TradingState, str]] = []

    def on_change(event: TradingStateChanged) -> None:
        with database.connect() as conn:  # committed by the store: another connection sees it
            seen.append((event.state, repo.get_setting(conn, STATE_KEY)["state"]))

    engine.subscribe(TradingStateChanged, on_change)
    try:
        await engine.set_trading_state(TradingState.REDUCING, "because")
        assert seen == [(TradingState.REDUCING, "REDUCING")]
        assert engine.trading_state is TradingState.REDUCING and engine.trading_reason == "because"
        with pytest.raises(ValueError, match="never persisted"):
            await engine.set_trading_state(TradingState.RECONCILING, "no")
        await engine.set_trading_state(TradingState.HALTED, "stop")
        with pytest.raises(ValueError, match="reset_halt"):
            await engine.set_trading_state(TradingState.ACTIVE, "no")
    finally:
        database.dispose()


async def test_preview_counts_nothing(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    results = {r.rule: r for r in engine.preview_order(buy(price="60000"))}
    assert not results["price_band"].passed and "bps from mid" in results["price_band"].message
    assert results["trading_state"].passed
    assert engine.risk_stats() == {}


# -- per bot: its own rate, its own orders, its own duplicates ----------------------------------


async def test_two_bots_with_different_rates_do_not_throttle_each_other(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine(
        risk={"per_bot": {"slow": {"order_rate_per_s": 1, "order_burst": 1}}}
    )
    await engine.submit_order(buy(price="49900", origin="bot:slow"))
    text = await refused(engine, buy(price="49800", origin="bot:slow"))
    assert text == "order_rate|over 1 orders/s on sim-a for bot:slow"
    for n in range(5):  # the market clock stands still: no token comes back meanwhile
        await engine.submit_order(buy(price=str(49_800 - 10 * n), origin="bot:fast"))
    await engine.submit_order(buy(price="49700"))
    await engine.submit_order(buy(venue="sim-b", price="49900", origin="bot:slow"))


async def test_the_account_rate_still_bounds_every_bot_and_takes_both_tokens_or_neither(
    make_engine: MakeEngine,
) -> None:
    engine, feed = await make_engine(
        risk={
            "limits": {"order_rate_per_s": 1, "order_burst": 1},
            # two tokens at once, then hardly any: a token lost to a refusal would show
            "per_bot": {"fast": {"order_rate_per_s": 0.001, "order_burst": 2}},
        }
    )
    await engine.submit_order(buy(price="49900", origin="bot:fast"))
    for origin in ("bot:fast", "bot:other", "manual"):
        text = await refused(engine, buy(price="49800", origin=origin))
        assert text == "order_rate|over 1 orders/s on sim-a"
    feed.advance(1.1)  # the venue's bucket has one token again
    feed.push("sim-a", "BTC/USDT", 50_000.0, 50_001.0)
    await engine.submit_order(buy(price="49800", origin="bot:fast"))  # the bot's second token
    feed.advance(1.1)
    feed.push("sim-a", "BTC/USDT", 50_000.0, 50_001.0)
    text = await refused(engine, buy(price="49700", origin="bot:fast"))
    assert text == "order_rate|over 0.001 orders/s on sim-a for bot:fast"
    await engine.submit_order(buy(price="49700", origin="bot:other"))


async def test_a_bots_open_order_limits_count_its_own_orders(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine(
        risk={
            "limits": {"max_open_orders": 5, "max_open_orders_per_instrument": 3},
            "per_bot": {"grid": {"max_open_orders": 2, "max_open_orders_per_instrument": 1}},
        }
    )
    await engine.submit_order(buy(price="49900"))
    await engine.submit_order(buy(price="49800"))
    # two orders open in the account, none of the bot's: its limit of 2 is not reached
    first = await engine.submit_order(buy(price="49700", origin="bot:grid"))
    text = await refused(engine, buy(price="49600", origin="bot:grid"))
    assert text == "max_open_orders|1 orders of bot:grid open on BTC/USDT (limit 1)"
    await engine.submit_order(buy(symbol="ETH/USDT", price="2990", origin="bot:grid"))
    text = await refused(engine, buy(venue="sim-b", price="49900", origin="bot:grid"))
    assert text == "max_open_orders|2 orders of bot:grid open (limit 2)"
    # the global limits still hold for the account: 3 on BTC/USDT, 4 of 5 in all
    text = await refused(engine, buy(price="49500", origin="bot:other"))
    assert text == "max_open_orders|3 orders open on BTC/USDT (limit 3)"
    await engine.submit_order(buy(venue="sim-b", price="49900", origin="bot:other"))
    text = await refused(engine, buy(venue="sim-b", price="49800", origin="bot:other"))
    assert text == "max_open_orders|5 orders open (limit 5)"
    # a closed order no longer counts for its bot
    await engine.cancel_order(first.client_order_id)
    await engine.cancel_order(engine.open_orders("sim-b")[0].client_order_id)
    await engine.submit_order(buy(price="49600", origin="bot:grid"))


async def test_the_same_order_from_two_origins_is_not_a_duplicate(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine()
    await engine.submit_order(buy(origin="bot:a"))
    await engine.submit_order(buy(origin="bot:b"))
    await engine.submit_order(buy())
    assert (await refused(engine, buy(origin="bot:a"))).startswith("duplicate_order|same order 0")
    assert (await refused(engine, buy())).startswith("duplicate_order|")


async def test_two_steps_of_a_bot_are_not_duplicates_but_a_repeat_within_a_step_is(
    make_engine: MakeEngine,
) -> None:
    """A bot's add at the same price as its opening is a new step (a new trace id)."""
    engine, _ = await make_engine()
    await engine.submit_order(buy(origin="bot:a", trace_id="a:1:1"))
    await engine.submit_order(buy(origin="bot:a", trace_id="a:1:2"))
    text = await refused(engine, buy(origin="bot:a", trace_id="a:1:2"))
    assert text.startswith("duplicate_order|same order 0")


async def test_a_bots_notional_limits_count_its_own_open_orders(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine(
        risk={"per_bot": {"grid": {"max_position_notional": 1000, "max_gross_exposure": 1200}}}
    )
    # the account holds 1 BTC (~50,000): the bot's position limit is on its own orders
    await engine.submit_order(buy(price="49900", origin="bot:grid"))  # 499
    await engine.submit_order(buy(price="49800", origin="bot:grid"))  # 0.02 BTC: 996
    text = await refused(engine, buy(price="49700", origin="bot:grid"))
    assert text == (
        "max_position_notional|bot:grid's open orders on BTC/USDT would make 1,491.00 notional"
        " (limit 1,000)"
    )
    text = await refused(engine, buy(symbol="ETH/USDT", qty="0.1", price="2990", origin="bot:grid"))
    assert (
        text == "max_gross_exposure|bot:grid's open orders would be 1,296.00 notional (limit 1,200)"
    )
    await engine.submit_order(buy(price="49700", origin="bot:other"))  # not the bot's limit
    # a sell of what the account holds reduces exposure: not capped
    await engine.submit_order(buy(side=Side.SELL, price="50100", origin="bot:grid"))


async def test_a_bots_looser_limit_does_not_lift_the_global_one(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine(
        risk={
            "limits": {"max_position_notional": 60_000},
            "per_bot": {"big": {"max_position_notional": 1_000_000}},
        }
    )
    # 1 BTC held at ~50k: 0.3 more would make a 65k position in the account
    text = await refused(engine, buy(qty="0.3", origin="bot:big"))
    assert text.startswith("max_position_notional|position would be 64,870.00 notional")
    await engine.submit_order(buy(qty="0.1", origin="bot:big"))
