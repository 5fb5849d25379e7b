"""The bot values the engine hands out: status, a step to execute, the view of one bot, its event.

A ``BotView`` is what the window, ``arbdesk replay`` and ``status`` read: copied, frozen, with
money as Decimal. ``BotUpdated`` is published after every change of a bot (status, step, fill).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.core.money import ZERO
from app.engine.execution import LegOrder


class BotStatus(StrEnum):
    STOPPED = "stopped"
    RUNNING = "running"
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class Step:
    """What a bot wants done now: the legs of one action, and why.

    ``detail`` (plain JSON values) is stored with the intent and handed back with the result,
    so a bot learns what it decided even when the result arrives after a restart.
    """

    action: str
    legs: tuple[LegOrder, ...]
    note: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BotPnl:
    """A bot's money, valued in the valuation currency. ``realized + unrealized + funding - fees``
    is the bot's whole PnL (the identity holds exactly: unrealized is what remains)."""

    realized: Decimal = ZERO
    unrealized: Decimal = ZERO
    funding: Decimal = ZERO
    fees: Decimal = ZERO
    volume_quote: Decimal = ZERO
    max_drawdown: Decimal = ZERO
    peak_exposure: Decimal = ZERO
    trades: int = 0
    complete: bool = True  # False while some asset cannot be valued

    @property
    def total(self) -> Decimal:
        return self.realized + self.unrealized + self.funding - self.fees


@dataclass(frozen=True, slots=True)
class CycleRecord:
    """One finished cycle: how it opened, how it ended and what it made."""

    cycle: int
    opened_ns: int
    closed_ns: int
    adds: int
    entry: str  # the bot's own entry measure (average entry spread in bps, basis...)
    exit_reason: str
    pnl: Decimal


@dataclass(frozen=True, slots=True)
class BotView:
    id: str
    kind: str
    status: BotStatus
    phase: str
    cycle: int
    position: str
    pnl: BotPnl
    orders: int
    last_event: str
    params: Mapping[str, Any]
    leg_risk_events: int = 0
    cycles: tuple[CycleRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class BotUpdated:
    """A bot changed (status, step, fill): the window refreshes its row."""

    bot_id: str
    status: BotStatus
    ts_ns: int
