"""Stored things that have no type in ``app.core``: accounts, audit entries, time series, bots.

Orders, fills, positions and balances are stored as the core dataclasses themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class AccountMode(StrEnum):
    LIVE = "live"
    PAPER = "paper"


class AccountExists(ValueError):
    """Another account already has this label (labels are unique)."""

    def __init__(self, label: str) -> None:
        super().__init__(f"an account labelled {label!r} already exists")
        self.label = label


class AccountNotFound(LookupError):
    def __init__(self, account_id: int) -> None:
        super().__init__(f"no account with id {account_id}")
        self.account_id = account_id


@dataclass(frozen=True, slots=True)
class Account:
    """An exchange account as the app knows it. Never a secret: keys live in the keychain."""

    venue: str
    label: str
    mode: AccountMode = AccountMode.PAPER
    sandbox: bool = False
    market_type: str = "spot"
    default_instruments: tuple[str, ...] = ()
    id: int | None = None
    created_ns: int = 0


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what, when, within which trace (a trace id follows one trade end to end)."""

    ts_ns: int
    actor: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)
    trace_id: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class EquitySnapshot:
    ts_ns: int
    currency: str
    equity: Decimal
    pnl: Decimal
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SpreadSample:
    """Top of book at one moment; float like all market data."""

    ts_ns: int
    venue: str
    symbol: str
    bid: float
    ask: float
    bid_qty: float
    ask_qty: float
    id: int | None = None


@dataclass(frozen=True, slots=True)
class BotRow:
    """A bot as stored. ``params`` and ``state`` are plain JSON: money inside them is a decimal
    string (a ``Decimal`` is written as one and read back as the string). ``status`` is
    ``stopped``, ``running`` or ``paused``; ``state_version`` is the caller's, one more per save."""

    id: str
    kind: str
    params: dict[str, Any]
    status: str = "stopped"
    state: dict[str, Any] = field(default_factory=dict)
    state_version: int = 0
    created_ns: int = 0
    updated_ns: int = 0
    last_event: str = ""


@dataclass(frozen=True, slots=True)
class IntentRow:
    """One step of a bot, stored before its orders leave: ``trace_id`` is ``<bot>:<cycle>:<step>``
    (what its orders carry), ``status`` ``pending`` until the step is ``done`` or ``abandoned``.
    ``plan`` and ``result`` are plain JSON, money as decimal strings."""

    trace_id: str
    bot_id: str
    cycle: int
    step: int
    action: str
    plan: dict[str, Any]
    status: str = "pending"
    result: dict[str, Any] | None = None
    created_ns: int = 0
    updated_ns: int = 0


@dataclass(frozen=True, slots=True)
class TemplateRow:
    """A saved parameter set for bots of ``kind`` (plain JSON, money as decimal strings)."""

    name: str
    kind: str
    params: dict[str, Any]
    created_ns: int = 0
