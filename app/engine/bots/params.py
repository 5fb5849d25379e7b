"""What every bot's parameters have in common: execution, leg risk, capital and quote age.

One pydantic model per bot kind (a subclass of ``BotParams``) validates the TOML of
``arbdesk replay --bots``, the window's form (generated from the fields: their descriptions,
bounds and defaults) and what the store holds, so there is one definition of what is allowed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.engine.capital import PoolSpec


class BotParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pool: dict[str, Decimal] = Field(
        default_factory=dict,
        description='capital the bot may spend, per "venue:ASSET" (e.g. "binance:USDT" = 5000)',
    )
    pool_share: Decimal | None = Field(
        default=None,
        gt=0,
        le=1,
        description="or a share of each venue's free balance (0-1); used when pool is empty",
    )
    slippage_bps: float = Field(
        default=5.0, ge=0, le=500, description="IOC limit this far past the quoted price"
    )
    leg_risk: Literal["hedge", "unwind"] = Field(
        default="hedge", description="when one leg fills and another does not"
    )
    leg_retries: int = Field(default=3, ge=0, le=10, description="hedge or unwind attempts")
    leg_retry_delay_ms: int = Field(
        default=0,
        ge=0,
        le=60_000,
        description="market time before each retry after the first (a backtest needs > 0: "
        "the replay's market stands still while a step runs)",
    )
    leg_timeout_ms: int = Field(
        default=5_000, ge=10, le=600_000, description="market time a leg may take to end"
    )
    maker_first: bool = Field(default=False, description="post-only first, then taker")
    maker_timeout_ms: int = Field(
        default=2_000, ge=10, le=600_000, description="market time before the taker fallback"
    )
    max_quote_age_ms: int = Field(
        default=2_000, ge=1, le=600_000, description="never trade a leg on an older quote"
    )
    cooldown_ms: int = Field(
        default=1_000, ge=0, le=86_400_000, description="market time between two steps"
    )

    @field_validator("pool")
    @classmethod
    def _pool_keys(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for key, amount in value.items():
            venue, _, asset = key.partition(":")
            if not venue or not asset:
                raise ValueError(f'pool key {key!r} must be "venue:ASSET"')
            if amount <= 0:
                raise ValueError(f"pool amount of {key} must be > 0, got {amount}")
        return value

    def pool_spec(self) -> PoolSpec:
        if self.pool:
            amounts = {tuple(k.split(":", 1)): v for k, v in self.pool.items()}
            return PoolSpec(amounts={(v, a): amt for (v, a), amt in amounts.items()})
        return PoolSpec(share=self.pool_share if self.pool_share is not None else Decimal(1))
