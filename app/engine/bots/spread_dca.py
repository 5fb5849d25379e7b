"""Spread DCA: sell the rich leg and buy the cheap one when their spread is wide, add as it widens,
close both when it reverts (or the cycle made its percent), stop out past a stop level.

Two legs, any two instruments (one asset on two venues, spot against its perpetual...). The
spread of an orientation is what a taker really gets: opening sells the rich leg at its bid and
buys the cheap one at its ask, ``bid_rich / ask_cheap - 1``; closing buys the rich leg back at its
ask and sells the cheap one at its bid, ``ask_rich / bid_cheap - 1``. Entry, adds and the stop
are compared with the opening spread (they are levels at which the bot would sell the spread),
the take-profit target with the closing spread (what leaving costs now).

The bot only decides; its position changes in ``on_step_done`` from what the legs really filled,
so a step that filled nothing changes nothing and a partial fill counts what filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO, to_decimal
from app.core.orders import Side
from app.core.quotes import Quote
from app.engine.bots.base import Bot, BotContext, cooling_down, leg, matched_quantities
from app.engine.bots.kit import (
    INSTRUMENT_FORMAT,
    InstrumentText,
    fill_of,
    filled_base,
    leg_words,
    parse_instrument,
    usable,
)
from app.engine.bots.model import Step
from app.engine.bots.params import BotParams
from app.engine.execution import ExecutionResult, LegFill

Rich = Literal["a", "b"]

#: Bounds of a threshold, in either unit.
_LOW, _HIGH = -10_000.0, 10_000.0


class SpreadDcaParams(BotParams):
    leg_a: InstrumentText = Field(
        min_length=3, max_length=100, description=f"first instrument, {INSTRUMENT_FORMAT}"
    )
    leg_b: InstrumentText = Field(
        min_length=3, max_length=100, description=f"second instrument, {INSTRUMENT_FORMAT}"
    )
    unit: Literal["bps", "pct"] = Field(
        default="bps", description="unit of the spread thresholds: basis points or percent"
    )
    direction: Literal["either", "a_rich", "b_rich"] = Field(
        default="either",
        description="which leg is sold: whichever is rich when a cycle opens, or always a or b",
    )
    base_qty: Decimal = Field(
        gt=0, le=1_000_000, description="base asset bought and sold on each leg at the entry"
    )
    entry: float = Field(
        ge=_LOW, le=_HIGH, description="opening spread (in unit) that opens a cycle"
    )
    adds: list[float] = Field(
        default_factory=list,
        max_length=50,
        description="further opening spreads (in unit, ascending, above entry) that each add",
    )
    size_multiplier: Decimal = Field(
        default=Decimal(1),
        gt=0,
        le=10,
        description="the k-th add trades base_qty x size_multiplier^k",
    )
    max_adds: int = Field(default=5, ge=0, le=50, description="at most this many adds per cycle")
    take_profit: float = Field(
        ge=_LOW, le=_HIGH, description="close when the closing spread (in unit) is at or below this"
    )
    take_profit_pct: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="or close when the cycle's PnL reaches this percent of its entry notional",
    )
    stop: float = Field(
        ge=_LOW,
        le=_HIGH,
        description="close when the opening spread (in unit) widens to this; above every add",
    )

    @model_validator(mode="after")
    def _levels(self) -> SpreadDcaParams:
        if parse_instrument(self.leg_a) == parse_instrument(self.leg_b):
            raise ValueError(f"leg_a and leg_b must differ, both are {self.leg_a}")
        previous = self.entry
        for level in self.adds:
            if level <= previous:
                raise ValueError(
                    f"adds must be ascending and above entry ({self.entry}): {self.adds}"
                )
            previous = level
        if self.take_profit >= self.entry:
            raise ValueError(f"take_profit ({self.take_profit}) must be below entry ({self.entry})")
        if self.stop <= previous:
            what = "the last add" if self.adds else "entry"
            raise ValueError(f"stop ({self.stop}) must be above {what} ({previous})")
        return self


@dataclass(frozen=True, slots=True)
class Entry:
    """One opening or add as it filled: its spread (in the bot's unit) and the hedged base."""

    spread: float
    base_qty: Decimal


class SpreadDcaBot(Bot[SpreadDcaParams]):
    kind = "spread_dca"
    params_model = SpreadDcaParams

    def __init__(
        self, bot_id: str, params: SpreadDcaParams, instruments: Mapping[InstrumentId, Instrument]
    ):
        self._a = parse_instrument(params.leg_a)
        self._b = parse_instrument(params.leg_b)
        super().__init__(bot_id, params, instruments)
        self._scale = 10_000.0 if params.unit == "bps" else 100.0
        self._cooldown_ns = params.cooldown_ms * 1_000_000
        self._levels = tuple(params.adds[: params.max_adds])
        self._reset_position()
        self._last_step_ns: int | None = None

    def _reset_position(self) -> None:
        self._rich: Rich | None = None
        self._held_rich = ZERO  # short, in the rich instrument's units
        self._held_cheap = ZERO  # long, in the cheap instrument's units
        self._entries: list[Entry] = []
        self._adds_done = 0
        self._entry_notional = ZERO  # quote value of what the cheap leg bought
        self._closing = ""  # why a close that filled partly goes on

    # -- what the window and the tests read ------------------------------------------------

    @property
    def rich(self) -> Rich | None:
        """The leg sold in this cycle ("a" or "b"), None when flat."""
        return self._rich

    @property
    def held(self) -> tuple[Decimal, Decimal]:
        """(short of the rich leg, long of the cheap leg), each in its instrument's units."""
        return self._held_rich, self._held_cheap

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(self._entries)

    @property
    def adds_done(self) -> int:
        return self._adds_done

    @property
    def avg_entry_spread(self) -> float | None:
        """The entries' spread weighted by their hedged base quantity."""
        weight = sum((e.base_qty for e in self._entries), ZERO)
        if weight <= 0:
            return None
        total = sum((to_decimal(e.spread) * e.base_qty for e in self._entries), ZERO)
        return float(total / weight)

    def watched(self) -> tuple[InstrumentId, ...]:
        return (self._a, self._b)

    def position_text(self) -> str:
        if self.phase == "flat" or self._rich is None:
            return "flat"
        rich, cheap = self._oriented(self._rich)
        parts = []
        if self._held_cheap > 0:
            parts.append(leg_words("long", cheap, self._held_cheap))
        if self._held_rich > 0:
            parts.append(leg_words("short", rich, self._held_rich))
        return " / ".join(parts) or "flat"

    def entry_text(self) -> str:
        avg = self.avg_entry_spread
        if avg is None:
            return ""
        return f"avg {avg:.1f} bps" if self.params.unit == "bps" else f"avg {avg:.3f} %"

    # -- decisions -------------------------------------------------------------------------

    def on_quote(self, quote: Quote, ctx: BotContext) -> Step | None:
        now = ctx.now_ns()
        if cooling_down(now, self._last_step_ns, self._cooldown_ns):
            return None
        age = self.params.max_quote_age_ms
        qa = ctx.fresh_quote(self._a, age)
        qb = ctx.fresh_quote(self._b, age)
        if qa is None or qb is None or not usable(qa) or not usable(qb):
            return None
        if self.phase == "flat":
            return self._open(qa, qb, ctx)
        return self._manage(qa, qb, ctx)

    def _open(self, qa: Quote, qb: Quote, ctx: BotContext) -> Step | None:
        p = self.params
        best: tuple[float, Rich] | None = None
        if p.direction != "b_rich":
            best = (self._spread(qa.bid, qb.ask), "a")
        if p.direction != "a_rich":
            spread_b = self._spread(qb.bid, qa.ask)
            if best is None or spread_b > best[0]:
                best = (spread_b, "b")
        assert best is not None
        spread, rich = best
        if spread < p.entry:
            return None
        step = self._entry_step("open", rich, spread, p.base_qty, qa, qb)
        if step is None:
            return None
        detail = dict(step.detail, pnl_start=str(ctx.pnl_total()), opened_ns=ctx.now_ns())
        return Step(step.action, step.legs, step.note, detail)

    def _manage(self, qa: Quote, qb: Quote, ctx: BotContext) -> Step | None:
        p = self.params
        assert self._rich is not None
        q_rich, q_cheap = (qa, qb) if self._rich == "a" else (qb, qa)
        opening = self._spread(q_rich.bid, q_cheap.ask)
        closing = self._spread(q_rich.ask, q_cheap.bid)
        if self._closing:
            return self._close_step(self._closing, closing, q_rich, q_cheap)
        if opening >= p.stop:
            return self._close_step("stop", opening, q_rich, q_cheap)
        if closing <= p.take_profit:
            return self._close_step("take_profit", closing, q_rich, q_cheap)
        if p.take_profit_pct is not None and self._entry_notional > 0:
            target = self._entry_notional * to_decimal(p.take_profit_pct) / 100
            if ctx.pnl_total() - self.cycle_pnl_start >= target:
                return self._close_step("take_profit_pct", closing, q_rich, q_cheap)
        k = self._adds_done
        if k < len(self._levels) and opening >= self._levels[k]:
            size = p.base_qty * p.size_multiplier ** (k + 1)
            return self._entry_step("add", self._rich, opening, size, qa, qb, k=k + 1)
        return None

    def _entry_step(
        self,
        action: str,
        rich: Rich,
        spread: float,
        base: Decimal,
        qa: Quote,
        qb: Quote,
        k: int = 0,
    ) -> Step | None:
        rich_id, cheap_id = self._oriented(rich)
        q_rich, q_cheap = (qa, qb) if rich == "a" else (qb, qa)
        rich_inst, cheap_inst = self.instrument(rich_id), self.instrument(cheap_id)
        qtys = matched_quantities((rich_inst, cheap_inst), base, q_cheap.ask)
        if qtys is None:
            return None
        legs = (
            leg(rich_inst, Side.SELL, qtys[0], q_rich),
            leg(cheap_inst, Side.BUY, qtys[1], q_cheap),
        )
        note = f"{action} at {spread:.2f} {self.params.unit}" + (f" (add {k})" if k else "")
        return Step(action, legs, note, {"rich": rich, "spread": spread, "k": k})

    def _close_step(self, reason: str, spread: float, q_rich: Quote, q_cheap: Quote) -> Step:
        assert self._rich is not None
        rich_id, cheap_id = self._oriented(self._rich)
        legs = []
        if self._held_rich > 0:
            legs.append(leg(self.instrument(rich_id), Side.BUY, self._held_rich, q_rich, True))
        if self._held_cheap > 0:
            legs.append(leg(self.instrument(cheap_id), Side.SELL, self._held_cheap, q_cheap, True))
        note = f"close ({reason}) at {spread:.2f} {self.params.unit}"
        return Step(
            "close", tuple(legs), note, {"rich": self._rich, "spread": spread, "reason": reason}
        )

    # -- what filled -----------------------------------------------------------------------

    def on_step_done(self, step: Step, result: ExecutionResult, ctx: BotContext) -> None:
        self._last_step_ns = ctx.now_ns()
        detail = step.detail
        rich: Rich = "b" if detail.get("rich") == "b" else "a"
        rich_id, cheap_id = self._oriented(rich)
        f_rich = fill_of(result.legs, rich_id)
        f_cheap = fill_of(result.legs, cheap_id)
        got_rich = f_rich.filled if f_rich is not None else ZERO
        got_cheap = f_cheap.filled if f_cheap is not None else ZERO
        if got_rich <= 0 and got_cheap <= 0:
            return
        if step.action == "close":
            self._closed(str(detail.get("reason", "close")), got_rich, got_cheap, ctx)
        else:
            self._entered(step, rich, f_rich, f_cheap)

    def _entered(
        self, step: Step, rich: Rich, f_rich: LegFill | None, f_cheap: LegFill | None
    ) -> None:
        detail = step.detail
        if self.phase == "flat":
            self.phase = "open"
            self._rich = rich
            self.cycle_opened_ns = int(detail.get("opened_ns", 0))
            self.cycle_pnl_start = Decimal(str(detail.get("pnl_start", "0")))
        rich_id, cheap_id = self._oriented(rich)
        rich_inst, cheap_inst = self.instrument(rich_id), self.instrument(cheap_id)
        base_rich = base_cheap = ZERO
        if f_rich is not None:
            self._held_rich += f_rich.filled
            base_rich = filled_base(rich_inst, f_rich)
        if f_cheap is not None:
            self._held_cheap += f_cheap.filled
            base_cheap = filled_base(cheap_inst, f_cheap)
        spread = float(detail.get("spread", 0.0))
        if f_rich is not None and f_cheap is not None and f_rich.avg_price and f_cheap.avg_price:
            spread = float(f_rich.avg_price / f_cheap.avg_price - 1) * self._scale
        self._entries.append(Entry(spread, min(base_rich, base_cheap)))
        bought = f_cheap if f_cheap is not None and f_cheap.filled > 0 else f_rich
        if bought is not None and bought.avg_price is not None:
            inst = cheap_inst if bought is f_cheap else rich_inst
            self._entry_notional += inst.notional_quote(bought.filled, bought.avg_price)
        if step.action == "add":
            self._adds_done = max(self._adds_done, int(detail.get("k", self._adds_done + 1)))

    def _closed(self, reason: str, got_rich: Decimal, got_cheap: Decimal, ctx: BotContext) -> None:
        self._held_rich = max(ZERO, self._held_rich - got_rich)
        self._held_cheap = max(ZERO, self._held_cheap - got_cheap)
        if self._held_rich > 0 or self._held_cheap > 0:
            self._closing = reason
            return
        self.end_cycle(ctx, adds=self._adds_done, reason=reason)
        self._reset_position()

    # -- the persisted state ---------------------------------------------------------------

    def strategy_state(self) -> dict[str, Any]:
        return {
            "rich": self._rich,
            "held_rich": str(self._held_rich),
            "held_cheap": str(self._held_cheap),
            "entries": [{"spread": e.spread, "base_qty": str(e.base_qty)} for e in self._entries],
            "adds_done": self._adds_done,
            "entry_notional": str(self._entry_notional),
            "closing": self._closing,
            "last_step_ns": self._last_step_ns,
        }

    def load_strategy_state(self, state: Mapping[str, Any]) -> None:
        self._reset_position()
        rich = state.get("rich")
        self._rich = rich if rich in ("a", "b") else None
        self._held_rich = Decimal(str(state.get("held_rich", "0")))
        self._held_cheap = Decimal(str(state.get("held_cheap", "0")))
        self._entries = [
            Entry(float(e["spread"]), Decimal(str(e["base_qty"]))) for e in state.get("entries", [])
        ]
        self._adds_done = int(state.get("adds_done", 0))
        self._entry_notional = Decimal(str(state.get("entry_notional", "0")))
        self._closing = str(state.get("closing", ""))
        last = state.get("last_step_ns")
        self._last_step_ns = int(last) if last is not None else None

    # -- helpers ---------------------------------------------------------------------------

    def _oriented(self, rich: Rich) -> tuple[InstrumentId, InstrumentId]:
        """(rich, cheap) instruments."""
        return (self._a, self._b) if rich == "a" else (self._b, self._a)

    def _spread(self, sell_at: float, buy_at: float) -> float:
        return (sell_at / buy_at - 1.0) * self._scale
