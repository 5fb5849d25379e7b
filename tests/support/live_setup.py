"""Settings and an account for an engine on a live market against the loopback fake Binance
(the integration and window tests share them)."""

from __future__ import annotations

from typing import Any

from app.core.secrets import KeyMaterial, Secret
from app.credentials import credential_store_from_env
from app.engine.account_model import AccountSpec
from app.engine.accounts import AccountService
from app.runtime import paths
from app.store.engine import sqlite_url
from app.store.records import AccountMode
from app.store.store import Store
from tests.support.engines import make_settings
from tests.support.fake_binance import FakeBinance

LABEL = "bn-main"
BALANCES = {"USDT": "20000", "BTC": "0.5", "ETH": "2"}


def live_settings(
    fake: FakeBinance, *, mode: str = "live", health: dict[str, Any] | None = None, **live: Any
) -> Any:
    section: dict[str, Any] = {
        "venues": ["binance"],
        "accounts": [LABEL] if mode == "live" else [],
        "symbols": ["BTC/USDT", "ETH/USDT"],
        "urls": {
            LABEL: {"rest": fake.rest_url, "ws": fake.ws_url},
            "binance": {"rest": fake.rest_url, "ws": fake.ws_url},
        },
        "request_timeout_ms": 1000,
        "stale_after_ms": 500,
        "poll_interval_ms": 50,
        **live,
    }
    return make_settings(
        mode=mode,
        market={"source": "live"},
        live=section,
        oms={"venue_timeout_s": 3.0},
        health=health or {},
    )


async def add_account(fake: FakeBinance, secret: str | None = None) -> None:
    store = Store(sqlite_url(paths.data_dir() / "arbdesk.sqlite"))
    await store.open()
    try:
        accounts = AccountService(store, credential_store_from_env(paths.data_dir()))
        keys = KeyMaterial(Secret(fake.api_key), Secret(secret or fake.secret))
        await accounts.add(AccountSpec("binance", LABEL, AccountMode.LIVE), keys, check=False)
    finally:
        await store.close()
