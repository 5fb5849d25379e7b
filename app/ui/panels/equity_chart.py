"""Equity over time and PnL per day, in a chosen valuation currency.

History comes from the store's equity snapshots (taken when equity moved past a threshold); the
live edge from the engine's valuation in each snapshot the bridge flushes. Days are UTC days of
market time, so a replay of an old day shows that day.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.money import to_float
from app.engine.api import EngineSnapshot
from app.ui import format as fmt
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.date_axis import date_axis
from app.ui.ring_buffer import RingBuffer
from app.ui.theme import cache_axes

CAPACITY = 200_000
DAY_S = 86_400.0


def daily_pnl(t: np.ndarray, equity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(day start, PnL of that day): last equity of a day minus the last of the day before (the
    first day: minus its first)."""
    if not len(t):
        return np.zeros(0), np.zeros(0)
    days = np.floor(t / DAY_S)
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    ends = np.r_[starts[1:] - 1, len(t) - 1]
    last = equity[ends]
    previous = np.r_[equity[0], last[:-1]]
    return days[starts] * DAY_S, last - previous


def bar_steps(days: np.ndarray, pnl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step edges and values drawing one bar per day (70% of the day wide, gaps between)."""
    if not len(days):
        return np.zeros(2), np.zeros(1)
    edges = np.empty(2 * len(days))
    edges[0::2] = days + 0.15 * DAY_S
    edges[1::2] = days + 0.85 * DAY_S
    values = np.zeros(2 * len(days) - 1)
    values[0::2] = pnl
    return edges, values


class EquityChartPanel(QWidget):
    def __init__(self, controller: Controller, bridge: Bridge) -> None:
        super().__init__()
        self._controller = controller
        self.currency = QComboBox(self)
        for c in controller.valuation_currencies:
            self.currency.addItem(c, c)
        self.headline = QLabel(self)
        self.headline.setObjectName("equityHeadline")
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.buffers = {c: RingBuffer(CAPACITY, 2) for c in controller.valuation_currencies}
        self._dirty = True

        bottom_axis = date_axis()
        self.plot = pg.PlotWidget(axisItems={"bottom": bottom_axis})
        self.plot.setObjectName("equityPlot")
        cache_axes(self.plot)
        self.plot.showGrid(x=True, y=True, alpha=0.12)
        self.plot.getPlotItem().hideButtons()
        self.plot.getPlotItem().setMenuEnabled(False)
        self.plot.getPlotItem().getAxis("left").setWidth(64)
        self.curve = pg.PlotDataItem(
            pen=pg.mkPen("#81c784", width=1.5),
            fillLevel=None,
            clipToView=True,
            autoDownsample=True,
            downsampleMethod="peak",
        )
        self.plot.addItem(self.curve)
        self.bars_plot = pg.PlotWidget(axisItems={"bottom": date_axis()})
        self.bars_plot.setObjectName("dailyPnlPlot")
        cache_axes(self.bars_plot)
        self.bars_plot.getPlotItem().hideButtons()
        self.bars_plot.getPlotItem().setMenuEnabled(False)
        self.bars_plot.setMaximumHeight(110)
        self.bars_plot.setLabel("left", self.tr("day PnL"))
        self.bars_plot.getPlotItem().getAxis("left").setWidth(64)
        self.bars_plot.showGrid(y=True, alpha=0.12)
        # Two stepped, filled curves rather than a BarGraphItem: far cheaper to repaint.
        self.gains = pg.PlotDataItem(
            stepMode="center", fillLevel=0, pen=None, brush=pg.mkBrush(fmt.GREEN)
        )
        self.losses = pg.PlotDataItem(
            stepMode="center", fillLevel=0, pen=None, brush=pg.mkBrush(fmt.RED)
        )
        self.bars_plot.addItem(self.gains)
        self.bars_plot.addItem(self.losses)

        bar = QHBoxLayout()
        bar.addWidget(self.headline, 1)
        bar.addWidget(self.currency)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.bars_plot, 1)
        self.currency.currentIndexChanged.connect(self._currency_changed)
        bridge.snapshot.connect(self.on_snapshot)
        self._history_loaded = False
        self._auto_range = True
        self._ranged = False
        self._setting_range = False
        self._last_day = float("nan")
        view_box = self.plot.getPlotItem().getViewBox()
        view_box.disableAutoRange()
        view_box.sigRangeChangedManually.connect(self._manual_range)

    def load_history(self) -> None:
        if self._controller.running and not self._history_loaded:
            self._history_loaded = True
            self._controller.spawn(self._history(), "equity history")

    async def _history(self) -> None:
        for currency, buffer in self.buffers.items():
            try:
                snaps = await self._controller.equity_history(currency)
            except Exception:
                if not self._controller.running:
                    return  # closed meanwhile: no history is needed any more
                raise
            if not snaps:
                continue
            first_live = buffer.column(0)[0] if len(buffer) else math.inf
            old = [(s.ts_ns / 1e9, to_float(s.equity)) for s in snaps if s.ts_ns / 1e9 < first_live]
            live = np.stack([buffer.column(0).copy(), buffer.column(1).copy()], axis=1)
            buffer.clear()
            if old:
                buffer.extend(np.asarray(old, dtype=np.float64))
            if len(live):
                buffer.extend(live)
        self._dirty = True
        self.redraw()

    def on_snapshot(self, snap: EngineSnapshot) -> None:
        valuation = snap.valuation
        if valuation is None or not valuation.complete:
            waiting = self.tr("Equity: waiting for prices…")
            self.headline.setText(f"<span style='color:#8a94a6'>{waiting}</span>")
            return
        t = valuation.ts_ns / 1e9
        for currency, buffer in self.buffers.items():
            value = valuation.equity.get(currency)
            if value is None:
                continue
            last_t = buffer.last(0)
            if last_t is not None and t <= last_t:
                continue
            buffer.extend(np.array([[t, to_float(value)]]))
        self._dirty = True
        self._headline(valuation.equity, valuation.pnl)
        self.redraw()

    def _headline(self, equity: dict[str, Decimal], pnl: dict[str, Decimal]) -> None:
        c = self.currency.currentData()
        d = 5 if c in ("BTC", "ETH") else 2
        buffer = self.buffers.get(c)
        today: float | None = None
        if buffer is not None and len(buffer):
            _, per_day = daily_pnl(buffer.column(0), buffer.column(1))
            today = float(per_day[-1]) if len(per_day) else None

        def colored(v: Decimal | float | None) -> str:
            color = fmt.pnl_color(v)
            text = fmt.signed(v, d)
            return f"<span style='color:{color.name()}'>{text}</span>" if color else text

        self.headline.setText(
            f"<b>{fmt.num(equity.get(c), d)}</b> {c} &nbsp; "
            + self.tr("PnL {pnl} &nbsp; today {today}").format(
                pnl=colored(pnl.get(c)), today=colored(today)
            )
        )

    def redraw(self) -> None:
        if not self._dirty or not self.isVisible():
            return
        self._dirty = False
        buffer = self.buffers.get(self.currency.currentData())
        if buffer is None or not len(buffer):
            return
        t, equity = buffer.column(0), buffer.column(1)
        self.curve.setData(t, equity, skipFiniteCheck=True)
        if self._auto_range:
            self._range(t, equity)
        days, pnl = daily_pnl(t, equity)
        edges, values = bar_steps(days, pnl)
        self.gains.setData(edges, np.maximum(values, 0.0))
        self.losses.setData(edges, np.minimum(values, 0.0))
        if len(days) and days[-1] != self._last_day:  # the last two weeks, today on the right
            self._last_day = float(days[-1])
            self.bars_plot.setXRange(days[-1] - 13 * DAY_S, days[-1] + DAY_S, padding=0.02)

    def _range(self, t: np.ndarray, equity: np.ndarray) -> None:
        """Ranges in steps with hysteresis, not at every point: a moving axis re-renders its
        labels, the costliest part of a chart's frame."""
        box = self.plot.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = box.viewRange()
        first, last = float(t[0]), float(t[-1])
        lo, hi = float(np.min(equity)), float(np.max(equity))
        self._setting_range = True
        try:
            if not self._ranged or last > x1 or first < x0:
                span = max(last - first, 60.0)
                box.setXRange(first, last + span * 0.25, padding=0)
            if not self._ranged or lo < y0 or hi > y1 or (hi - lo) < 0.3 * (y1 - y0):
                pad = max((hi - lo) * 0.12, abs(hi) * 1e-6, 1e-9)
                box.setYRange(lo - pad, hi + pad, padding=0)
            self._ranged = True
        finally:
            self._setting_range = False

    def _manual_range(self, *_args: object) -> None:
        if not self._setting_range:
            self._auto_range = False  # the user zoomed or panned: leave the view alone

    def _currency_changed(self) -> None:
        self._dirty = True
        self._auto_range = True
        self._ranged = False
        self.redraw()
