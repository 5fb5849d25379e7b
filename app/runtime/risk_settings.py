"""Risk limits: global defaults, partial overrides per bot, and the automatic-halt triggers.

Notional limits are in the first valuation currency (USDT by default).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RiskLimits(_Section):
    max_quote_age_ms: int = Field(default=3_000, gt=0)
    price_band_bps: float = Field(default=300.0, gt=0, le=10_000)
    max_order_notional: Decimal = Field(default=Decimal(50_000), gt=0)
    max_position_notional: Decimal = Field(default=Decimal(200_000), gt=0)
    max_gross_exposure: Decimal = Field(default=Decimal(1_000_000), gt=0)
    max_open_orders: int = Field(default=500, gt=0)
    max_open_orders_per_instrument: int = Field(default=100, gt=0)
    order_rate_per_s: float = Field(default=20.0, gt=0)
    order_burst: int = Field(default=40, gt=0)
    cancel_rate_per_s: float = Field(default=50.0, gt=0)
    cancel_burst: int = Field(default=100, gt=0)
    duplicate_window_ms: int = Field(default=500, ge=0)


def partial(model: type[_Section]) -> type[_Section]:
    """``model`` with every field optional: None (the default) means "not given", and a value
    given meets the field's own constraints. Decision: overrides are derived, not copied, so a
    new limit is declared once and every override takes it."""
    annotated: Any = Annotated  # subscripted with run-time values: not a type expression here
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation: Any = info.annotation
        optional = annotated[annotation | None, *info.metadata]  # the constraints, e.g. gt=0
        fields[name] = (optional, Field(default=None, description=info.description))
    return create_model(f"Partial{model.__name__}", __base__=_Section, **fields)


class RiskLimitsOverride(partial(RiskLimits)):  # type: ignore[misc]  # fields made at run time
    """Any subset of ``RiskLimits`` for one bot; what it leaves out comes from the global ones."""


class HaltSettings(_Section):
    daily_loss_limit: Decimal = Field(default=Decimal(10_000), gt=0)
    max_drawdown_pct: Decimal = Field(default=Decimal(15), gt=0, le=100)
    reject_storm_count: int = Field(default=25, gt=0)
    reject_storm_window_s: float = Field(default=10.0, gt=0)
    venue_down_halt_s: float = Field(default=30.0, gt=0)
    check_interval_ms: int = Field(default=1_000, gt=0)


class OmsSettings(_Section):
    submit_retries: int = Field(default=3, ge=0, le=10)
    settle_attempts: int = Field(default=8, ge=1, le=100)
    settle_backoff_s: float = Field(default=0.25, gt=0)
    venue_timeout_s: float = Field(default=10.0, gt=0)
    panic_cancel_retries: int = Field(default=4, ge=0, le=20)


class RiskSettings(_Section):
    limits: RiskLimits = RiskLimits()
    per_bot: dict[str, RiskLimitsOverride] = Field(default_factory=dict)
    halts: HaltSettings = HaltSettings()
