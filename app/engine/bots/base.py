"""A bot: typed parameters, a state machine whose state is persisted, decisions as ``Step``s.

A bot never sends an order itself. On a quote of an instrument it watches (or an opportunity of a
kind it takes) it may return a ``Step``; the ``BotManager`` persists the step's intent, reserves
capital for all its legs, runs it through the executor and hands the result back to
``on_step_done``, then persists the bot's state. One step at a time per bot, so a bot's
decisions never overlap and its state is the same after a restart.

Everything a bot reads of the world comes through ``BotContext`` (market time, fresh quotes,
instruments, its PnL), which keeps bots testable with no engine and deterministic in a replay.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO, to_decimal
from app.core.opportunities import Opportunity, OpportunityKind
from app.core.orders import Side
from app.core.quotes import Quote
from app.engine.bots.model import CycleRecord, Step
from app.engine.bots.params import BotParams
from app.engine.execution import ExecutionResult, LegOrder

P = TypeVar("P", bound=BotParams)

#: Cycles kept in a bot's persisted state (the store keeps every intent anyway).
MAX_CYCLES_KEPT = 200


class BotContext(Protocol):
    """What a bot may read of the world."""

    def now_ns(self) -> int: ...

    def fresh_quote(self, inst: InstrumentId, max_age_ms: int) -> Quote | None:
        """The latest quote if it is at most ``max_age_ms`` old in market time, else None."""
        ...

    def instrument(self, inst: InstrumentId) -> Instrument: ...

    def pnl_total(self) -> Decimal:
        """The bot's whole PnL now (realized + unrealized + funding - fees)."""
        ...

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        """The perpetual's current funding rate per funding interval (a fraction; > 0: longs pay
        shorts), or None where the feed does not know it."""
        ...


class Bot(ABC, Generic[P]):
    kind: ClassVar[str]
    params_model: ClassVar[type[BotParams]]
    #: Opportunity kinds routed to ``on_opportunity`` (the cross bot takes the cross scanner's).
    takes: ClassVar[frozenset[OpportunityKind]] = frozenset()

    def __init__(self, bot_id: str, params: P, instruments: Mapping[InstrumentId, Instrument]):
        self.id = bot_id
        self.params = params
        self.phase = "flat"
        self.cycle = 1
        self.step = 0  # steps sent in this cycle
        self.cycle_opened_ns = 0
        self.cycle_pnl_start = ZERO
        self.cycles: list[CycleRecord] = []
        self._instruments = instruments
        for inst in self.watched():
            if inst not in instruments:
                raise ValueError(f"{inst} is not an instrument of this market")

    # -- what a kind defines -----------------------------------------------------------------

    @abstractmethod
    def watched(self) -> tuple[InstrumentId, ...]:
        """The instruments whose quotes this bot reads (quotes are routed by them)."""

    @abstractmethod
    def on_quote(self, quote: Quote, ctx: BotContext) -> Step | None:
        """A watched instrument quoted: a step to take now, or None."""

    def on_opportunity(self, opp: Opportunity, ctx: BotContext) -> Step | None:
        return None

    def on_opportunity_done(self, opp: Opportunity) -> None:
        """The opportunity's step ended (the manager releases it in the decisions)."""

    @abstractmethod
    def on_step_done(self, step: Step, result: ExecutionResult, ctx: BotContext) -> None:
        """Update the state machine from what really filled."""

    @abstractmethod
    def strategy_state(self) -> dict[str, Any]:
        """The kind's own state as plain JSON values (money as decimal strings)."""

    @abstractmethod
    def load_strategy_state(self, state: Mapping[str, Any]) -> None: ...

    @abstractmethod
    def position_text(self) -> str:
        """The bot's position in a few words, for the window's list."""

    def entry_text(self) -> str:
        """The current cycle's entry measure (average entry spread...), for its cycle record."""
        return ""

    # -- the persisted state -----------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "cycle": self.cycle,
            "step": self.step,
            "cycle_opened_ns": self.cycle_opened_ns,
            "cycle_pnl_start": str(self.cycle_pnl_start),
            "cycles": [_cycle_json(c) for c in self.cycles[-MAX_CYCLES_KEPT:]],
            "strategy": self.strategy_state(),
        }

    def load_state(self, state: Mapping[str, Any]) -> None:
        if not state:
            return
        self.phase = str(state.get("phase", "flat"))
        self.cycle = int(state.get("cycle", 1))
        self.step = int(state.get("step", 0))
        self.cycle_opened_ns = int(state.get("cycle_opened_ns", 0))
        self.cycle_pnl_start = Decimal(str(state.get("cycle_pnl_start", "0")))
        self.cycles = [_cycle_of(c) for c in state.get("cycles", [])]
        self.load_strategy_state(state.get("strategy", {}))

    # -- helpers for kinds -------------------------------------------------------------------

    def end_cycle(self, ctx: BotContext, *, adds: int, reason: str) -> None:
        """Record the cycle that just closed and start the next one."""
        record = CycleRecord(
            cycle=self.cycle,
            opened_ns=self.cycle_opened_ns,
            closed_ns=ctx.now_ns(),
            adds=adds,
            entry=self.entry_text(),
            exit_reason=reason,
            pnl=ctx.pnl_total() - self.cycle_pnl_start,
        )
        self.cycles.append(record)
        del self.cycles[:-MAX_CYCLES_KEPT]
        self.cycle += 1
        self.step = 0
        self.phase = "flat"

    def instrument(self, inst: InstrumentId) -> Instrument:
        return self._instruments[inst]


