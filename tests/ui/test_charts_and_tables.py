"""Live data reaches the panels: spread chart points, opportunities, stale rows, positions."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from app.core.opportunities import OpportunityKind
from app.core.orders import OrderRequest, OrderType, Side, TimeInForce
from app.ui.format import MUTED, STALE_BG
from app.ui.models.quotes import AGE_COLUMN
from app.ui.panels.opportunities import OpportunitiesPanel
from app.ui.spread_series import Pair

from .conftest import open_desk, open_manual_desk, push_books, until

KEY_COLUMN = 6  # of the opportunities table


async def test_the_spread_chart_receives_live_points_and_follows_a_new_pair(
    qtbot: QtBot,
) -> None:
    async with open_desk(market={"speed": 5.0}) as desk:
        chart = desk.window.spread
        assert chart.series.pair == Pair(("sim-a", "BTC/USDT"), ("sim-b", "BTC/USDT"))
        start = len(chart.series)
        await until(lambda: len(chart.series) > start + 20, what="live spread points")
        await until(lambda: chart.mid_curve.getData()[0] is not None, what="a drawn curve")
        assert len(chart.mid_curve.getData()[0]) > 20
        t = chart.series.column(0)
        assert (t[1:] >= t[:-1]).all()  # time-ordered, as clip-to-view needs
        _, mid, low, high = chart.series.value_at(float(t[-1])) or (0, 0, 0, 0)
        assert low <= mid <= high
        fees = [desk.controller.instrument(v, "BTC/USDT") for v in ("sim-a", "sim-b")]
        expected = float(sum(i.taker_fee for i in fees if i is not None) * 10_000)
        assert chart.entry_lines[0].value() == expected  # the fee line: both legs' taker fees
        assert chart.entry_lines[1].value() == -expected

        chart.leg_b.setCurrentText("sim-c:ETH/USDT")
        chart.leg_a.setCurrentText("sim-a:ETH/USDT")
        assert chart.series.pair == Pair(("sim-a", "ETH/USDT"), ("sim-c", "ETH/USDT"))
        assert "sim-c:ETH/USDT" in chart.source.text()
        count = len(chart.series)
        await until(lambda: len(chart.series) > count + 10, what="points of the new pair")


def proxy_row(panel: OpportunitiesPanel, key: str) -> int | None:
    """The row ``key`` shows in (after the panel's filter and sort), or None."""
    for row in range(panel.proxy.rowCount()):
        if panel.proxy.index(row, KEY_COLUMN).data() == key:
            return row
    return None


async def test_selecting_an_opportunity_shows_its_spread(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.ui.bridge.OPPORTUNITY_TTL_NS", 4_000_000_000)
    async with open_manual_desk() as (desk, feed):
        # BTC cheap on sim-c and dear on sim-b: a cross trade after both taker fees (20 bps),
        # and none with sim-a (mid 50,000; 17.5 bps of fees with either)
        feed.push("sim-c", "BTC/USDT", 49_940.0, 49_950.0)
        feed.push("sim-b", "BTC/USDT", 50_075.0, 50_085.0)
        key = "cross:BTC/USDT:sim-c>sim-b"
        panel = desk.window.opportunities
        await until(lambda: proxy_row(panel, key) is not None, what="the opportunity row")
        row = proxy_row(panel, key)
        assert row is not None
        opp = panel.model.row(key)
        assert opp is not None and opp.kind is OpportunityKind.CROSS and opp.edge_bps > 0
        assert panel.proxy.index(row, 2).data() == f"+{opp.edge_bps:.2f}"
        assert "BUY sim-c:BTC/USDT" in panel.proxy.index(row, 5).data()
        panel.view.selectionModel().select(
            panel.proxy.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        chart = desk.window.spread
        assert chart.series.pair == Pair(("sim-c", "BTC/USDT"), ("sim-b", "BTC/USDT"))
        assert chart.source.text().startswith("cross:")
        panel.kind.setCurrentIndex(panel.kind.findData("basis"))
        assert proxy_row(panel, key) is None  # filtered by kind
        panel.kind.setCurrentIndex(0)
        assert proxy_row(panel, key) is not None
        # the prices come back together: not seen again for a while, muted; for longer than
        # its time to live (market time), gone
        feed.advance(2.5)
        push_books(feed)

        def muted() -> bool:
            row = proxy_row(panel, key)
            return row is not None and (
                panel.proxy.index(row, 2).data(Qt.ItemDataRole.ForegroundRole) == MUTED
            )

        await until(muted, what="the opportunity muted")
        feed.advance(2.5)
        push_books(feed)
        await until(lambda: panel.model.row(key) is None, 10, "the opportunity expired")


async def test_stale_quotes_are_marked_in_the_market_watch(qtbot: QtBot) -> None:
    async with open_manual_desk() as (desk, feed):
        watch = desk.window.market
        await until(lambda: watch.model.rowCount() == 15, what="15 books")
        # every book but sim-b's ETH/BTC quoted again after more than the allowed age
        feed.advance(desk.controller.quote_age_limit_ms() / 1000 + 1)
        push_books(feed, skip=[("sim-b", "ETH/BTC")])
        feed.advance(0.5)  # the staleness check runs on market time
        push_books(feed, skip=[("sim-b", "ETH/BTC")])
        await until(lambda: ("sim-b", "ETH/BTC") in watch.model.stale, what="the stale mark")
        keys = watch.model.all_keys()
        row = keys.index(("sim-b", "ETH/BTC"))
        age = watch.model.index(row, AGE_COLUMN)
        assert str(age.data()).startswith("STALE")
        assert age.data(Qt.ItemDataRole.BackgroundRole) == STALE_BG
        other = watch.model.index(keys.index(("sim-a", "BTC/USDT")), AGE_COLUMN)
        assert not str(other.data()).startswith("STALE")
        assert watch.model.stale == {("sim-b", "ETH/BTC")}


async def test_a_perpetual_position_shows_with_its_pnl_and_the_exposure(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        request = OrderRequest(
            "sim-a",
            "BTC/USDT:USDT",
            Side.BUY,
            Decimal("0.01"),
            None,
            OrderType.MARKET,
            TimeInForce.IOC,
        )
        await desk.engine.submit_manual_order(request)
        panel = desk.window.positions
        await until(lambda: panel.positions.rowCount() == 1, what="the position row")
        view = panel.positions.row_at(0)
        assert view.venue == "sim-a" and view.position.qty == Decimal("0.01")
        assert panel.positions.index(0, 2).data() == "+0.010"
        assert not panel.empty.isVisible()
        assets = panel.exposures.all_keys()
        assert {"BTC", "ETH", "USDT"} <= set(assets)
        btc = panel.exposures.row(assets[assets.index("BTC")])
        assert btc is not None and btc.quantity == Decimal("3.01")  # 3 x 1 BTC spot + 0.01 perp


async def test_the_spread_band_is_one_stroke_per_pixel_when_dense(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        chart = desk.window.spread
        desk.bridge.watch(set())  # no live points meanwhile
        chart.follow.setChecked(False)  # the view stays where it is put below
        series = chart.series
        t = np.linspace(1000.0, 1010.0, 20_000)
        rows = np.stack([t, np.sin(t), np.sin(t) - 1.0, np.sin(t) + 1.0], axis=1)
        series.load(rows)
        chart.view_box.setXRange(1000.0, 1010.0, padding=0)  # a new view range draws the band
        pixels = int(chart.view_box.width())
        assert pixels > 100
        assert chart.band.brush().style() == Qt.BrushStyle.NoBrush
        assert chart.band.pen().style() != Qt.PenStyle.NoPen
        path = chart.band.path()
        assert path.elementCount() == 2 * pixels  # one vertical stroke per pixel column
        box = path.boundingRect()
        assert box.top() == pytest.approx(float(rows[:, 2].min()), abs=1e-9)
        assert box.bottom() == pytest.approx(float(rows[:, 3].max()), abs=1e-9)

        series.load(rows[::2_000])  # ten points: the filled envelope through them
        chart.view_box.setXRange(999.0, 1011.0, padding=0)  # the view moves: drawn again
        assert chart.band.pen().style() == Qt.PenStyle.NoPen
        assert chart.band.brush().style() != Qt.BrushStyle.NoBrush
        assert chart.band.path().elementCount() == 20
