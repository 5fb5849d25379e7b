"""The live market (``market.source = "live"``): exchanges through ccxt, their instruments
loaded before the engine is built (scanners, risk and the OMS are built over them).

- ``mode = "paper"``: public quotes of ``live.venues`` (no keys), traded by paper venues with
  the paper matching engine. The venue is named after the exchange (``binance``).
- ``mode = "live"``: the accounts of ``live.accounts`` with their keys, each a ``CcxtVenue``
  named after the account's label, quotes and orders over one ccxt client per account.

Whatever fails here (an unknown account, missing keys, an exchange that does not answer, a
symbol it does not list) raises ``LiveSetupError`` with a message a trader can act on, after
closing every client already opened.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.instruments import Instrument
from app.core.secrets import KeyMaterial, scrub
from app.credentials import CredentialsError, credential_store_from_env
from app.engine.account_model import NoSuchAccount
from app.engine.accounts import AccountService
from app.engine.live_errors import LiveSetupError
from app.engine.wiring import Market, paper_market
from app.runtime.settings import LiveUrls, Settings
from app.store.engine import sqlite_url
from app.store.records import AccountMode
from app.store.store import Store
from app.venues.base import Venue
from app.venues.ccxt_exchange import ExchangeConfig, NoSandbox, close_exchange, make_exchange
from app.venues.ccxt_feed import CcxtFeed, FeedSource, best_method
from app.venues.ccxt_instruments import instruments_from_markets
from app.venues.ccxt_venue import CcxtVenue

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Plan:
    venue: str  # the venue's name in ArbDesk: the account label, or the exchange id
    config: ExchangeConfig
    keys: KeyMaterial | None
    symbols: tuple[str, ...]


async def live_market(settings: Settings, data_dir: Path) -> Market:
    """Load every exchange's markets (concurrently, bounded) and build feed and venues."""
    plans = await _plans(settings, data_dir)
    exchanges, loaded = await _open(plans, settings)
    live = settings.live
    trading = settings.mode == "live"
    sources = [
        FeedSource(
            plan.venue,
            exchanges[plan.venue],
            instruments,
            method=best_method(exchanges[plan.venue]),
            owns_exchange=not trading,
        )
        for plan, instruments in zip(plans, loaded, strict=True)
    ]
    feed = CcxtFeed(
        sources,
        stale_after_s=live.stale_after_ms / 1000,
        poll_interval_s=live.poll_interval_ms / 1000,
    )
    if not trading:
        state_file = Path(settings.paper.state_file)
        if not state_file.is_absolute():
            state_file = data_dir / state_file
        return paper_market(feed, settings, state_file)
    venues: dict[str, Venue] = {
        plan.venue: CcxtVenue(
            plan.venue,
            exchanges[plan.venue],
            instruments,
            clock=feed.clock,
            secrets=tuple(plan.keys.secrets()) if plan.keys is not None else (),
            call_timeout_s=min(
                settings.oms.venue_timeout_s * 0.95, live.request_timeout_ms / 1000 + 1.0
            ),
        )
        for plan, instruments in zip(plans, loaded, strict=True)
    }
    return Market(feed=feed, venues=venues, paper_store=None)


async def public_sources(settings: Settings) -> list[FeedSource]:
    """The public quote streams of ``live.venues`` alone, whatever the mode: no keys, no
    venues (``arbdesk record``). Each source owns its exchange: closing the feed closes it."""
    plans = _public_plans(settings)
    exchanges, loaded = await _open(plans, settings)
    return [
        FeedSource(
            plan.venue, exchanges[plan.venue], instruments, best_method(exchanges[plan.venue])
        )
        for plan, instruments in zip(plans, loaded, strict=True)
    ]


async def _open(
    plans: list[_Plan], settings: Settings
) -> tuple[dict[str, Any], list[list[Instrument]]]:
    """An exchange per plan, its instruments loaded; all closed again if any fails."""
    exchanges: dict[str, Any] = {}
    try:
        for plan in plans:
            try:
                exchanges[plan.venue] = make_exchange(plan.config, plan.keys)
            except NoSandbox as exc:
                raise LiveSetupError(f"{plan.venue}: {exc}") from None
            except ValueError as exc:
                raise LiveSetupError(f"{plan.venue}: {exc}") from None
        loaded = await asyncio.gather(
            *(_load(plan, exchanges[plan.venue], settings) for plan in plans)
        )
    except BaseException:
        await asyncio.gather(*(close_exchange(ex) for ex in exchanges.values()))
        raise
    return exchanges, list(loaded)


