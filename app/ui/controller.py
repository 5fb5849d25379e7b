"""What widgets may ask of the engine, in one place.

Widgets never touch engine internals (DESIGN.md): they get this adapter, which calls the
``Engine`` façade and copies what it reads. Actions that wait on venues run as tasks on the
qasync loop; a task is kept until it ends and its failure is logged, never lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any, TypeVar

from app.core.instruments import Instrument, InstrumentId
from app.core.orders import Fill, Order, OrderRequest
from app.core.panic import PanicReport
from app.core.trading_state import TradingState
from app.engine.api import (
    AccountService,
    BotParams,
    BotView,
    CheckResult,
    Engine,
    EngineSnapshot,
    EquitySnapshot,
    IntentRow,
    ReconciliationReport,
    SpreadSample,
    TemplateRow,
)
from app.runtime.risk_settings import RiskLimits
from app.ui.format import Decimals

log = logging.getLogger(__name__)
T = TypeVar("T")


class Controller:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.instruments: dict[InstrumentId, Instrument] = dict(engine.instruments())
        self.decimals = Decimals(self.instruments)
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- facts ---------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._engine.settings.mode

    @property
    def market(self) -> str:
        return self._engine.settings.market.source

    @property
    def language(self) -> str:
        """The window's language setting (``ui.language``: auto, en or zh_CN)."""
        return self._engine.settings.ui.language

    @property
    def running(self) -> bool:
        return self._engine.running

    @property
    def valuation_currencies(self) -> list[str]:
        return list(self._engine.settings.portfolio.valuation_currencies)

    def venues(self) -> list[str]:
        return sorted({i.venue for i in self.instruments})

    def symbols(self, venue: str | None = None) -> list[str]:
        return sorted({i.symbol for i in self.instruments if venue is None or i.venue == venue})

    def instrument(self, venue: str, symbol: str) -> Instrument | None:
        return self.instruments.get(InstrumentId(venue, symbol))

    def now_ns(self) -> int:
        """Market time: wall time live, the feed's clock in a simulation or a replay."""
        return self._engine.now_ns()

    def snapshot(self) -> EngineSnapshot:
        return self._engine.snapshot()

    @property
    def trading_state(self) -> TradingState:
        return self._engine.trading_state

    @property
    def state_reason(self) -> str:
        return self._engine.trading_reason

    def orders(self) -> list[Order]:
        """Every order the OMS knows now (the bridge follows changes from then on)."""
        return list(self._engine.orders())

    def open_order_count(self) -> int:
        return len(self._engine.open_orders())

    def quote_age_limit_ms(self) -> int:
        return self._engine.settings.market_data.max_quote_age_ms

    # -- risk ----------------------------------------------------------------------------------

    def limits(self) -> RiskLimits:
        return self._engine.risk_limits()

    def update_limits(self, **changes: Any) -> RiskLimits:
        """Validated by the engine; raises ``ValueError`` naming the field when refused."""
        return self._engine.update_risk_limits(**changes)

    def rejections(self) -> dict[str, int]:
        return self._engine.risk_stats()

    def preview(self, request: OrderRequest) -> list[CheckResult]:
        return self._engine.preview_order(request)

    # -- actions (coroutines: run them with ``spawn``) ----------------------------------------

    async def submit(self, request: OrderRequest) -> Order:
        return await self._engine.submit_manual_order(request)

    async def cancel(self, client_order_id: str) -> Order:
        return await self._engine.cancel_order(client_order_id, actor="manual")

    async def panic(self, reason: str = "panic button", flatten: bool = False) -> PanicReport:
        return await self._engine.panic(reason, flatten=flatten, actor="user")

    async def reset_halt(self) -> ReconciliationReport:
        return await self._engine.reset_halt(confirm=True, actor="user")

    async def spread_history(self, venue: str, symbol: str, limit: int) -> list[SpreadSample]:
        return await self._engine.spread_history(venue, symbol, limit=limit)

    async def equity_history(self, currency: str) -> list[EquitySnapshot]:
        return await self._engine.equity_history(currency=currency)

    # -- bots (the engine raises ``BotError`` with a message for the user) -----------------

    def bots(self) -> tuple[BotView, ...]:
        return self._engine.bots()

    def bot(self, bot_id: str) -> BotView:
        return self._engine.bot(bot_id)

    def bot_kinds(self) -> tuple[str, ...]:
        return self._engine.bot_kinds()

    def bot_params_model(self, kind: str) -> type[BotParams]:
        return self._engine.bot_params_model(kind)

    async def create_bot(
        self, kind: str, params: Mapping[str, Any], bot_id: str | None = None
    ) -> BotView:
        return await self._engine.create_bot(kind, params, bot_id)

    async def edit_bot(self, bot_id: str, params: Mapping[str, Any]) -> BotView:
        return await self._engine.edit_bot(bot_id, params)

    async def clone_bot(self, bot_id: str) -> BotView:
        return await self._engine.clone_bot(bot_id)

    async def delete_bot(self, bot_id: str) -> None:
        await self._engine.delete_bot(bot_id)

    async def start_bot(self, bot_id: str) -> BotView:
        return await self._engine.start_bot(bot_id)

    async def pause_bot(self, bot_id: str) -> BotView:
        return await self._engine.pause_bot(bot_id)

    async def resume_bot(self, bot_id: str) -> BotView:
        return await self._engine.resume_bot(bot_id)

    async def stop_bot(self, bot_id: str) -> BotView:
        return await self._engine.stop_bot(bot_id)

    async def bot_history(self, bot_id: str) -> list[IntentRow]:
        return await self._engine.bot_history(bot_id)

    async def bot_orders(self, bot_id: str) -> tuple[Order, ...]:
        return await self._engine.bot_orders(bot_id)

    async def bot_fills(self, bot_id: str) -> list[Fill]:
        return await self._engine.bot_fills(bot_id)

    async def bot_templates(self) -> list[TemplateRow]:
        return await self._engine.bot_templates()

    async def save_bot_template(self, name: str, kind: str, params: Mapping[str, Any]) -> None:
        await self._engine.save_bot_template(name, kind, params)

    async def delete_bot_template(self, name: str) -> bool:
        return await self._engine.delete_bot_template(name)

    def alert_api(self) -> Engine:
        """The engine's alert calls (channel status, send a test) for the Alerts dialog."""
        return self._engine

    def account_service(self) -> AccountService:
        """Accounts and keys over the engine's store (for the Accounts dialog)."""
        return self._engine.accounts()

    def spawn(self, coro: Coroutine[Any, Any, T], what: str) -> asyncio.Task[T]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._done(t, what))
        return task

    def _done(self, task: asyncio.Task[Any], what: str) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and not isinstance(exc, asyncio.CancelledError):
            log.error("%s failed: %s", what, exc, exc_info=exc)

    def pending_tasks(self) -> Sequence[asyncio.Task[Any]]:
        return tuple(self._tasks)
