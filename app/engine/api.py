"""The engine's public API: the ``Engine`` façade and the read-only values its calls return.

The window (``app.ui``) and the control channel (``app.control``) import the engine only from
here (import-linter ``forbidden`` contracts in ``pyproject.toml``), never an engine service,
``app.store``, ``app.credentials`` or ``app.venues``. Everything listed is a call of the façade or a
frozen value, an enum, an error or a pure helper; the types are defined where they belong and only
re-exported, so ``isinstance`` and ``except`` match the engine's own. A new need of the window is a
new call on ``Engine`` (returning a copy or a frozen value) listed here, not a reach past it.

Events reach the window only through ``Engine.subscribe`` (the UI bridge is its one subscriber);
the event types themselves are domain types in ``app.core.events``.
"""

from __future__ import annotations

from app.core.panic import PanicReport
from app.core.trading_state import TradingState
from app.engine.account_model import (
    MARKET_TYPES,
    PAPER,
    AccountInvalid,
    AccountMode,
    AccountSpec,
    AccountView,
    KeysState,
    NoKeys,
    NoSuchAccount,
    VenueInfo,
    is_known_venue,
    key_problems,
    known_venues,
    parse_instruments,
    spec_problems,
    venue_info,
)
from app.engine.accounts import (
    MIN_PASSPHRASE_LENGTH,
    AccountExists,
    AccountService,
    CredentialsError,
    CredentialsReload,
    KeyCheckReport,
    SaveOutcome,
    VaultError,
    WeakPassphrase,
    WrongPassphrase,
    check_new_passphrase,
)
from app.engine.alerting import ChannelStatus, DeliveryResult
from app.engine.bots.manager import BotError
from app.engine.bots.model import BotPnl, BotStatus, BotUpdated, BotView, CycleRecord
from app.engine.bots.params import BotParams
from app.engine.engine import Engine, EngineSnapshot, OrderStats
from app.engine.health import LoopLag, VenueHealth
from app.engine.marketdata import MarketDataStats
from app.engine.opportunities import OpportunityStats
from app.engine.orders.oms import JournalWriteFailed, OrderRefused
from app.engine.orders.reconcile import ReconciliationReport
from app.engine.orders.risk import CheckResult
from app.engine.portfolio import Exposure, PositionView, Valuation
from app.engine.status import status_of
from app.engine.supervisor import TaskHealth
from app.runtime.risk_settings import RiskLimits
from app.store.records import EquitySnapshot, IntentRow, SpreadSample, TemplateRow

__all__ = [
    "MARKET_TYPES",
    "MIN_PASSPHRASE_LENGTH",
    "PAPER",
    "AccountExists",
    "AccountInvalid",
    "AccountMode",
    "AccountService",
    "AccountSpec",
    "AccountView",
    "BotError",
    "BotParams",
    "BotPnl",
    "BotStatus",
    "BotUpdated",
    "BotView",
    "ChannelStatus",
    "CheckResult",
    "CredentialsError",
    "CredentialsReload",
    "CycleRecord",
    "DeliveryResult",
    "Engine",
    "EngineSnapshot",
    "EquitySnapshot",
    "Exposure",
    "IntentRow",
    "JournalWriteFailed",
    "KeyCheckReport",
    "KeysState",
    "LoopLag",
    "MarketDataStats",
    "NoKeys",
    "NoSuchAccount",
    "OpportunityStats",
    "OrderRefused",
    "OrderStats",
    "PanicReport",
    "PositionView",
    "ReconciliationReport",
    "RiskLimits",
    "SaveOutcome",
    "SpreadSample",
    "TaskHealth",
    "TemplateRow",
    "TradingState",
    "Valuation",
    "VaultError",
    "VenueHealth",
    "VenueInfo",
    "WeakPassphrase",
    "WrongPassphrase",
    "check_new_passphrase",
    "is_known_venue",
    "key_problems",
    "known_venues",
    "parse_instruments",
    "spec_problems",
    "status_of",
    "venue_info",
]
