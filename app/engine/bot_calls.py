"""The engine's public calls for bots (part of the ``Engine`` façade, kept apart for its size).

Each call returns frozen values (``BotView``, rows) and raises ``BotError`` with a message for
the user when refused (unknown bot, wrong status, invalid parameters, trading HALTED).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.orders import Fill, Order
from app.engine.bots.manager import BotManager
from app.engine.bots.model import BotView
from app.engine.bots.params import BotParams
from app.engine.bots.registry import KINDS, bot_class
from app.store.records import IntentRow, TemplateRow


class BotCalls:
    _bots: BotManager

    def bots(self) -> tuple[BotView, ...]:
        return self._bots.views()

    def bot(self, bot_id: str) -> BotView:
        return self._bots.view(bot_id)

    @staticmethod
    def bot_kinds() -> tuple[str, ...]:
        return tuple(sorted(KINDS))

    @staticmethod
    def bot_params_model(kind: str) -> type[BotParams]:
        """The kind's parameter model (the window builds its form from the fields)."""
        return bot_class(kind).params_model

    async def create_bot(
        self, kind: str, params: Mapping[str, Any], bot_id: str | None = None
    ) -> BotView:
        return await self._bots.create(kind, params, bot_id)

    async def edit_bot(self, bot_id: str, params: Mapping[str, Any]) -> BotView:
        return await self._bots.edit(bot_id, params)

    async def clone_bot(self, bot_id: str, new_id: str | None = None) -> BotView:
        return await self._bots.clone(bot_id, new_id)

    async def delete_bot(self, bot_id: str) -> None:
        await self._bots.delete(bot_id)

    async def start_bot(self, bot_id: str) -> BotView:
        return await self._bots.start(bot_id)

    async def pause_bot(self, bot_id: str) -> BotView:
        return await self._bots.pause(bot_id)

    async def resume_bot(self, bot_id: str) -> BotView:
        return await self._bots.resume_bot(bot_id)

    async def stop_bot(self, bot_id: str) -> BotView:
        return await self._bots.stop(bot_id)

    async def bot_history(self, bot_id: str, limit: int = 200) -> list[IntentRow]:
        """The bot's steps, newest first: what it decided, sent and got."""
        return await self._bots.history(bot_id, limit)

    async def bot_orders(self, bot_id: str) -> tuple[Order, ...]:
        """Every order the bot sent, in any run, oldest first."""
        return await self._bots.orders_of(bot_id)

    async def bot_fills(self, bot_id: str) -> list[Fill]:
        """Every fill of the bot, in any run, oldest first."""
        return await self._bots.fills_of(bot_id)

    async def save_bot_template(self, name: str, kind: str, params: Mapping[str, Any]) -> None:
        await self._bots.save_template(name, kind, params)

    async def bot_templates(self) -> list[TemplateRow]:
        return await self._bots.templates()

    async def delete_bot_template(self, name: str) -> bool:
        return await self._bots.delete_template(name)