def cooling_down(now_ns: int, last_ns: int | None, cooldown_ns: int) -> bool:
    """Within the cooldown after the last step. A last step *after* now is from another session
    of a market whose clock restarted (the simulated market, a replay): it does not count."""
    return last_ns is not None and 0 <= now_ns - last_ns < cooldown_ns


def leg(
    inst: Instrument, side: Side, qty: Decimal, quote: Quote, reduce_only: bool = False
) -> LegOrder:
    """A leg at the quote's far side (the ask for a buy, the bid for a sell)."""
    price = quote.ask if side is Side.BUY else quote.bid
    return LegOrder(
        venue=inst.venue,
        symbol=inst.symbol,
        side=side,
        quantity=qty,
        price=to_decimal(price),
        reduce_only=reduce_only and inst.is_derivative,
    )


def base_per_unit(inst: Instrument, price: float) -> Decimal:
    """Base asset per unit of quantity: 1 for spot, the contract size (or its USD value at
    ``price`` for an inverse contract) for derivatives."""
    if not inst.is_derivative:
        return Decimal(1)
    if inst.inverse:
        return inst.contract_size / to_decimal(price)
    return inst.contract_size


def matched_quantities(
    insts: Sequence[Instrument], base_qty: Decimal, price: float
) -> tuple[Decimal, ...] | None:
    """Quantities of each instrument holding the same base amount (at most ``base_qty``),
    rounded down so that every leg is a multiple of its step; None when that is below a leg's
    minimum quantity or notional."""
    units = [base_per_unit(i, price) for i in insts]
    # the coarsest leg's granularity in base: every leg can hold a multiple of it exactly
    grain = max(i.step_size * u for i, u in zip(insts, units, strict=True))
    base = (base_qty / grain).to_integral_value(rounding=ROUND_DOWN) * grain
    if base <= 0:
        return None
    out = []
    for inst, unit in zip(insts, units, strict=True):
        qty = (base / unit / inst.step_size).to_integral_value(rounding=ROUND_DOWN) * inst.step_size
        if qty <= 0 or qty < inst.min_qty:
            return None
        notional = inst.notional_quote(qty, to_decimal(price)) if not inst.inverse else qty
        if inst.min_notional and notional < inst.min_notional:
            return None
        out.append(qty)
    return tuple(out)


def _cycle_json(c: CycleRecord) -> dict[str, Any]:
    return {
        "cycle": c.cycle,
        "opened_ns": c.opened_ns,
        "closed_ns": c.closed_ns,
        "adds": c.adds,
        "entry": c.entry,
        "exit_reason": c.exit_reason,
        "pnl": str(c.pnl),
    }


def _cycle_of(d: Mapping[str, Any]) -> CycleRecord:
    return CycleRecord(
        cycle=int(d["cycle"]),
        opened_ns=int(d["opened_ns"]),
        closed_ns=int(d["closed_ns"]),
        adds=int(d["adds"]),
        entry=str(d.get("entry", "")),
        exit_reason=str(d.get("exit_reason", "")),
        pnl=Decimal(str(d["pnl"])),
    )
