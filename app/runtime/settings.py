"""Typed, validated settings. Defaults here and in ``resources/default_settings.toml`` agree
(a test holds them together); the user's ``settings.toml`` overrides any of them.

Every model forbids unknown keys, so a typo is an error that names the key, not a silent default.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.runtime.alert_settings import AlertsSettings
from app.runtime.risk_settings import OmsSettings, RiskSettings
from app.runtime.scanner_settings import ScannersSettings

LIVE_NEEDS_LIVE_SOURCE = (
    'mode = "live" trades real money on the exchanges of market.source = "live" '
    "(with [live] accounts); the simulated and replayed markets are paper only"
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _default_balances() -> dict[str, Decimal]:
    return {"USDT": Decimal(100_000), "BTC": Decimal(1), "ETH": Decimal(10)}


class PaperSettings(_Section):
    starting_balances: dict[str, Decimal] = Field(default_factory=_default_balances)
    latency_ms: float = Field(default=0.0, ge=0, le=10_000)
    leverage: Decimal = Field(default=Decimal(10), gt=0, le=125)
    state_file: str = Field(default="paper.sqlite", min_length=1)

    @field_validator("starting_balances")
    @classmethod
    def _non_negative(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for asset, amount in value.items():
            if amount < 0:
                raise ValueError(f"starting balance of {asset} must be >= 0, got {amount}")
        return value


class MarketSettings(_Section):
    source: Literal["sim", "replay", "live"] = "sim"
    speed: float | Literal["max"] = Field(default=1.0, description="market seconds per second")

    @field_validator("speed")
    @classmethod
    def _positive(cls, value: float | str) -> float | str:
        if isinstance(value, float) and not 0 < value <= 1_000_000:
            raise ValueError('speed must be a factor > 0 (1 = real time) or "max"')
        return value

    @property
    def speed_factor(self) -> float | None:
        """None: as fast as possible."""
        return None if self.speed == "max" else float(self.speed)


class SimSettings(_Section):
    seed: int = 1
    venues: list[str] = Field(default_factory=lambda: ["sim-a", "sim-b", "sim-c"], min_length=1)
    quote_rate_hz: float = Field(default=10.0, gt=0, le=100_000)


class ReplaySettings(_Section):
    file: str = Field(default="", description="empty: the bundled real Binance sample")


class LiveUrls(_Section):
    """Base URLs that replace scheme, host and port of every ccxt URL of one account or
    exchange (regional endpoints, a proxy, a loopback fake); the paths are kept."""

    rest: str = ""
    ws: str = ""

    @field_validator("rest", "ws")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and "://" not in value:
            raise ValueError(f"not a base URL (scheme://host[:port]): {value!r}")
        return value


class LiveSettings(_Section):
    """Live exchanges through ccxt (``market.source = "live"``)."""

    venues: list[str] = Field(
        default_factory=lambda: ["binance"],
        description="exchanges (ccxt ids) whose public quotes paper trading uses; no keys",
    )
    accounts: list[str] = Field(
        default_factory=list,
        description='account labels (arbdesk keys add) that mode = "live" trades',
    )
    symbols: list[str] = Field(
        default_factory=lambda: ["BTC/USDT", "ETH/USDT"],
        description="unified symbols to stream and trade, where each exchange has them",
    )
    market_type: Literal["spot", "swap"] = Field(
        default="spot", description="markets of the public venues (accounts have their own)"
    )
    urls: dict[str, LiveUrls] = Field(
        default_factory=dict, description="per account label or exchange id"
    )
    stale_after_ms: int = Field(default=5_000, gt=0)
    poll_interval_ms: int = Field(default=1_000, gt=0)
    request_timeout_ms: int = Field(
        default=8_000, gt=0, description="ccxt's own timeout, below oms.venue_timeout_s"
    )
    load_timeout_s: float = Field(default=30.0, gt=0)

    @field_validator("venues", "accounts", "symbols")
    @classmethod
    def _no_blanks(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item or item != item.strip():
                raise ValueError(f"not a name: {item!r}")
        if len(set(value)) != len(value):
            raise ValueError("each at most once")
        return value


class MarketDataSettings(_Section):
    max_quote_age_ms: int = Field(default=5_000, gt=0)
    check_interval_ms: int = Field(default=250, gt=0)
    spread_sample_interval_ms: int = Field(default=1_000, gt=0)


class PortfolioSettings(_Section):
    valuation_currencies: list[str] = Field(default_factory=lambda: ["USDT", "BTC"], min_length=1)
    equity_snapshot_abs: Decimal = Field(default=Decimal(25), ge=0)
    equity_snapshot_rel: Decimal = Field(default=Decimal("0.0005"), ge=0, le=1)
    revalue_interval_ms: int = Field(default=1_000, gt=0)
    stable_equivalents: list[str] = Field(
        default_factory=lambda: ["USD", "USDT", "USDC"],
        description="assets valued as one money (the peg is assumed); empty: each on its own",
    )

    @field_validator("stable_equivalents")
    @classmethod
    def _asset_codes(cls, value: list[str]) -> list[str]:
        for asset in value:
            if not asset or asset != asset.strip() or " " in asset:
                raise ValueError(f"not an asset code: {asset!r}")
        if len(set(value)) != len(value):
            raise ValueError("each asset at most once")
        return value


class HealthSettings(_Section):
    loop_lag_interval_ms: int = Field(default=100, gt=0)
    venue_stale_ms: int = Field(default=10_000, gt=0)


class StoreSettings(_Section):
    url: str = Field(default="", description="SQLAlchemy URL; empty: SQLite in the data folder")


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class UiSettings(_Section):
    language: Literal["auto", "en", "zh_CN"] = Field(
        default="auto", description="the window's language; auto: the system's locale"
    )


class Settings(_Section):
    """Everything configurable; each section validated on its own."""

    mode: Literal["paper", "live"] = "paper"
    market: MarketSettings = MarketSettings()
    paper: PaperSettings = PaperSettings()
    sim: SimSettings = SimSettings()
    replay: ReplaySettings = ReplaySettings()
    live: LiveSettings = LiveSettings()
    market_data: MarketDataSettings = MarketDataSettings()
    portfolio: PortfolioSettings = PortfolioSettings()
    health: HealthSettings = HealthSettings()
    store: StoreSettings = StoreSettings()
    logging: LoggingSettings = LoggingSettings()
    ui: UiSettings = UiSettings()
    risk: RiskSettings = RiskSettings()
    scanners: ScannersSettings = ScannersSettings()
    oms: OmsSettings = OmsSettings()
    alerts: AlertsSettings = AlertsSettings()

    @model_validator(mode="after")
    def _live_needs_live_venues(self) -> Settings:
        """A LIVE banner over simulated venues would be a lie; and ccxt must give up on a
        request before the OMS does, or an answer could arrive after it settled the order."""
        if self.mode == "live" and self.market.source != "live":
            raise ValueError(LIVE_NEEDS_LIVE_SOURCE)
        if self.mode == "live" and not self.live.accounts:
            raise ValueError('mode = "live" needs live.accounts: the labels of your accounts')
        live_source = self.market.source == "live"
        if live_source and self.live.request_timeout_ms >= self.oms.venue_timeout_s * 1000:
            raise ValueError(
                f"live.request_timeout_ms ({self.live.request_timeout_ms}) must be below "
                f"oms.venue_timeout_s ({self.oms.venue_timeout_s:g} s)"
            )
        return self
