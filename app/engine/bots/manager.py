"""The bots: created, edited, started, paused, stopped; fed quotes; their steps run; persisted.

Quotes reach bots through one bus handler and a dict by instrument (no handler per bot), and
only bots that are RUNNING, not in the middle of a step, out of their cooldown, while trading is
ACTIVE on every venue of the step. Every change of a bot is written before it is announced; a bot
that was running when the process ended runs again after the next start's reconciliation,
unless trading is HALTED. The kill switch stops every bot (``stop_all``) after HALTED is on disk;
a bot stopped by it stays stopped until the user starts it.

A bot's ledger is rebuilt at start from its fills in the store (orders with origin
``bot:<id>``), then kept from the fills and funding the venues report.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import (
    Alert,
    AlertLevel,
    FillReceived,
    FundingPaid,
    QuoteUpdated,
    TradingStateChanged,
)
from app.core.instruments import Instrument, InstrumentId
from app.core.opportunities import Opportunity
from app.core.orders import Fill, Order
from app.core.quotes import Quote, QuoteBook
from app.core.trading_state import TradingState
from app.engine.bots.base import Bot, cooling_down
from app.engine.bots.books import BotBooks
from app.engine.bots.context import Context, World
from app.engine.bots.ledger import MarkOf, PriceOf
from app.engine.bots.model import BotStatus, BotUpdated, BotView, Step
from app.engine.bots.registry import bot_class
from app.engine.bots.steps import (
    needs_of,
    plan_of,
    result_from_orders,
    result_json,
    step_json,
    step_of,
)
from app.engine.capital import Capital, CapitalRefused, reservations_for_open_orders
from app.engine.deadlines import Deadlines
from app.engine.execution import ExecutionPlan, ExecutionResult
from app.store import repositories as repo
from app.store.records import BotRow, IntentRow, TemplateRow
from app.store.store import Store
from app.venues.gate import Gate

log = logging.getLogger(__name__)

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,48}$")
Spawn = Callable[..., Any]
Execute = Callable[[ExecutionPlan], Awaitable[ExecutionResult]]
#: How long ``stop_all`` / ``shutdown`` wait for steps in flight to end.
STEP_DRAIN_S = 10.0
#: Market time a bot waits after its capital was refused before it may decide again.
REFUSED_PAUSE_NS = 1_000_000_000
#: Where a bot's row keeps the funding it was paid (the store has its fills, not its funding).
FUNDING_KEY = "ledger_funding"


class BotError(ValueError):
    """A bot call refused: unknown bot, wrong status, invalid parameters (the message says)."""


class BotManager:
    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        store: Store,
        book: QuoteBook,
        instruments: Mapping[InstrumentId, Instrument],
        capital: Capital,
        execute: Execute,
        trading_state: Callable[[], TradingState],
        state_for: Callable[[str], TradingState],
        price: PriceOf,
        mark: MarkOf,
        funding_rate: Callable[[str, str], float | None],
        spawn: Spawn,
        release_opportunity: Callable[[str], None],
        leverage: Decimal,
        order: Callable[[str], Order | None],
        open_orders: Callable[[], list[Order]],
        deadlines: Deadlines,
        gate: Gate | None = None,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._store = store
        self._instruments = instruments
        self._capital = capital
        self._execute = execute
        self._trading_state = trading_state
        self._state_for = state_for
        self._spawn = spawn
        self._release_opportunity = release_opportunity
        self._leverage = leverage
        self._current_order = order
        self._open_orders = open_orders
        self._deadlines = deadlines
        self.gate = gate or Gate()
        self._bots: dict[str, Bot[Any]] = {}
        self._rows: dict[str, BotRow] = {}
        self._books = BotBooks(instruments, capital, price=price, mark=mark, order=order)
        self._world = World(
            clock=clock,
            book=book,
            instruments=instruments,
            funding_rate=funding_rate,
            pnl_total=lambda bot_id: self._books.value(bot_id).total,
        )
        self._status: dict[str, BotStatus] = {}
        self._busy: set[str] = set()  # bots with a step in flight
        self._refused_at: dict[str, int] = {}  # when a bot's capital was last refused
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._orders: dict[str, int] = {}
        self._leg_risk: dict[str, int] = {}
        self._routes: dict[tuple[str, str], tuple[Bot[Any], ...]] = {}
        self._takers: tuple[Bot[Any], ...] = ()
        self._accepting = False
        self._resumed = False  # from the start's reconciliation until shutdown
        self._unsubscribe: list[Callable[[], None]] = []

    # -- start and stop ----------------------------------------------------------------------

    async def load(self) -> None:
        """Bots, their ledgers (from their fills) and pools, from the store; nothing runs yet."""
        rows = await self._store.run(repo.load_bots)
        for row in rows:
            try:
                bot = self._build(row.id, row.kind, row.params)
                bot.load_state(row.state)
            except (BotError, ValueError, KeyError) as exc:
                log.error("bot %s cannot be loaded: %s", row.id, exc)
                self._bus.publish(
                    Alert(AlertLevel.CRITICAL, "bots", f"bot {row.id} cannot be loaded: {exc}")
                )
                continue
            self._adopt(bot, row, BotStatus(row.status))
            fills = await self._store.run(repo.fills_by_origin, f"bot:{row.id}")
            self._books.restore(row.id, fills, row.state.get(FUNDING_KEY, {}))
            orders = await self._store.run(repo.orders_by_origin, f"bot:{row.id}")
            self._orders[row.id] = len(orders)
        if not self._unsubscribe:
            self._unsubscribe = [
                self._bus.subscribe(QuoteUpdated, self._on_quote),
                self._bus.subscribe(Opportunity, self._on_opportunity),
                self._bus.subscribe(FillReceived, self._on_fill),
                self._bus.subscribe(FundingPaid, self._on_funding),
                self._bus.subscribe(TradingStateChanged, self._on_trading_state),
            ]

    async def resume(self) -> int:
        """After the start's reconciliation: settle the steps a crash interrupted, then let the
        bots that were running run again, unless trading is HALTED. Returns how many run."""
        self._rebuild_reservations()
        for intent in await self._store.run(repo.pending_intents, None):
            await self._settle_pending(intent)
            self._capital.release(intent.trace_id)
        if self._trading_state() is TradingState.HALTED:
            # halted before the last stop (the kill switch's stop may not have reached the
            # disk): the bots stay stopped until the user starts them after resuming trading
            await self.stop_all("trading is HALTED")
            self._resumed = True
            return 0
        self._accepting = self._resumed = True
        self._reroute()
        return sum(1 for s in self._status.values() if s is BotStatus.RUNNING)

    async def stop_all(self, reason: str) -> int:
        """The kill switch: no bot decides from now on; every running or paused bot is STOPPED
        on disk. Steps in flight end on their own (risk refuses their new exposure)."""
        self._accepting = False
        # in memory at once (no await): a second caller (the halt's own event) finds none left
        stopping = [b for b, status in self._status.items() if status is not BotStatus.STOPPED]
        for bot_id in stopping:
            self._status[bot_id] = BotStatus.STOPPED
        self._reroute()
        for bot_id in stopping:
            await self._save(bot_id, f"stopped: {reason}", status=BotStatus.STOPPED)
        return len(stopping)

    def _on_trading_state(self, event: TradingStateChanged) -> None:
        """HALTED by any road (the kill switch, a failed reconciliation, the risk panel): every
        bot stops, and stays stopped after the halt is lifted until the user starts it."""
        if event.state is TradingState.HALTED and any(
            s is not BotStatus.STOPPED for s in self._status.values()
        ):
            self._spawn("bots:halted", self._stop_quietly(event.reason))

    async def _stop_quietly(self, reason: str) -> None:
        await self.stop_all(reason or "trading halted")

    async def shutdown(self) -> None:
        """``Engine.stop``: no new step; steps in flight may end (bounded); statuses are kept,
        so the bots that were running run again at the next start."""
        self._accepting = self._resumed = False
        tasks = [t for t in self._tasks.values() if not t.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=STEP_DRAIN_S)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    # -- what callers may do -----------------------------------------------------------------

    def views(self) -> tuple[BotView, ...]:
        return tuple(self.view(bot_id) for bot_id in sorted(self._bots))

    def view(self, bot_id: str) -> BotView:
        bot = self._get(bot_id)
        return BotView(
            id=bot_id,
            kind=bot.kind,
            status=self._status[bot_id],
            phase=bot.phase,
            cycle=bot.cycle,
            position=bot.position_text(),
            pnl=self._books.value(bot_id),
            orders=self._orders.get(bot_id, 0),
            last_event=self._rows[bot_id].last_event,
            params=bot.params.model_dump(mode="json"),
            leg_risk_events=self._leg_risk.get(bot_id, 0),
            cycles=tuple(bot.cycles),
        )

    async def create(
        self, kind: str, params: Mapping[str, Any], bot_id: str | None = None
    ) -> BotView:
        bot_id = bot_id or self._new_id(kind)
        if not _ID.match(bot_id):
            raise BotError(f"bot id {bot_id!r}: letters, digits, '_', '-', '.' (1-48)")
        if bot_id in self._bots:
            raise BotError(f"bot {bot_id} exists")
        bot = self._build(bot_id, kind, params)
        now = self._clock.now_ns()
        row = BotRow(
            id=bot_id,
            kind=kind,
            params=bot.params.model_dump(mode="json"),
            status=BotStatus.STOPPED.value,
            state=bot.state_dict(),
            state_version=1,
            created_ns=now,
            updated_ns=now,
            last_event="created",
        )
        await self._store.run(repo.save_bot, row)
        self._adopt(bot, row, BotStatus.STOPPED)
        self._announce(bot_id)
        return self.view(bot_id)

    async def edit(self, bot_id: str, params: Mapping[str, Any]) -> BotView:
        """New parameters for a stopped bot (its state and ledger stay)."""
        bot = self._get(bot_id)
        if self._status[bot_id] is not BotStatus.STOPPED:
            raise BotError(f"bot {bot_id} is {self._status[bot_id]}: stop it to edit it")
        new = self._build(bot_id, bot.kind, params)
        new.load_state(bot.state_dict())
        self._bots[bot_id] = new
        self._capital.set_pool(bot_id, new.params.pool_spec())
        await self._save(bot_id, "parameters edited", params=new.params.model_dump(mode="json"))
        return self.view(bot_id)

    async def clone(self, bot_id: str, new_id: str | None = None) -> BotView:
        bot = self._get(bot_id)
        return await self.create(bot.kind, bot.params.model_dump(mode="json"), new_id)

    async def delete(self, bot_id: str) -> None:
        self._get(bot_id)
        if self._status[bot_id] is not BotStatus.STOPPED:
            raise BotError(f"bot {bot_id} is {self._status[bot_id]}: stop it to delete it")
        if bot_id in self._busy:
            raise BotError(f"bot {bot_id} has a step in flight")
        await self._store.run(repo.delete_bot, bot_id)
        del self._bots[bot_id], self._rows[bot_id], self._status[bot_id]
        self._books.close(bot_id)
        self._capital.remove_pool(bot_id)
        self._reroute()
        self._bus.publish(BotUpdated(bot_id, BotStatus.STOPPED, self._clock.now_ns()))

    async def start(self, bot_id: str) -> BotView:
        self._get(bot_id)
        if self._trading_state() is TradingState.HALTED:
            raise BotError("trading is HALTED: resume trading before starting a bot")
        await self._set_status(bot_id, BotStatus.RUNNING, "started")
        self._accepting = self._resumed  # decisions again after a kill switch (stop_all)
        return self.view(bot_id)

    async def pause(self, bot_id: str, reason: str = "paused") -> BotView:
        self._get(bot_id)
        await self._set_status(bot_id, BotStatus.PAUSED, reason)
        return self.view(bot_id)

    async def resume_bot(self, bot_id: str) -> BotView:
        return await self.start(bot_id)

    async def stop(self, bot_id: str) -> BotView:
        """No new step; what the bot holds stays (close it from its position or a manual order)."""
        self._get(bot_id)
        await self._set_status(bot_id, BotStatus.STOPPED, "stopped")
        return self.view(bot_id)

    async def orders_of(self, bot_id: str) -> tuple[Order, ...]:
        """The bot's orders from the journal, each as the OMS knows it now if it does."""
        self._get(bot_id)
        await self._store.flush()
        stored = await self._store.run(repo.orders_by_origin, f"bot:{bot_id}")
        live = self._current_order
        return tuple(
            sorted(
                (live(o.client_order_id) or o for o in stored),
                key=lambda o: (o.created_ns, o.client_order_id),
            )
        )

    async def fills_of(self, bot_id: str) -> list[Fill]:
        """Every fill of the bot's orders, from the store (in any run), in time order."""
        self._get(bot_id)
        await self._store.flush()
        fills = await self._store.run(repo.fills_by_origin, f"bot:{bot_id}")
        return sorted(fills, key=lambda f: (f.ts_ns, f.trade_id))

    async def history(self, bot_id: str, limit: int = 200) -> list[IntentRow]:
        self._get(bot_id)
        return list(await self._store.run(repo.intents_of, bot_id, limit))

    async def save_template(self, name: str, kind: str, params: Mapping[str, Any]) -> None:
        model = bot_class(kind).params_model
        try:
            checked = model.model_validate(dict(params)).model_dump(mode="json")
        except ValidationError as exc:
            raise BotError(_validation_text(kind, exc)) from exc
        row = TemplateRow(name=name, kind=kind, params=checked, created_ns=self._clock.now_ns())
        await self._store.run(repo.save_template, row)

    async def templates(self) -> list[TemplateRow]:
        return list(await self._store.run(repo.load_templates))

    async def delete_template(self, name: str) -> bool:
        return bool(await self._store.run(repo.delete_template, name))

    # -- quotes and opportunities in, steps out ----------------------------------------------

    def _on_quote(self, event: QuoteUpdated) -> None:
        quote = event.quote
        deadlines = self._deadlines
        if quote.received_ns >= deadlines.next_due_ns:  # a leg's timeout, a maker's fallback
            deadlines.tick(quote.received_ns)
        bots = self._routes.get((quote.venue, quote.symbol))
        if bots:
            for bot in bots:
                self._consider(bot, quote, None)

    def _on_opportunity(self, opp: Opportunity) -> None:
        for bot in self._takers:
            if opp.kind in bot.takes and self._consider(bot, None, opp):
                return  # one bot takes one opportunity

    def _consider(self, bot: Bot[Any], quote: Quote | None, opp: Opportunity | None) -> bool:
        bot_id = bot.id
        if not self._accepting or bot_id in self._busy:
            return False
        if cooling_down(self._clock.now_ns(), self._refused_at.get(bot_id), REFUSED_PAUSE_NS):
            return False
        ctx = Context(self._world, bot_id)
        try:
            step = bot.on_quote(quote, ctx) if quote is not None else None
            if opp is not None:
                step = bot.on_opportunity(opp, ctx)
        except Exception as exc:  # a bot's own failure pauses it, loudly
            log.exception("bot %s failed deciding", bot_id)
            self._fail(bot_id, f"bot failed deciding: {exc}")
            return False
        if step is None:
            return False
        if any(self._state_for(leg.venue) is not TradingState.ACTIVE for leg in step.legs):
            if opp is not None:
                self._release_opportunity(opp.key)
            return False
        self.gate.enter()  # until the step ends: a fast replay waits for it
        self._busy.add(bot_id)
        self._tasks[bot_id] = self._spawn(
            f"bot:{bot_id}", self._run_step(bot, step, opp), trace_id=_trace(bot)
        )
        return True

    async def _run_step(self, bot: Bot[Any], step: Step, opp: Opportunity | None) -> None:
        bot_id = bot.id
        trace = _trace(bot)
        try:
            p = bot.params
            needs = needs_of(step, self._instruments, self._leverage, p.slippage_bps)
            try:
                self._capital.reserve(bot_id, trace, needs)
            except CapitalRefused as exc:
                # the bot would ask again at every quote: wait a while, and write it down once
                self._refused_at[bot_id] = self._clock.now_ns()
                event = f"capital refused: {exc}"
                if self._rows[bot_id].last_event != event:
                    await self._save(bot_id, event)
                return
            try:
                now = self._clock.now_ns()
                intent = IntentRow(
                    trace_id=trace,
                    bot_id=bot_id,
                    cycle=bot.cycle,
                    step=bot.step + 1,
                    action=step.action,
                    plan=step_json(step),
                    created_ns=now,
                    updated_ns=now,
                )
                await self._store.run(repo.save_intent, intent)  # on disk before any order
                bot.step += 1
                result = await self._execute(plan_of(bot, step, trace))
            finally:
                self._capital.release(trace)
            await self._finish(bot, step, intent, result)
        finally:
            if opp is not None:
                self._release_opportunity(opp.key)
                bot.on_opportunity_done(opp)
            self._busy.discard(bot_id)
            self._tasks.pop(bot_id, None)
            self.gate.leave()

    async def _finish(
        self,
        bot: Bot[Any],
        step: Step,
        intent: IntentRow,
        result: ExecutionResult,
        *,
        counted: bool = False,
    ) -> None:
        """The bot learns what filled; its state and the intent's end in one transaction.
        ``counted``: the step's orders are already in the bot's order count (``load``)."""
        bot_id = bot.id
        ctx = Context(self._world, bot_id)
        bot.on_step_done(step, result, ctx)  # the bot keeps its cooldown from here
        if result.leg_risk_events:
            self._leg_risk[bot_id] = self._leg_risk.get(bot_id, 0) + result.leg_risk_events
        if not counted:
            sent = sum(len(leg.client_order_ids) for leg in result.legs)
            self._orders[bot_id] = self._orders.get(bot_id, 0) + sent
        event = f"{step.action} {intent.trace_id}: {'filled' if result.complete else 'partial'}"
        status = self._status[bot_id]
        if result.residual or result.unknown:
            left = "; ".join((*result.residual, *(f"unknown order {c}" for c in result.unknown)))
            message = f"bot {bot_id} paused: exposure left after {intent.trace_id}: {left}"
            log.critical(message)
            self._bus.publish(Alert(AlertLevel.CRITICAL, "bots", message, self._clock.now_ns()))
            event = message
            if status is BotStatus.RUNNING:
                status = BotStatus.PAUSED
        done = replace(
            intent, status="done", result=result_json(result), updated_ns=self._clock.now_ns()
        )
        await self._save(bot_id, event, status=status, intent=done)

    async def _settle_pending(self, intent: IntentRow) -> None:
        """A step a crash interrupted: its orders (journal, by trace id) decide what it did."""
        bot = self._bots.get(intent.bot_id)
        orders = await self._store.run(repo.orders_by_trace, intent.trace_id)
        now = self._clock.now_ns()
        if bot is None:
            await self._store.run(repo.save_intent, replace(intent, status="abandoned"))
            return
        if not orders:
            log.warning("step %s never left: abandoned", intent.trace_id)
            abandoned = replace(intent, status="abandoned", updated_ns=now)
            await self._save(bot.id, f"{intent.trace_id} never sent: abandoned", intent=abandoned)
            return
        step = step_of(intent.plan)
        result = result_from_orders(intent, step, orders)
        bot.step = max(bot.step, intent.step)
        log.warning("step %s settled from %d journaled orders", intent.trace_id, len(orders))
        await self._finish(bot, step, intent, result, counted=True)

    # -- fills and funding -------------------------------------------------------------------

    def _on_fill(self, event: FillReceived) -> None:
        bot_id = self._books.on_fill(event.fill)
        if bot_id is not None:
            self._announce(bot_id)

    def _on_funding(self, event: FundingPaid) -> None:
        for bot_id, part in self._books.on_funding(event):
            note = f"funding {part} {event.currency} on {event.venue} {event.symbol}"
            self._spawn(f"bot:{bot_id}:funding", self._save(bot_id, note))

    def revalue(self) -> None:
        self._books.revalue()

    # -- internals ---------------------------------------------------------------------------

    def _build(self, bot_id: str, kind: str, params: Mapping[str, Any]) -> Bot[Any]:
        try:
            cls = bot_class(kind)
        except ValueError as exc:
            raise BotError(str(exc)) from exc
        try:
            model = cls.params_model.model_validate(dict(params))
        except ValidationError as exc:
            raise BotError(_validation_text(kind, exc)) from exc
        try:
            return cls(bot_id, model, self._instruments)
        except ValueError as exc:
            raise BotError(f"{kind}: {exc}") from exc

    def _adopt(self, bot: Bot[Any], row: BotRow, status: BotStatus) -> None:
        self._bots[bot.id] = bot
        self._rows[bot.id] = row
        self._status[bot.id] = status
        self._books.open(bot.id)
        self._capital.set_pool(bot.id, bot.params.pool_spec())
        self._reroute()

    def _get(self, bot_id: str) -> Bot[Any]:
        bot = self._bots.get(bot_id)
        if bot is None:
            raise BotError(f"no bot {bot_id}")
        return bot

    def _new_id(self, kind: str) -> str:
        n = 1
        while f"{kind}-{n}" in self._bots:
            n += 1
        return f"{kind}-{n}"

    async def _set_status(self, bot_id: str, status: BotStatus, event: str) -> None:
        await self._save(bot_id, event, status=status)
        self._reroute()

    async def _save(
        self,
        bot_id: str,
        event: str,
        *,
        status: BotStatus | None = None,
        params: dict[str, Any] | None = None,
        intent: IntentRow | None = None,
    ) -> None:
        """The bot's row (state with a new version) and the step's intent, one transaction;
        memory changes only once it is written."""
        row = self._rows[bot_id]
        new_status = status or self._status[bot_id]
        new = replace(
            row,
            params=params if params is not None else row.params,
            status=new_status.value,
            state={
                **self._bots[bot_id].state_dict(),
                FUNDING_KEY: self._books.funding_record(bot_id),
            },
            state_version=row.state_version + 1,
            updated_ns=self._clock.now_ns(),
            last_event=event[:500],
        )

        def write(conn: Any) -> None:
            repo.save_bot(conn, new)
            if intent is not None:
                repo.save_intent(conn, intent)

        await self._store.run(write)
        self._rows[bot_id] = new
        rerouted = new_status is not self._status[bot_id]
        self._status[bot_id] = new_status
        if rerouted:  # a bot paused by its step's leg risk gets no more quotes
            self._reroute()
        log.info("bot %s: %s", bot_id, event)
        self._announce(bot_id)

    def _rebuild_reservations(self) -> None:
        """At start: the bots' orders still open hold their funds again (released when the
        steps they belong to are settled)."""
        mine = [o for o in self._open_orders() if o.origin.startswith("bot:")]
        try:
            self._capital.rebuild(
                reservations_for_open_orders(mine, self._instruments, self._leverage)
            )
        except ValueError as exc:
            log.error("capital reservations not rebuilt: %s", exc)
            self._bus.publish(
                Alert(AlertLevel.CRITICAL, "bots", f"capital reservations not rebuilt: {exc}")
            )

    def _announce(self, bot_id: str) -> None:
        status = self._status.get(bot_id)
        if status is not None:
            self._bus.publish(BotUpdated(bot_id, status, self._clock.now_ns()))

    def _reroute(self) -> None:
        routes: dict[tuple[str, str], list[Bot[Any]]] = {}
        takers = []
        for bot_id, bot in sorted(self._bots.items()):
            if self._status[bot_id] is not BotStatus.RUNNING:
                continue
            for inst in bot.watched():
                routes.setdefault((inst.venue, inst.symbol), []).append(bot)
            if bot.takes:
                takers.append(bot)
        self._routes = {k: tuple(v) for k, v in routes.items()}
        self._takers = tuple(takers)

    def _fail(self, bot_id: str, message: str) -> None:
        self._bus.publish(Alert(AlertLevel.CRITICAL, "bots", f"bot {bot_id}: {message}"))
        self._status[bot_id] = BotStatus.PAUSED
        self._reroute()
        self._spawn(f"bot:{bot_id}:pause", self._save(bot_id, message, status=BotStatus.PAUSED))


def _trace(bot: Bot[Any]) -> str:
    return f"{bot.id}:{bot.cycle}:{bot.step + 1}"


def _validation_text(kind: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(parameters)"
        parts.append(f"{key}={err.get('input')!r}: {err['msg']}")
    return f"{kind}: " + "; ".join(parts)
