"""What ArbDesk knows of an exchange before it has keys: does it exist, which credentials it
needs, and whether it has a sandbox (testnet, demo) — all from ccxt's own metadata.

``paper`` is ArbDesk's own simulated exchange: no keys, no sandbox.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

PAPER = "paper"
MARKET_TYPES = ("spot", "swap")


@dataclass(frozen=True, slots=True)
class VenueInfo:
    venue: str
    name: str
    needs_keys: bool
    needs_password: bool
    needs_uid: bool
    has_sandbox: bool


def _ccxt() -> Any:
    """ccxt, imported on first use: it loads every exchange class (about 0.3 s), which a paper
    profile and most commands never need."""
    import ccxt

    return ccxt


def known_venues() -> tuple[str, ...]:
    """``paper`` and every exchange id ccxt knows, sorted."""
    return (PAPER, *sorted(str(e) for e in _ccxt().exchanges))


def is_known_venue(venue: str) -> bool:
    return venue == PAPER or venue in _ccxt().exchanges


@functools.cache
def venue_info(venue: str) -> VenueInfo:
    """``ValueError`` for an exchange ccxt does not know."""
    if venue == PAPER:
        return VenueInfo(PAPER, "Paper (simulated)", False, False, False, False)
    ccxt = _ccxt()
    if venue not in ccxt.exchanges:
        raise ValueError(f"unknown exchange {venue!r}: use a ccxt exchange id, or {PAPER!r}")
    exchange = getattr(ccxt, venue)()
    required = exchange.requiredCredentials
    return VenueInfo(
        venue=venue,
        name=str(exchange.name or venue),
        needs_keys=True,
        needs_password=bool(required.get("password")),
        needs_uid=bool(required.get("uid")),
        has_sandbox=bool(exchange.urls.get("test")),
    )
