"""The offline kill switch writes HALTED before anything else, then cancels venue by venue: a
venue that cannot be reached fails alone, named in the report with its error."""

from __future__ import annotations

from pathlib import Path

from control_seed import VENUES, seed, write_settings

from app.control.offline import panic_offline
from app.core.trading_state import TradingState
from app.engine.engine import Engine
from app.engine.status import stored_status
from app.engine.wiring import Market, build_market
from app.runtime import paths
from app.runtime.settings import Settings
from app.runtime.settings_loader import load_settings
from tests.support.faulty_venue import FaultyVenue

DOWN = "sim-b"


class Unreachable(FaultyVenue):
    """A venue whose connection always fails (DNS, firewall, the exchange down)."""

    async def connect(self) -> None:
        raise ConnectionError(f"{self.name}: connection refused (injected)")


def market_with_unreachable(settings: Settings, name: str = DOWN) -> Market:
    market = build_market(settings, paths.data_dir())
    market.venues[name] = Unreachable(market.venues[name])
    return market


async def test_offline_panic_halts_first_and_cancels_the_venues_it_can_reach(
    arbdesk_home: Path,
) -> None:
    write_settings(arbdesk_home)
    await seed(per_venue=2)
    settings = load_settings()
    before = await stored_status(settings)
    on_down = sorted(o["client_order_id"] for o in before["open_orders"][DOWN])
    assert len(on_down) == 2

    market = market_with_unreachable(settings)
    done = await panic_offline(settings, make_engine=lambda s: Engine(s, market=market))

    assert done.trading_state == "HALTED"
    assert not done.report.clean
    results = {v.venue: v for v in done.report.venues}
    assert set(results) == set(VENUES)
    for name in set(VENUES) - {DOWN}:
        assert results[name].clean and results[name].canceled == 2, results[name]
        assert results[name].errors == ()
    down = results[DOWN]
    assert down.canceled == 0 and sorted(down.remaining_orders) == on_down
    assert down.errors == ("could not connect: sim-b: connection refused (injected)",)
    assert "sim-b: 0 canceled, NOT CLEAN" in done.report.summary()

    after = await stored_status(settings)  # read back from the store alone
    assert after["trading_state"] == "HALTED"
    assert sorted(o["client_order_id"] for o in after["open_orders"][DOWN]) == on_down
    assert all(not after["open_orders"].get(name) for name in set(VENUES) - {DOWN})

    # a fresh engine, all venues reachable again: halted, and sim-b's orders still rest there
    engine = Engine(settings)
    await engine.start()
    try:
        assert engine.trading_state is TradingState.HALTED
        assert sorted(o.client_order_id for o in engine.open_orders()) == on_down
    finally:
        await engine.stop()


async def test_offline_panic_halts_even_when_no_venue_can_be_reached(arbdesk_home: Path) -> None:
    write_settings(arbdesk_home)
    await seed(per_venue=1)
    settings = load_settings()
    market = build_market(settings, paths.data_dir())
    for name in VENUES:
        market.venues[name] = Unreachable(market.venues[name])

    done = await panic_offline(settings, make_engine=lambda s: Engine(s, market=market))

    assert done.trading_state == "HALTED"
    assert all(v.errors[0].startswith("could not connect") for v in done.report.venues)
    assert (await stored_status(settings))["trading_state"] == "HALTED"


async def test_offline_flatten_with_a_venue_down_cancels_and_says_nothing_was_flattened(
    arbdesk_home: Path,
) -> None:
    write_settings(arbdesk_home)
    await seed(per_venue=1, position=True)
    settings = load_settings()
    market = market_with_unreachable(settings)

    done = await panic_offline(
        settings, flatten=True, make_engine=lambda s: Engine(s, market=market)
    )

    assert done.trading_state == "HALTED" and done.report.flatten
    results = {v.venue: v for v in done.report.venues}
    assert results["sim-a"].canceled == 1 and results["sim-c"].canceled == 1
    assert not results[DOWN].clean
    assert done.notes == (
        "nothing was flattened: sim-b could not be reached; "
        "run `arbdesk panic --flatten` again once it can",
    )
    status = await stored_status(settings)
    assert status["trading_state"] == "HALTED" and status["positions"]  # still open, as said
