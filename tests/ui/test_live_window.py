"""The window on a live account (the loopback fake Binance): it says LIVE, the venue's light
follows its quote stream (red with the reason while it is lost, green again once back)."""

from __future__ import annotations

from typing import Any

from app.core.events import VenueState
from app.engine.engine import Engine
from app.ui.app import Desk
from tests.support.fake_binance import FakeBinance
from tests.support.live_setup import BALANCES, LABEL, add_account, live_settings
from tests.support.memory_keyring import MemoryKeyring, installed
from tests.ui.conftest import until


async def test_the_window_says_live_and_its_light_follows_the_stream() -> None:
    with installed(MemoryKeyring()):
        async with FakeBinance(balances=BALANCES) as fake:
            await add_account(fake)
            settings: Any = live_settings(fake, health={"venue_stale_ms": 60_000})
            desk = Desk(await Engine.create(settings))
            try:
                await desk.start()
                toolbar = desk.window.toolbar
                assert toolbar.mode.text() == "LIVE"
                light = toolbar.lights[LABEL]
                await fake.wait_public_subscribed("BTC/USDT")
                fake.push_book("BTC/USDT", "50000", "1", "50001", "1")
                await until(lambda: light.state is VenueState.CONNECTED, 10, "green")
                await fake.drop_public()
                await until(lambda: light.state is VenueState.DOWN, 10, "red")
                assert "stream lost" in light.toolTip()
                await fake.until(lambda: fake.public_subscriptions > 1)
                fake.push_book("BTC/USDT", "50010", "1", "50011", "1")
                await until(lambda: light.state is VenueState.CONNECTED, 10, "green again")
            finally:
                await desk.shutdown()