def _public_plans(settings: Settings) -> list[_Plan]:
    live = settings.live
    timeout_s = live.request_timeout_ms / 1000
    return [
        _Plan(
            venue,
            _config(venue, live.market_type, False, live.urls.get(venue), timeout_s),
            None,
            tuple(live.symbols),
        )
        for venue in live.venues
    ]


async def _plans(settings: Settings, data_dir: Path) -> list[_Plan]:
    live = settings.live
    timeout_s = live.request_timeout_ms / 1000
    if settings.mode != "live":
        return _public_plans(settings)
    store = Store(settings.store.url or sqlite_url(data_dir / "arbdesk.sqlite"))
    await store.open()
    try:
        accounts = AccountService(store, credential_store_from_env(data_dir))
        plans = []
        for label in live.accounts:
            plans.append(await _account_plan(accounts, label, settings, timeout_s))
        return plans
    finally:
        await store.close()


async def _account_plan(
    accounts: AccountService, label: str, settings: Settings, timeout_s: float
) -> _Plan:
    try:
        view = await accounts.get(label)
    except NoSuchAccount:
        raise LiveSetupError(
            f"no account {label!r}: add it with 'arbdesk keys add {label} --venue EXCHANGE' "
            "or remove it from live.accounts"
        ) from None
    if view.mode is not AccountMode.LIVE:
        raise LiveSetupError(f"account {label!r} is a paper account: it cannot trade live")
    try:
        keys = await accounts.keys_for(label)
    except CredentialsError as exc:
        raise LiveSetupError(f"the keys of account {label!r} cannot be read: {exc}") from None
    if keys is None:
        raise LiveSetupError(
            f"account {label!r} has no keys: enter them with 'arbdesk keys add' again"
        )
    symbols = tuple(view.default_instruments) or tuple(settings.live.symbols)
    urls = settings.live.urls.get(label) or settings.live.urls.get(view.venue)
    config = _config(view.venue, view.market_type, view.sandbox, urls, timeout_s)
    return _Plan(label, config, keys, symbols)


def _config(
    exchange_id: str, market_type: str, sandbox: bool, urls: LiveUrls | None, timeout_s: float
) -> ExchangeConfig:
    return ExchangeConfig(
        exchange_id=exchange_id,
        market_type=market_type,
        sandbox=sandbox,
        rest_url=urls.rest if urls else "",
        ws_url=urls.ws if urls else "",
        timeout_s=timeout_s,
    )


async def _load(plan: _Plan, exchange: Any, settings: Settings) -> list[Instrument]:
    """The instruments of ``plan.symbols`` on that exchange (an unlisted symbol is an error:
    a typo must not silently leave a leg without quotes)."""
    from ccxt.base.errors import BaseError

    try:
        await asyncio.wait_for(exchange.load_markets(), settings.live.load_timeout_s)
    except TimeoutError:
        raise LiveSetupError(
            f"{plan.venue}: {exchange.id} did not list its markets within "
            f"{settings.live.load_timeout_s:g} s; check the network, a proxy, or live.urls"
        ) from None
    except BaseError as exc:
        text = scrub(str(exc), plan.keys.secrets() if plan.keys is not None else ())
        raise LiveSetupError(
            f"{plan.venue}: {exchange.id} markets not loaded: {type(exc).__name__}: {text[:300]}"
        ) from None
    venue_symbols = _symbols_for(plan, exchange.markets)
    if not venue_symbols:
        raise LiveSetupError(
            f"{plan.venue}: none of {', '.join(plan.symbols)} is a {plan.config.market_type} "
            "market; a venue trades one market type (spot, or swap as BTC/USDT:USDT)"
        )
    every = instruments_from_markets(plan.venue, exchange.markets, exchange.precisionMode)
    by_symbol = {inst.symbol: inst for inst in every}
    missing = [s for s in venue_symbols if s not in by_symbol]
    if missing:
        raise LiveSetupError(
            f"{plan.venue}: {exchange.id} has no active market {', '.join(missing)} of type "
            f"{plan.config.market_type}; change live.symbols (or the account's instruments)"
        )
    return [by_symbol[s] for s in venue_symbols]


def _symbols_for(plan: _Plan, markets: dict[str, Any]) -> list[str]:
    """The plan's symbols of the account's market type: ``BTC/USDT`` on a swap account means
    its perpetual ``BTC/USDT:USDT`` where the exchange lists one."""
    if plan.config.market_type != "swap":
        return [s for s in plan.symbols if ":" not in s]
    out = []
    for symbol in plan.symbols:
        if ":" in symbol:
            out.append(symbol)
        else:
            quote = symbol.split("/")[1]
            out.append(f"{symbol}:{quote}" if f"{symbol}:{quote}" in markets else symbol)
    return out
