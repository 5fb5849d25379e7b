from __future__ import annotations

import math

import numpy as np
import pytest

from app.core.opportunities import PairsDetail, Signal
from app.core.orders import Side
from app.engine.scanners import PairsScanner
from app.engine.scanners.rolling import RollingOls

from .support import inst, quote

A = ("x", "ETH/USDT")
B = ("x", "BTC/USDT")
BETA = 1.3


def scanner(window: int = 50) -> PairsScanner:
    insts = [inst("x", "ETH/USDT", 10), inst("x", "BTC/USDT", 10)]
    return PairsScanner(
        insts, [(A, B)], window=window, sample_interval_ms=1_000, entry_z=2.0, exit_z=0.5
    )


def feed(s: PairsScanner, seconds: int, seed: int = 1) -> tuple[float, float, int]:
    """Cointegrated mids, one pair of quotes per second: log A = 0.5 + BETA log B + noise."""
    rng = np.random.default_rng(seed)
    log_b = math.log(30_000.0)
    t = 0
    for t in range(seconds):
        log_b += rng.normal(0, 0.002)
        log_a = 0.5 + BETA * log_b - 0.5 * BETA * math.log(30_000.0) + rng.normal(0, 0.0005)
        b, a = math.exp(log_b), math.exp(log_a)
        s.on_quote(quote("x", "BTC/USDT", b * 0.99999, b * 1.00001, 5, 5, t_ms=t * 1000))
        s.on_quote(quote("x", "ETH/USDT", a * 0.99999, a * 1.00001, 50, 50, t_ms=t * 1000 + 1))
    return a, b, t


def test_rolling_fit_equals_least_squares_over_the_window() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=80).cumsum()
    y = 2.0 + 0.7 * x + rng.normal(scale=0.1, size=80)
    ols = RollingOls(30)
    for xi, yi in zip(x, y, strict=True):
        fit = ols.add(float(xi), float(yi))
    assert fit is not None
    beta, alpha = np.polyfit(x[-30:], y[-30:], 1)
    spread = y[-30:] - beta * x[-30:]
    assert fit.beta == pytest.approx(beta, abs=1e-9)
    assert fit.mean == pytest.approx(alpha, abs=1e-9)
    assert fit.std == pytest.approx(spread.std(ddof=1), abs=1e-12)


def test_no_signal_until_the_window_is_full() -> None:
    s = scanner(window=50)
    feed(s, 49)
    assert s.fit(A, B) is None
    feed(s, 51)
    fit = s.fit(A, B)
    assert fit is not None
    assert fit.beta == pytest.approx(BETA, rel=0.15)


def test_a_rich_leg_one_is_sold_against_beta_of_leg_two_then_one_exit() -> None:
    s = scanner()
    a, b, t = feed(s, 60)
    fit = s.fit(A, B)
    assert fit is not None
    s.on_quote(quote("x", "BTC/USDT", b * 0.99999, b * 1.00001, 5, 5, t_ms=t * 1000 + 500))
    # 6 deviations up is z = 6, but about 30 bps: less than the 40 bps of fees in and out.
    small = a * math.exp(6 * fit.std)
    assert s.on_quote(quote("x", "ETH/USDT", small, small, 50, 50, t_ms=t * 1000 + 550)) == []
    rich = a * 1.01
    (opp,) = s.on_quote(
        quote("x", "ETH/USDT", rich * 0.9999, rich * 1.0001, 50, 50, t_ms=t * 1000 + 600)
    )
    assert opp.signal is Signal.ENTRY
    assert isinstance(opp.detail, PairsDetail)
    assert opp.detail.zscore > 2.0
    leg1, leg2 = opp.legs
    assert (leg1.symbol, leg1.side, leg1.price) == ("ETH/USDT", Side.SELL, rich * 0.9999)
    assert (leg2.symbol, leg2.side, leg2.price) == ("BTC/USDT", Side.BUY, b * 1.00001)
    # Hedge notional is beta times leg 1's.
    assert leg2.qty * leg2.price == pytest.approx(abs(opp.detail.beta) * leg1.qty * leg1.price)
    executable = math.log(leg1.price) - opp.detail.beta * math.log(leg2.price)
    gain = executable - opp.detail.mean
    assert opp.edge_bps == pytest.approx((math.exp(gain) * 0.999**4 - 1) * 10_000)
    # Back to the mean: one exit that buys leg 1 back and sells leg 2.
    fair = math.exp(fit.mean + fit.beta * math.log(b))
    at_mean = quote("x", "ETH/USDT", fair * 0.99999, fair * 1.00001, 50, 50, t_ms=t * 1000 + 700)
    (exit_,) = s.on_quote(at_mean)
    assert exit_.signal is Signal.EXIT
    assert isinstance(exit_.detail, PairsDetail)
    assert abs(exit_.detail.zscore) < 0.5
    assert [leg.side for leg in exit_.legs] == [Side.BUY, Side.SELL]
    assert s.on_quote(at_mean) == []


def test_configuration_errors() -> None:
    insts = [inst("x", "ETH/USDT"), inst("x", "BTC/USDT")]
    with pytest.raises(ValueError, match="no instrument"):
        PairsScanner(insts, [(A, ("x", "SOL/USDT"))])
    with pytest.raises(ValueError, match="exit_z"):
        PairsScanner(insts, [(A, B)], entry_z=1.0, exit_z=1.0)
