"""The price model of the simulated market: what moves, by how much, and who sees it when.

All prices are log-prices built from a few latent processes simulated on a 10 ms grid:

- a common random walk of BTC and ETH in USD (correlated, with rare market-wide jumps);
- per venue and asset, a mean-reverting (Ornstein-Uhlenbeck) deviation with occasional
  *dislocations* (jumps that then decay): a venue's local order flow. Two venues apart by more
  than both taker fees are a cross-venue opportunity until the dislocation decays;
- a deviation of the ETH/BTC books from the cross rate of the USDT books, market-wide (the ETH/BTC
  market as a whole decouples for a few seconds) plus a small per-venue part, and a larger lag: a
  triangular opportunity when it exceeds three taker fees. Being mostly market-wide, it does not
  flood the cross-venue ETH/BTC comparisons;
- per asset, a common perpetual basis (slowly mean-reverting around a small premium) plus a venue
  deviation with jumps (liquidations, funding squeezes): a basis opportunity when perp and spot on
  one venue are apart by more than both taker fees.

Each venue sees its prices some milliseconds late (the common price reaches it after ``lag``).
Quotes arrive as a Poisson process per instrument; spreads and visible sizes are drawn per quote
(log-normal around a venue's typical values) and rounded to the instrument's tick and step.

Everything random comes from one ``numpy`` generator, drawn in blocks of one market second in a
fixed order: the same seed gives the same quotes at the same times, whatever the wall clock does.
Per-quote Python work is one ``Quote`` construction.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt

from app.core.instruments import Instrument, InstrumentKind
from app.core.money import to_float
from app.core.quotes import Quote

FloatArray = npt.NDArray[np.float64]

#: Market time of the first simulated instant: 2026-01-01T00:00:00Z.
SIM_EPOCH_NS: Final = 1_767_225_600 * 1_000_000_000
GRID_NS: Final = 10_000_000  # 10 ms: the resolution of prices (quotes in between reuse them)
BLOCK_NS: Final = 1_000_000_000  # random draws are made one market second at a time
_STEPS: Final = BLOCK_NS // GRID_NS
_DT: Final = GRID_NS / 1e9
_SECONDS_PER_YEAR: Final = 365.0 * 86_400.0
_BP: Final = 1e-4

ASSETS: Final = ("BTC", "ETH")
#: Symbols every simulated venue lists, in this order.
SIM_SYMBOLS: Final = ("BTC/USDT", "ETH/USDT", "ETH/BTC", "BTC/USDT:USDT", "ETH/USDT:USDT")


@dataclass(frozen=True, slots=True)
class OuParams:
    """A mean-reverting deviation (fractions of price) with jumps that decay at the same rate."""

    half_life_s: float
    sd: float  # stationary standard deviation without jumps
    jumps_per_min: float = 0.0
    jump_sd: float = 0.0
    mean: float = 0.0


@dataclass(frozen=True, slots=True)
class ModelParams:
    """Knobs of the price model. The defaults were tuned so that, with the default venues,
    cross-venue, triangular and basis opportunities after taker fees each exist in a few percent
    of the time and come and go within seconds (see tests/unit/venues/test_sim_opportunities.py).
    """

    btc_usd: float = 90_000.0
    eth_usd: float = 3_000.0
    btc_vol: float = 0.50  # annualised
    eth_vol: float = 0.65
    correlation: float = 0.80
    market_jumps_per_min: float = 0.5  # moves both assets at once; lagging venues see them late
    market_jump_sd: float = 12 * _BP
    eth_jump_beta: float = 1.3
    venue_flow: OuParams = OuParams(
        half_life_s=4.0, sd=1.5 * _BP, jumps_per_min=0.08, jump_sd=26 * _BP
    )
    cross_book: OuParams = OuParams(
        half_life_s=4.0, sd=2.0 * _BP, jumps_per_min=1.0, jump_sd=30 * _BP
    )
    venue_cross_book: OuParams = OuParams(
        half_life_s=5.0, sd=1.5 * _BP, jumps_per_min=0.05, jump_sd=25 * _BP
    )
    btc_basis: OuParams = OuParams(half_life_s=120.0, sd=1.5 * _BP, mean=5 * _BP)
    eth_basis: OuParams = OuParams(half_life_s=120.0, sd=2.0 * _BP, mean=6 * _BP)
    venue_basis: OuParams = OuParams(
        half_life_s=6.0, sd=1.5 * _BP, jumps_per_min=0.25, jump_sd=12 * _BP
    )
    cross_book_extra_lag_ms: float = 150.0  # the ETH/BTC book reacts later than the USDT books
    spread_sigma: float = 0.5  # log-normal dispersion of the spread around its typical value
    size_sigma: float = 1.0  # same for visible sizes
    funding_half_life_s: float = 60.0  # premium index: an average of the basis over about this long
    funding_cap: float = 0.0075  # per 8 h; exchanges cap funding per contract (illustrative value)


@dataclass(frozen=True, slots=True)
class _Spec:
    """Trading rules and typical book of one symbol on one venue template."""

    tick: str
    step: str
    min_qty: str
    min_notional: str
    maker: str
    taker: str
    spread_bps: float
    size: float  # median visible quantity at the best price, base units


@dataclass(frozen=True, slots=True)
class VenueProfile:
    """How one simulated venue differs: lag behind the common price, wire latency, rules, books."""

    lag_ms: float
    latency_ms: float
    specs: tuple[_Spec, _Spec, _Spec, _Spec, _Spec]  # in SIM_SYMBOLS order


# Three templates loosely after Binance (with the BNB fee discount), OKX and Bybit: values of
# the real venues' tick/step/minimum/fee tables, spreads and sizes typical of their top of book.
_TEMPLATES: Final = (
    VenueProfile(
        lag_ms=0.0,
        latency_ms=3.0,
        specs=(
            _Spec("0.01", "0.00001", "0.00001", "5", "0.00075", "0.00075", 0.3, 0.6),
            _Spec("0.01", "0.0001", "0.0001", "5", "0.00075", "0.00075", 0.5, 10.0),
            _Spec("0.00001", "0.0001", "0.0001", "0.0001", "0.00075", "0.00075", 3.0, 4.0),
            _Spec("0.1", "0.001", "0.001", "100", "0.00018", "0.00045", 0.2, 2.5),
            _Spec("0.01", "0.001", "0.001", "20", "0.00018", "0.00045", 0.3, 40.0),
        ),
    ),
    VenueProfile(
        lag_ms=120.0,
        latency_ms=9.0,
        specs=(
            _Spec("0.1", "0.00000001", "0.00001", "0", "0.0008", "0.001", 0.6, 0.4),
            _Spec("0.01", "0.000001", "0.0001", "0", "0.0008", "0.001", 0.8, 6.0),
            _Spec("0.00001", "0.000001", "0.001", "0", "0.0008", "0.001", 4.0, 2.5),
            _Spec("0.1", "0.0001", "0.0001", "0", "0.0002", "0.0005", 0.3, 1.5),
            _Spec("0.01", "0.001", "0.001", "0", "0.0002", "0.0005", 0.5, 25.0),
        ),
    ),
    VenueProfile(
        lag_ms=350.0,
        latency_ms=22.0,
        specs=(
            _Spec("0.01", "0.000001", "0.000048", "1", "0.001", "0.001", 1.0, 0.3),
            _Spec("0.01", "0.00001", "0.00062", "1", "0.001", "0.001", 1.2, 4.0),
            _Spec("0.00001", "0.00001", "0.001", "0.0001", "0.001", "0.001", 5.0, 1.5),
            _Spec("0.1", "0.001", "0.001", "5", "0.0002", "0.00055", 0.4, 1.0),
            _Spec("0.01", "0.01", "0.01", "5", "0.0002", "0.00055", 0.6, 15.0),
        ),
    ),
)


def venue_profile(index: int) -> VenueProfile:
    """The profile of the ``index``-th venue: the templates in turn, each round a little later."""
    template = _TEMPLATES[index % len(_TEMPLATES)]
    extra = 60.0 * (index // len(_TEMPLATES))
    return VenueProfile(template.lag_ms + extra, template.latency_ms + extra / 10, template.specs)


def build_instruments(venues: Sequence[str]) -> list[Instrument]:
    """The instruments of the simulated venues, venue by venue in ``SIM_SYMBOLS`` order."""
    out: list[Instrument] = []
    for index, venue in enumerate(venues):
        profile = venue_profile(index)
        for symbol, spec in zip(SIM_SYMBOLS, profile.specs, strict=True):
            pair, _, settle = symbol.partition(":")
            base, quote = pair.split("/")
            out.append(
                Instrument(
                    venue=venue,
                    symbol=symbol,
                    base=base,
                    quote=quote,
                    kind=InstrumentKind.PERPETUAL if settle else InstrumentKind.SPOT,
                    tick_size=Decimal(spec.tick),
                    step_size=Decimal(spec.step),
                    min_qty=Decimal(spec.min_qty),
                    min_notional=Decimal(spec.min_notional),
                    maker_fee=Decimal(spec.maker),
                    taker_fee=Decimal(spec.taker),
                    settle=settle or None,
                )
            )
    return out


def _ou_arrays(params: Sequence[OuParams]) -> tuple[FloatArray, ...]:
    for p in params:
        # The closed form of next_block multiplies by phi^-k over a block: fine down to ~50 ms.
        if not p.half_life_s >= 0.05 or p.sd < 0 or p.jumps_per_min < 0 or p.jump_sd < 0:
            raise ValueError(f"bad OU parameters (half-life >= 0.05 s, the rest >= 0): {p}")
    phi = np.array([math.exp(-math.log(2.0) * _DT / p.half_life_s) for p in params])
    innovation = np.array([p.sd for p in params]) * np.sqrt(1.0 - phi**2)
    jump_p = np.array([p.jumps_per_min / 60.0 * _DT for p in params])
    jump_sd = np.array([p.jump_sd for p in params])
    mean = np.array([p.mean for p in params])
    sd = np.array([p.sd for p in params])
    return phi, innovation, jump_p, jump_sd, mean, sd


class PriceModel:
    """Generates the quotes of ``venues`` one market second at a time (``next_block``).

    Latent state: the common log prices ``c`` (2), and OU deviations ``y`` (5 per venue: BTC flow,
    ETH flow, ETH/BTC book, BTC basis, ETH basis; then the common BTC basis, ETH basis and ETH/BTC
    book). The log mid of every instrument is a fixed linear combination of them (rows of ``_mix``).
    """

    def __init__(
        self,
        venues: Sequence[str],
        seed: int,
        quote_rate_hz: float,
        params: ModelParams | None = None,
    ) -> None:
        if not venues:
            raise ValueError("at least one venue is needed")
        if len(set(venues)) != len(venues):
            raise ValueError(f"venue names must be unique: {list(venues)}")
        if not 0.0 < quote_rate_hz < float("inf"):
            raise ValueError(f"quote_rate_hz must be > 0, got {quote_rate_hz!r}")
        self.params = p = params or ModelParams()
        self.venues = tuple(venues)
        self.instruments = tuple(build_instruments(self.venues))
        self._rng = np.random.default_rng(seed)
        n_venues = len(self.venues)
        n_inst = len(self.instruments)
        self._venue_names = np.array([i.venue for i in self.instruments], dtype=object)
        self._symbol_names = np.array([i.symbol for i in self.instruments], dtype=object)
        self._rate = quote_rate_hz * n_inst

        ou = []
        for _ in self.venues:
            ou += [p.venue_flow, p.venue_flow, p.venue_cross_book, p.venue_basis, p.venue_basis]
        ou += [p.btc_basis, p.eth_basis, p.cross_book]
        self._phi, self._innov, self._jump_p, self._jump_sd, self._mean, sd = _ou_arrays(ou)
        k = np.arange(1, _STEPS + 1)
        self._phi_pow = self._phi[:, None] ** k  # (P, S): phi^k
        self._phi_inv = 1.0 / self._phi_pow
        self._y = sd * self._rng.standard_normal(len(ou))  # start in the stationary state
        self._c = np.log([p.btc_usd, p.eth_usd])
        self._vol = np.array([p.btc_vol, p.eth_vol]) * math.sqrt(_DT / _SECONDS_PER_YEAR)
        self._corr = p.correlation
        self._jump_beta = np.array([1.0, p.eth_jump_beta])

        # log mid = mix @ [c_btc, c_eth, y_0 + mean_0, ...]
        mix = np.zeros((n_inst, 2 + len(ou)))
        common_basis = 2 + 5 * n_venues
        for v in range(n_venues):
            b = 2 + 5 * v
            flow_btc, flow_eth, book, basis_btc, basis_eth = b, b + 1, b + 2, b + 3, b + 4
            r = 5 * v
            mix[r + 0, [0, flow_btc]] = 1.0  # BTC/USDT
            mix[r + 1, [1, flow_eth]] = 1.0  # ETH/USDT
            # ETH/BTC = ETH/USDT / BTC/USDT + its own book's deviation (market-wide + venue)
            mix[r + 2, [1, flow_eth, book, common_basis + 2]] = 1.0
            mix[r + 2, [0, flow_btc]] = -1.0
            mix[r + 3, [0, flow_btc, basis_btc, common_basis]] = 1.0  # BTC/USDT:USDT
            mix[r + 4, [1, flow_eth, basis_eth, common_basis + 1]] = 1.0  # ETH/USDT:USDT
        self._mix = mix
        # Perp basis (log perp/spot) of venue v, asset a = row 2+5v+3+a plus common row.
        self._basis_rows = [
            ([2 + 5 * v + 3 + a, common_basis + a]) for v in range(n_venues) for a in range(2)
        ]

        lags_ms = []
        latency_ns = []
        spread = []
        size = []
        tick = []
        step = []
        for index, _venue in enumerate(self.venues):
            profile = venue_profile(index)
            for j, spec in enumerate(profile.specs):
                extra = p.cross_book_extra_lag_ms if SIM_SYMBOLS[j] == "ETH/BTC" else 0.0
                lags_ms.append(profile.lag_ms + extra)
                latency_ns.append(int(profile.latency_ms * 1e6))
                spread.append(spec.spread_bps * _BP)
                size.append(spec.size)
                tick.append(Decimal(spec.tick))
                step.append(Decimal(spec.step))
        self._lag_ns = (np.array(lags_ms) * 1e6).astype(np.int64)
        self._latency_ns = np.array(latency_ns, dtype=np.int64)
        self._spread = np.array(spread)
        self._size = np.array(size)
        self._tick_inv = np.array([to_float(1 / t) for t in tick])  # exact integers: 1/0.01 = 100
        self._step_inv = np.array([to_float(1 / s) for s in step])
        if not all(float(x).is_integer() for x in (*self._tick_inv, *self._step_inv)):
            raise ValueError("sim ticks and steps must be 1/integer")
        self._history = math.ceil(float(self._lag_ns.max()) / GRID_NS) + 1
        z0 = np.concatenate([self._c, self._y + self._mean])
        self._past = np.repeat((mix @ z0)[:, None], self._history, axis=1)
        self._block_start = SIM_EPOCH_NS
        self.last_basis = np.zeros((n_venues, 2))  # mean log basis over the last block
        self.last_basis[:] = [[p.btc_basis.mean, p.eth_basis.mean]] * n_venues

    @property
    def block_start_ns(self) -> int:
        """Market time where the next block begins."""
        return self._block_start

    def next_block(self, end_ns: int | None = None) -> Iterator[Quote]:
        """The quotes of the next market second (before ``end_ns``, if given), time-sorted."""
        rng = self._rng
        n_proc = self._phi.size
        # Latent processes on the grid: OU deviations with decaying jumps, in closed form
        # y_k = phi^k (y_0 + sum_{j<=k} phi^-j u_j), stable because phi^-S stays near 1.
        shocks = self._innov[:, None] * rng.standard_normal((n_proc, _STEPS))
        jumps = rng.random((n_proc, _STEPS)) < self._jump_p[:, None]
        shocks += jumps * self._jump_sd[:, None] * rng.standard_normal((n_proc, _STEPS))
        y = self._phi_pow * (self._y[:, None] + np.cumsum(shocks * self._phi_inv, axis=1))
        self._y = y[:, -1].copy()
        # Common random walk, correlated, with market-wide jumps.
        z = rng.standard_normal((2, _STEPS))
        z[1] = self._corr * z[0] + math.sqrt(1.0 - self._corr**2) * z[1]
        steps = self._vol[:, None] * z
        market_jumps = rng.random(_STEPS) < self.params.market_jumps_per_min / 60.0 * _DT
        jump_size = rng.standard_normal(_STEPS) * self.params.market_jump_sd * market_jumps
        steps += self._jump_beta[:, None] * jump_size
        c = self._c[:, None] + np.cumsum(steps, axis=1)
        self._c = c[:, -1].copy()

        latent = np.vstack([c, y + self._mean[:, None]])
        log_mid = np.hstack([self._past, self._mix @ latent])  # (N, H + S)
        self._past = log_mid[:, -self._history :]
        for row, (venue_row, common_row) in enumerate(self._basis_rows):
            v, a = divmod(row, 2)
            self.last_basis[v, a] = float(np.mean(latent[venue_row] + latent[common_row]))

        # Quote arrivals: a Poisson process over all instruments, each arrival on a random one.
        n_inst_total = len(self.instruments)
        count = int(rng.poisson(self._rate))
        offsets = np.sort(rng.integers(0, BLOCK_NS, count))
        which = rng.integers(0, n_inst_total, count)
        cols = self._history + (offsets - self._lag_ns[which]) // GRID_NS
        mid = np.exp(log_mid[which, cols])
        tick_inv = self._tick_inv[which]
        sigma = self.params.spread_sigma
        spread_ticks = np.maximum(
            1.0,
            np.rint(
                mid * self._spread[which] * tick_inv * np.exp(sigma * rng.standard_normal(count))
            ),
        )
        bid_ticks = np.floor(mid * tick_inv - 0.5 * spread_ticks + 0.5)
        bid = bid_ticks / tick_inv
        ask = (bid_ticks + spread_ticks) / tick_inv
        step_inv = self._step_inv[which]
        size = self._size[which] * step_inv
        sigma = self.params.size_sigma
        bid_qty = np.maximum(1.0, np.floor(size * np.exp(sigma * rng.standard_normal(count))))
        ask_qty = np.maximum(1.0, np.floor(size * np.exp(sigma * rng.standard_normal(count))))
        bid_qty /= step_inv
        ask_qty /= step_inv
        received = offsets + self._block_start
        exchange = received - self._latency_ns[which] - rng.integers(0, 2_000_000, count)
        self._block_start += BLOCK_NS

        if end_ns is not None and end_ns < self._block_start:
            keep = int(np.searchsorted(received, end_ns, side="left"))
            which, received, exchange = which[:keep], received[:keep], exchange[:keep]
            bid, bid_qty, ask, ask_qty = bid[:keep], bid_qty[:keep], ask[:keep], ask_qty[:keep]
        # Lazy: the Quote objects are built while the pacer emits them, so a busy second does not
        # stall the event loop for the time of building all of its quotes at once.
        return map(
            Quote,
            self._venue_names[which].tolist(),
            self._symbol_names[which].tolist(),
            bid.tolist(),
            bid_qty.tolist(),
            ask.tolist(),
            ask_qty.tolist(),
            received.tolist(),
            exchange.tolist(),
        )

    def basis(self, venue_index: int, asset_index: int) -> float:
        """Mean log basis (perp over spot) of the last block: the input of the funding rate."""
        return float(self.last_basis[venue_index, asset_index])
