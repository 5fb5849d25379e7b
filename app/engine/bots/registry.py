"""The bot kinds by name: what a TOML ``kind``, the store's ``bots.kind`` and the window list."""

from __future__ import annotations

from typing import Any

from app.engine.bots.base import Bot
from app.engine.bots.cash_carry import CashCarryBot
from app.engine.bots.cross_arb import CrossArbBot
from app.engine.bots.spread_dca import SpreadDcaBot

KINDS: dict[str, type[Bot[Any]]] = {
    cls.kind: cls for cls in (SpreadDcaBot, CrossArbBot, CashCarryBot)
}


def bot_class(kind: str) -> type[Bot[Any]]:
    """The class of ``kind``; a ValueError naming the allowed kinds otherwise."""
    try:
        return KINDS[kind]
    except KeyError:
        allowed = ", ".join(sorted(KINDS))
        raise ValueError(f"unknown bot kind {kind!r}; allowed: {allowed}") from None
