"""Cross-exchange arbitrage: take the cross scanner's opportunities, both legs at once.

The scanner found the edge on the quotes it had; by the time the decision reaches the bot they may
have moved, so the bot re-reads both legs' fresh quotes and takes the trade only if the edge after
both taker fees still holds there, sized equally in base on both legs within ``max_qty`` and
``max_notional`` and the size now visible. Each executed opportunity is one cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator, model_validator

from app.core.instruments import Instrument, InstrumentId, split_symbol
from app.core.money import ZERO, to_decimal, to_float
from app.core.opportunities import Opportunity, OpportunityKind, Signal
from app.core.orders import Side
from app.core.quotes import Quote
from app.engine.bots.base import (
    Bot,
    BotContext,
    base_per_unit,
    cooling_down,
    leg,
    matched_quantities,
)
from app.engine.bots.kit import usable
from app.engine.bots.model import Step
from app.engine.bots.params import BotParams
from app.engine.execution import ExecutionResult


class CrossArbParams(BotParams):
    symbols: list[str] = Field(
        default_factory=list,
        max_length=200,
        description='unified symbols traded (e.g. "BTC/USDT"); empty: every symbol',
    )
    venues: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="venues traded on (both legs); empty: every venue",
    )
    min_edge_bps: float = Field(
        default=0.0,
        ge=0,
        le=10_000,
        description="take a trade only if its edge after taker fees, at the current quotes, "
        "is positive and at least this (bps)",
    )
    max_qty: Decimal | None = Field(
        default=None, gt=0, le=1_000_000, description="most base asset traded on each leg"
    )
    max_notional: Decimal | None = Field(
        default=None, gt=0, le=1_000_000_000, description="most quote currency bought per trade"
    )

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, value: list[str]) -> list[str]:
        for symbol in value:
            try:
                split_symbol(symbol)
            except ValueError:
                raise ValueError(
                    f'{symbol!r} is not a unified symbol (e.g. "BTC/USDT", "BTC/USDT:USDT")'
                ) from None
        return value

    @field_validator("venues")
    @classmethod
    def _venues(cls, value: list[str]) -> list[str]:
        for venue in value:
            if not venue or ":" in venue or any(c.isspace() for c in venue):
                raise ValueError(f'{venue!r} is not a venue name (e.g. "binance")')
        return value

    @model_validator(mode="after")
    def _size(self) -> CrossArbParams:
        if self.max_qty is None and self.max_notional is None:
            raise ValueError("set max_qty (base) or max_notional (quote), or both")
        return self


class CrossArbBot(Bot[CrossArbParams]):
    kind = "cross_arb"
    params_model = CrossArbParams
    takes = frozenset({OpportunityKind.CROSS})

    def __init__(
        self, bot_id: str, params: CrossArbParams, instruments: Mapping[InstrumentId, Instrument]
    ):
        self._symbols = frozenset(params.symbols)
        self._venues = frozenset(params.venues)
        super().__init__(bot_id, params, instruments)
        known_venues = {i.venue for i in instruments}
        for venue in params.venues:
            if venue not in known_venues:
                raise ValueError(f"{venue} is not a venue of this market")
        for symbol in params.symbols:
            if not any(i.symbol == symbol and self._venue_ok(i.venue) for i in instruments):
                raise ValueError(f"{symbol} is not listed on the venues of this bot")
        self._cooldown_ns = params.cooldown_ms * 1_000_000
        self._last_step_ns: int | None = None
        self._last_edge: float | None = None
        self._residual: tuple[str, ...] = ()

    # -- what the window and the tests read ------------------------------------------------

    def watched(self) -> tuple[InstrumentId, ...]:
        """The instruments of the filter; none when the bot takes every market (it reads the
        quotes it needs when an opportunity arrives)."""
        if not self._symbols and not self._venues:
            return ()
        return tuple(sorted(i for i in self._instruments if self._allowed(i)))

    def position_text(self) -> str:
        return "; ".join(self._residual) if self._residual else "flat"

    def entry_text(self) -> str:
        return f"edge {self._last_edge:.1f} bps" if self._last_edge is not None else ""

    def on_quote(self, quote: Quote, ctx: BotContext) -> Step | None:
        return None

    # -- decisions -------------------------------------------------------------------------

    def on_opportunity(self, opp: Opportunity, ctx: BotContext) -> Step | None:
        p = self.params
        if opp.kind not in self.takes or opp.signal is not Signal.ENTRY or len(opp.legs) != 2:
            return None
        if not all(self._allowed(i) for i in opp.instruments) or opp.edge_bps < p.min_edge_bps:
            return None
        now = ctx.now_ns()
        if cooling_down(now, self._last_step_ns, self._cooldown_ns):
            return None
        buys = [x for x in opp.legs if x.side is Side.BUY]
        sells = [x for x in opp.legs if x.side is Side.SELL]
        if len(buys) != 1 or len(sells) != 1:
            return None
        buy_id, sell_id = buys[0].instrument_id, sells[0].instrument_id
        if buy_id not in self._instruments or sell_id not in self._instruments:
            return None
        q_buy = ctx.fresh_quote(buy_id, p.max_quote_age_ms)
        q_sell = ctx.fresh_quote(sell_id, p.max_quote_age_ms)
        if q_buy is None or q_sell is None or not usable(q_buy) or not usable(q_sell):
            return None
        buy_inst, sell_inst = self.instrument(buy_id), self.instrument(sell_id)
        edge = self.edge_bps(buy_inst, q_buy, sell_inst, q_sell)
        if edge <= 0 or edge < p.min_edge_bps:
            return None
        base = self._size(buy_inst, q_buy, sell_inst, q_sell)
        qtys = matched_quantities((buy_inst, sell_inst), base, q_buy.ask) if base > 0 else None
        if qtys is None:
            return None
        legs = (leg(buy_inst, Side.BUY, qtys[0], q_buy), leg(sell_inst, Side.SELL, qtys[1], q_sell))
        detail: dict[str, Any] = {
            "key": opp.key,
            "edge_bps": edge,
            "scanned_edge_bps": opp.edge_bps,
            "pnl_start": str(ctx.pnl_total()),
            "opened_ns": now,
        }
        note = f"buy {buy_id} / sell {sell_id} at {edge:.2f} bps"
        return Step("arb", legs, note, detail)

    @staticmethod
    def edge_bps(buy: Instrument, q_buy: Quote, sell: Instrument, q_sell: Quote) -> float:
        """Buying at ``q_buy``'s ask and selling at ``q_sell``'s bid, after both taker fees."""
        keep_buy = 1.0 - to_float(buy.taker_fee)
        keep_sell = 1.0 - to_float(sell.taker_fee)
        return (q_sell.bid * keep_sell * keep_buy / q_buy.ask - 1.0) * 10_000.0

    def _size(self, buy: Instrument, q_buy: Quote, sell: Instrument, q_sell: Quote) -> Decimal:
        """Base asset to trade: the visible size of both sides, within the caps."""
        ask, bid = to_decimal(q_buy.ask), to_decimal(q_sell.bid)
        base = min(
            to_decimal(q_buy.ask_qty) * base_per_unit(buy, q_buy.ask),
            to_decimal(q_sell.bid_qty) * base_per_unit(sell, q_sell.bid),
        )
        if self.params.max_qty is not None:
            base = min(base, self.params.max_qty)
        if self.params.max_notional is not None:
            base = min(base, self.params.max_notional / ask)
        return base if base > 0 and bid > 0 else ZERO

    # -- what filled -----------------------------------------------------------------------

    def on_step_done(self, step: Step, result: ExecutionResult, ctx: BotContext) -> None:
        self._last_step_ns = ctx.now_ns()
        if not any(f.filled > 0 for f in result.legs):
            return
        detail = step.detail
        self.cycle_opened_ns = int(detail.get("opened_ns", 0))
        self.cycle_pnl_start = Decimal(str(detail.get("pnl_start", "0")))
        self._last_edge = float(detail["edge_bps"]) if "edge_bps" in detail else None
        buy = next((f for f in result.legs if f.side is Side.BUY), None)
        sell = next((f for f in result.legs if f.side is Side.SELL), None)
        if buy is not None and sell is not None and buy.avg_price and sell.avg_price:
            b, s = (
                self.instrument(InstrumentId(buy.venue, buy.symbol)),
                self.instrument(InstrumentId(sell.venue, sell.symbol)),
            )
            self._last_edge = (
                float(sell.avg_price * (1 - s.taker_fee) * (1 - b.taker_fee) / buy.avg_price - 1)
                * 10_000.0
            )
        self._residual = result.residual
        reason = "filled" if result.complete else "partial"
        self.end_cycle(ctx, adds=0, reason=reason)

    # -- the persisted state ---------------------------------------------------------------

    def strategy_state(self) -> dict[str, Any]:
        return {
            "last_step_ns": self._last_step_ns,
            "last_edge": self._last_edge,
            "residual": list(self._residual),
        }

    def load_strategy_state(self, state: Mapping[str, Any]) -> None:
        last = state.get("last_step_ns")
        self._last_step_ns = int(last) if last is not None else None
        edge = state.get("last_edge")
        self._last_edge = float(edge) if edge is not None else None
        self._residual = tuple(str(r) for r in state.get("residual", []))

    # -- helpers ---------------------------------------------------------------------------

    def _venue_ok(self, venue: str) -> bool:
        return not self._venues or venue in self._venues

    def _allowed(self, inst: InstrumentId) -> bool:
        return self._venue_ok(inst.venue) and (not self._symbols or inst.symbol in self._symbols)
