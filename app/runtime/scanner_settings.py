"""Settings of the scanners and of the decisions between them and the bots (the ``[scanners]``
section of settings.toml).

Each scanner's ``min_edge_bps`` is a floor below which it builds nothing (it keeps the quote path
cheap); ``decisions`` is what may reach the bots. Every model forbids unknown keys, as in
``app/engine/settings.py``.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: How far below zero a floor may go: below that, scanners would build an object for nearly every
#: path on every quote.
_LOWEST_FLOOR_BPS = -100.0


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _instrument_ref(value: str) -> str:
    venue, sep, symbol = value.partition(":")
    if not sep or not venue or not symbol:
        raise ValueError(f'expected "venue:symbol" (e.g. "binance:BTC/USDT"), got {value!r}')
    return value


def _instrument_refs(values: list[str]) -> list[str]:
    return [_instrument_ref(v) for v in values]


class CrossSettings(_Section):
    enabled: bool = True
    min_edge_bps: float = Field(default=0.0, ge=_LOWEST_FLOOR_BPS, le=10_000)
    venues: list[str] = Field(default_factory=list, description="empty: every venue")


class TriangularSettings(_Section):
    enabled: bool = True
    min_edge_bps: float = Field(default=0.0, ge=_LOWEST_FLOOR_BPS, le=10_000)
    venues: list[str] = Field(default_factory=list, description="empty: every venue")


class CyclesSettings(_Section):
    enabled: bool = True
    max_len: int = Field(default=4, ge=2, le=6, description="most legs in a cycle")
    min_edge_bps: float = Field(default=0.0, ge=0, le=10_000)
    interval_ms: int = Field(default=1_000, ge=50, le=3_600_000, description="search period")
    cross_venue: bool = Field(default=False, description="cycles may use several venues")
    max_results: int = Field(default=100, ge=1, le=100_000, description="best cycles kept")
    venues: list[str] = Field(default_factory=list, description="empty: every venue")


DerivativeKind = Literal["perpetual", "future"]


def _all_derivatives() -> list[DerivativeKind]:
    return ["perpetual", "future"]


class BasisSettings(_Section):
    enabled: bool = True
    entry_edge_bps: float = Field(default=0.0, ge=_LOWEST_FLOOR_BPS, le=10_000)
    exit_basis_bps: float = Field(default=0.0, ge=-10_000, le=10_000)
    min_annualized_bps: float | None = Field(default=None, description="dated futures only")
    cross_venue: bool = True
    derivatives: list[DerivativeKind] = Field(default_factory=_all_derivatives, min_length=1)
    reverse: bool = Field(default=False, description="also short spot / long derivative")
    quote_groups: list[list[str]] = Field(
        default_factory=list, description='quotes taken as the same money, e.g. [["USD", "USDT"]]'
    )
    venues: list[str] = Field(default_factory=list, description="empty: every venue")


class PairSpec(_Section):
    leg1: str
    leg2: str

    _check = field_validator("leg1", "leg2")(_instrument_ref)

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if self.leg1 == self.leg2:
            raise ValueError(f"both legs are {self.leg1}")
        return self


class PairsSettings(_Section):
    enabled: bool = True
    pairs: list[PairSpec] = Field(default_factory=list)
    window: int = Field(default=300, ge=10, le=100_000, description="samples in the fit")
    sample_interval_ms: int = Field(default=1_000, gt=0)
    entry_z: float = Field(default=2.0, gt=0, le=20)
    exit_z: float = Field(default=0.5, ge=0, le=20)
    min_edge_bps: float = Field(default=0.0, ge=_LOWEST_FLOOR_BPS, le=10_000)

    @model_validator(mode="after")
    def _hysteresis(self) -> Self:
        if not self.exit_z < self.entry_z:
            raise ValueError(f"exit_z ({self.exit_z}) must be below entry_z ({self.entry_z})")
        return self


class DecisionSettings(_Section):
    """What may reach the bots. Empty allow lists allow everything; block lists always win."""

    venues_allow: list[str] = Field(default_factory=list)
    venues_block: list[str] = Field(default_factory=list)
    assets_allow: list[str] = Field(default_factory=list)
    assets_block: list[str] = Field(default_factory=list)
    instruments_allow: list[str] = Field(default_factory=list, description='"venue:symbol"')
    instruments_block: list[str] = Field(default_factory=list, description='"venue:symbol"')
    min_edge_bps: float = Field(default=0.0, ge=-10_000, le=10_000)
    max_quote_age_ms: int = Field(default=1_000, gt=0)
    min_size: float = Field(default=0.0, ge=0, description="in size_currency")
    size_currency: str = Field(default="USDT", min_length=1)
    exchange_minimums: bool = Field(default=True, description="legs meet min qty and notional")
    cooldown_ms: int = Field(default=1_000, ge=0, description="per opportunity key")
    max_concurrent_per_instrument: int = Field(default=1, ge=1, le=1_000)
    hold_ms: int = Field(default=1_000, gt=0, description="an accepted one counts this long")

    _refs = field_validator("instruments_allow", "instruments_block")(_instrument_refs)


class ScannersSettings(_Section):
    enabled: bool = True
    taker_fee_bps: dict[str, float] = Field(
        default_factory=dict, description="per venue, instead of the instruments' taker fee"
    )
    sample_interval_ms: int = Field(default=1_000, gt=0, description="store, per key")
    cross: CrossSettings = CrossSettings()
    triangular: TriangularSettings = TriangularSettings()
    cycles: CyclesSettings = CyclesSettings()
    basis: BasisSettings = BasisSettings()
    pairs: PairsSettings = PairsSettings()
    decisions: DecisionSettings = DecisionSettings()

    @field_validator("taker_fee_bps")
    @classmethod
    def _fees(cls, value: dict[str, float]) -> dict[str, float]:
        for venue, bps in value.items():
            if not 0 <= bps < 10_000:
                raise ValueError(f"taker fee of {venue} must be within [0, 10000) bps, got {bps}")
        return value
