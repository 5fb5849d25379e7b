"""Cash-and-carry: buy spot and short its perpetual when the basis pays, close both when it is gone.

The entry basis is counted the way a taker gets it and net of everything the trade costs or earns
over its horizon: ``(perp_bid / spot_ask - 1)`` in bps, minus the taker fees of opening and
closing both legs, plus the funding the short perpetual is expected to receive over
``horizon_h`` at the current rate (an unknown rate counts as none). The exit compares the closing
basis, ``perp_ask / spot_bid - 1``, with ``exit_bps``. One position per cycle. Funding actually
paid is attributed to the bot by the framework's ledger from the venue's funding events.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from app.core.instruments import Instrument, InstrumentId, InstrumentKind
from app.core.money import ZERO, to_float
from app.core.orders import Side
from app.core.quotes import Quote
from app.engine.bots.base import Bot, BotContext, cooling_down, leg, matched_quantities
from app.engine.bots.kit import (
    INSTRUMENT_FORMAT,
    InstrumentText,
    fill_of,
    leg_words,
    parse_instrument,
    usable,
)
from app.engine.bots.model import Step
from app.engine.bots.params import BotParams
from app.engine.execution import ExecutionResult


class CashCarryParams(BotParams):
    spot: InstrumentText = Field(
        min_length=3, max_length=100, description=f"the spot market bought, {INSTRUMENT_FORMAT}"
    )
    perp: InstrumentText = Field(
        min_length=3,
        max_length=100,
        description=f"its perpetual, shorted, {INSTRUMENT_FORMAT}",
    )
    base_qty: Decimal = Field(
        gt=0, le=1_000_000, description="base asset bought on spot and shorted on the perpetual"
    )
    entry_bps: float = Field(
        ge=-10_000, le=10_000, description="open when the net basis (bps) is at least this"
    )
    exit_bps: float = Field(
        ge=-10_000, le=10_000, description="close when the closing basis (bps) is at most this"
    )
    horizon_h: float = Field(
        default=24.0,
        gt=0,
        le=8_760,
        description="hours the position is expected to be held (for the expected funding)",
    )
    funding_interval_h: float = Field(
        default=8.0, gt=0, le=168, description="hours between two funding payments"
    )

    @model_validator(mode="after")
    def _levels(self) -> CashCarryParams:
        spot, perp = parse_instrument(self.spot), parse_instrument(self.perp)
        if ":" in spot.symbol:
            raise ValueError(f"spot must be a spot symbol (no settlement), got {self.spot}")
        if ":" not in perp.symbol:
            raise ValueError(
                f"perp must be a perpetual symbol with its settlement "
                f'(e.g. "BTC/USDT:USDT"), got {self.perp}'
            )
        if self.exit_bps >= self.entry_bps:
            raise ValueError(
                f"exit_bps ({self.exit_bps}) must be below entry_bps ({self.entry_bps})"
            )
        return self


class CashCarryBot(Bot[CashCarryParams]):
    kind = "cash_carry"
    params_model = CashCarryParams

    def __init__(
        self, bot_id: str, params: CashCarryParams, instruments: Mapping[InstrumentId, Instrument]
    ):
        self._spot = parse_instrument(params.spot)
        self._perp = parse_instrument(params.perp)
        super().__init__(bot_id, params, instruments)
        spot, perp = self.instrument(self._spot), self.instrument(self._perp)
        if spot.kind is not InstrumentKind.SPOT:
            raise ValueError(f"{self._spot} is not a spot market ({spot.kind})")
        if perp.kind is not InstrumentKind.PERPETUAL:
            raise ValueError(f"{self._perp} is not a perpetual ({perp.kind})")
        if spot.base != perp.base:
            raise ValueError(f"{self._spot} and {self._perp} are not the same asset")
        #: opening and closing both legs as a taker, in bps
        self._fees_bps = to_float(spot.taker_fee + perp.taker_fee) * 2 * 10_000.0
        self._funding_periods = params.horizon_h / params.funding_interval_h
        self._cooldown_ns = params.cooldown_ms * 1_000_000
        self._reset_position()
        self._last_step_ns: int | None = None

    def _reset_position(self) -> None:
        self._held_spot = ZERO
        self._held_perp = ZERO
        self._entry_basis: float | None = None  # gross, from the fill prices
        self._entry_net: float | None = None  # net, as decided
        self._closing = False

    # -- what the window and the tests read ------------------------------------------------

    @property
    def held(self) -> tuple[Decimal, Decimal]:
        """(spot long, perpetual short), each in its instrument's units."""
        return self._held_spot, self._held_perp

    def net_entry_basis(self, spot: Quote, perp: Quote, funding_rate: float | None) -> float:
        """The basis an opening now would lock in, in bps, net of fees and expected funding."""
        gross = (perp.bid / spot.ask - 1.0) * 10_000.0
        funding = (funding_rate or 0.0) * self._funding_periods * 10_000.0
        return gross - self._fees_bps + funding

    def watched(self) -> tuple[InstrumentId, ...]:
        return (self._spot, self._perp)

    def position_text(self) -> str:
        parts = []
        if self._held_spot > 0:
            parts.append(leg_words("long", self._spot, self._held_spot))
        if self._held_perp > 0:
            parts.append(leg_words("short", self._perp, self._held_perp))
        return " / ".join(parts) or "flat"

    def entry_text(self) -> str:
        if self._entry_basis is None:
            return ""
        net = f" (net {self._entry_net:.1f} bps)" if self._entry_net is not None else ""
        return f"basis {self._entry_basis:.1f} bps{net}"

    # -- decisions -------------------------------------------------------------------------

    def on_quote(self, quote: Quote, ctx: BotContext) -> Step | None:
        now = ctx.now_ns()
        if cooling_down(now, self._last_step_ns, self._cooldown_ns):
            return None
        age = self.params.max_quote_age_ms
        spot = ctx.fresh_quote(self._spot, age)
        perp = ctx.fresh_quote(self._perp, age)
        if spot is None or perp is None or not usable(spot) or not usable(perp):
            return None
        if self.phase == "flat":
            return self._open(spot, perp, ctx)
        closing = (perp.ask / spot.bid - 1.0) * 10_000.0
        if self._closing or closing <= self.params.exit_bps:
            return self._close(spot, perp, closing)
        return None

    def _open(self, spot: Quote, perp: Quote, ctx: BotContext) -> Step | None:
        rate = ctx.funding_rate(self._perp.venue, self._perp.symbol)
        net = self.net_entry_basis(spot, perp, rate)
        if net < self.params.entry_bps:
            return None
        spot_inst, perp_inst = self.instrument(self._spot), self.instrument(self._perp)
        qtys = matched_quantities((spot_inst, perp_inst), self.params.base_qty, spot.ask)
        if qtys is None:
            return None
        legs = (
            leg(spot_inst, Side.BUY, qtys[0], spot),
            leg(perp_inst, Side.SELL, qtys[1], perp),
        )
        detail = {
            "net_bps": net,
            "funding_rate": rate,
            "pnl_start": str(ctx.pnl_total()),
            "opened_ns": ctx.now_ns(),
        }
        return Step("open", legs, f"open at net basis {net:.2f} bps", detail)

    def _close(self, spot: Quote, perp: Quote, closing: float) -> Step | None:
        legs = []
        if self._held_spot > 0:
            legs.append(leg(self.instrument(self._spot), Side.SELL, self._held_spot, spot))
        if self._held_perp > 0:
            legs.append(leg(self.instrument(self._perp), Side.BUY, self._held_perp, perp, True))
        if not legs:
            return None
        return Step("close", tuple(legs), f"close at basis {closing:.2f} bps", {"basis": closing})

    # -- what filled -----------------------------------------------------------------------

    def on_step_done(self, step: Step, result: ExecutionResult, ctx: BotContext) -> None:
        self._last_step_ns = ctx.now_ns()
        f_spot = fill_of(result.legs, self._spot)
        f_perp = fill_of(result.legs, self._perp)
        got_spot = f_spot.filled if f_spot is not None else ZERO
        got_perp = f_perp.filled if f_perp is not None else ZERO
        if got_spot <= 0 and got_perp <= 0:
            return
        if step.action == "close":
            self._held_spot = max(ZERO, self._held_spot - got_spot)
            self._held_perp = max(ZERO, self._held_perp - got_perp)
            if self._held_spot > 0 or self._held_perp > 0:
                self._closing = True
                return
            self.end_cycle(ctx, adds=0, reason="exit")
            self._reset_position()
            return
        detail = step.detail
        if self.phase == "flat":
            self.phase = "open"
            self.cycle_opened_ns = int(detail.get("opened_ns", 0))
            self.cycle_pnl_start = Decimal(str(detail.get("pnl_start", "0")))
            self._entry_net = float(detail["net_bps"]) if "net_bps" in detail else None
        self._held_spot += got_spot
        self._held_perp += got_perp
        if f_spot is not None and f_perp is not None and f_spot.avg_price and f_perp.avg_price:
            self._entry_basis = float(f_perp.avg_price / f_spot.avg_price - 1) * 10_000.0

    # -- the persisted state ---------------------------------------------------------------

    def strategy_state(self) -> dict[str, Any]:
        return {
            "held_spot": str(self._held_spot),
            "held_perp": str(self._held_perp),
            "entry_basis": self._entry_basis,
            "entry_net": self._entry_net,
            "closing": self._closing,
            "last_step_ns": self._last_step_ns,
        }

    def load_strategy_state(self, state: Mapping[str, Any]) -> None:
        self._reset_position()
        self._held_spot = Decimal(str(state.get("held_spot", "0")))
        self._held_perp = Decimal(str(state.get("held_perp", "0")))
        basis, net = state.get("entry_basis"), state.get("entry_net")
        self._entry_basis = float(basis) if basis is not None else None
        self._entry_net = float(net) if net is not None else None
        self._closing = bool(state.get("closing", False))
        last = state.get("last_step_ns")
        self._last_step_ns = int(last) if last is not None else None
