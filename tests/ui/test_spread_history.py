"""The spread chart over a trading day: its history is bounded (level of detail), and what it
shows still has the newest point and the extremes of old, folded buckets."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.core.quotes import Quote
from app.ui.spread_series import CAPACITY, HIGH, LEVEL_CAPACITY, LEVELS, LOW, MID, T, fold

from .conftest import open_manual_desk

BOUND = CAPACITY + LEVELS * LEVEL_CAPACITY
PUSHED = 400_000  # quotes: about 2.5 hours of one pair at 20,000 quotes/s over 15 instruments


def leg_quotes(a: tuple[str, str], b: tuple[str, str], start_ns: int) -> list[Quote]:
    """Quotes alternating A (flat at 50,000) and B (a slow wave of +-5 bps, a spike of +100 bps
    and a dip of -100 bps early on), one every 0.2 ms of market time."""
    quotes = []
    for i in range(PUSHED):
        t = start_ns + i * 200_000
        if i % 2 == 0:
            quotes.append(Quote(a[0], a[1], 49_999.0, 1.0, 50_001.0, 1.0, t))
            continue
        mid = 50_000.0 * (1 + 5e-4 * np.sin(i / 5_000))
        if i == 20_001:
            mid = 50_000.0 * 1.01
        elif i == 40_001:
            mid = 50_000.0 * 0.99
        quotes.append(Quote(b[0], b[1], mid - 1.0, 1.0, mid + 1.0, 1.0, t))
    return quotes


async def test_a_day_of_points_is_bounded_and_keeps_the_newest_point_and_old_extremes(
    qtbot: QtBot,
) -> None:
    async with open_manual_desk() as (desk, _feed):
        chart = desk.window.spread
        pair = chart.series.pair
        assert pair is not None
        desk.bridge.watch(set())  # only the quotes below reach the chart
        latest = max(
            q.received_ns
            for q in (desk.bridge.latest_quote(*pair.a), desk.bridge.latest_quote(*pair.b))
            if q is not None
        )
        quotes = leg_quotes(pair.a, pair.b, latest + 1_000_000)
        for start in range(0, len(quotes), 20_000):  # as the bridge's chart flushes hand them
            desk.bridge.chart_quotes.emit(quotes[start : start + 20_000])
            await asyncio.sleep(0)
        chart.span_box.setCurrentIndex(chart.span_box.findData(0.0))  # "All": the whole day
        await asyncio.sleep(0.1)  # a frame
        assert len(chart.series) <= BOUND < PUSHED / 3  # the history is bounded
        assert chart.series.raw_points <= CAPACITY  # the spike and the dip are long folded
        x, y = chart.mid_curve.getData()  # what is drawn: the visible slice, per pixel column
        assert x is not None and y is not None
        assert len(x) <= 2 * chart.view_box.width() + 1
        assert (np.diff(x) >= 0).all()  # time-ordered
        last = quotes[-1]
        assert x[-1] == pytest.approx(last.received_ns / 1e9)  # the newest point, as it is
        assert y[-1] == pytest.approx(((last.bid + last.ask) / 2 / 50_000.0 - 1) * 1e4)
        assert y.max() == pytest.approx(100.0, abs=0.01)  # the spike, long folded
        assert y.min() == pytest.approx(-100.0, abs=0.01)  # and the dip
        box = chart.band.path().boundingRect()  # the band keeps the dip's lower edge
        assert box.top() <= -100.0
        assert box.bottom() >= 100.0


def test_folding_keeps_each_buckets_extremes_in_time_order() -> None:
    t = np.arange(32, dtype=float)
    mid = np.zeros(32)
    mid[3], mid[9] = 5.0, -7.0  # bucket 0: the high comes first
    mid[20], mid[17] = 2.0, -1.0  # bucket 1: the low comes first
    low, high = mid - 1.0, mid + 1.0
    low[30] = -50.0
    rows = fold(np.stack([t, mid, low, high]))
    assert rows.shape == (4, 4)
    assert rows[:, T].tolist() == [3.0, 9.0, 17.0, 20.0]
    assert rows[:, MID].tolist() == [5.0, -7.0, -1.0, 2.0]
    assert rows[:, LOW].tolist() == [-8.0, -8.0, -50.0, -50.0]
    assert rows[:, HIGH].tolist() == [6.0, 6.0, 3.0, 3.0]
