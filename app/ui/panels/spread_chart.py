"""The spread chart: B over A in bps, live, with the executable band, fee lines and fill markers.

Smooth over a whole trading day: the data lives in numpy ring buffers of bounded size
(``SpreadSeries``: the newest points raw, older ones folded into min/max buckets). What is drawn
is the visible slice only, at most two points a pixel column (the lowest and the highest there,
and the newest point as it is): pyqtgraph's own auto-downsampling assumes evenly spaced points,
which a history of raw and folded points is not. The view's ranges are set here from the
visible slice instead of pyqtgraph's auto-range (which would scan every point on every frame).
Redraws happen at the bridge's chart rate, only when something changed and the panel is
visible. Panning or zooming stops following the live edge; "Follow" resumes.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QPainterPath, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGraphicsPathItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.core.money import to_float
from app.core.opportunities import Opportunity
from app.core.orders import Fill, Side
from app.core.quotes import Quote
from app.ui import format as fmt
from app.ui import names
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.date_axis import date_axis
from app.ui.fill_markers import fill_spots
from app.ui.names import QT_TRANSLATE_NOOP
from app.ui.spread_series import HIGH, LOW, MID, Pair, SpreadSeries, T
from app.ui.theme import cache_axes

log = logging.getLogger(__name__)

WINDOWS = (
    (QT_TRANSLATE_NOOP("SpreadChartPanel", "1 min"), 60.0),
    (QT_TRANSLATE_NOOP("SpreadChartPanel", "5 min"), 300.0),
    (QT_TRANSLATE_NOOP("SpreadChartPanel", "30 min"), 1800.0),
    (QT_TRANSLATE_NOOP("SpreadChartPanel", "4 h"), 14_400.0),
    (QT_TRANSLATE_NOOP("SpreadChartPanel", "All"), 0.0),
)
HISTORY_POINTS = 50_000
MAX_MARKERS = 2_000
BAND_RGBA = (120, 144, 176, 70)
LEFT_AXIS_PX = 58
_NO_PEN = QPen(Qt.PenStyle.NoPen)
_NO_BRUSH = QBrush(Qt.BrushStyle.NoBrush)


def default_pair(instruments: list[tuple[str, str]]) -> Pair | None:
    """The same symbol on two venues, else spot and perpetual of one asset."""
    by_symbol: dict[str, list[tuple[str, str]]] = {}
    for venue, symbol in sorted(instruments):
        by_symbol.setdefault(symbol, []).append((venue, symbol))
    for legs in by_symbol.values():
        if len(legs) >= 2:
            return Pair(legs[0], legs[1])
    spots = [i for i in sorted(instruments) if ":" not in i[1]]
    for spot in spots:
        for other in sorted(instruments):
            if ":" in other[1] and other[1].startswith(spot[1] + ":"):
                return Pair(spot, other)
    ordered = sorted(instruments)
    return Pair(ordered[0], ordered[1]) if len(ordered) >= 2 else None


class SpreadChartPanel(QWidget):
    def __init__(self, controller: Controller, bridge: Bridge) -> None:
        super().__init__()
        self._controller = controller
        self._bridge = bridge
        self.series = SpreadSeries()
        self._drawn_version = -1
        self._follow = True
        self._x_set = False
        self._setting_range = False
        self._fills: list[Fill] = []
        self._legs_qty: dict[tuple[str, str], Decimal] = {}
        self._history_task: object = None

        instruments = sorted((i.venue, i.symbol) for i in controller.instruments)
        self.leg_a = QComboBox(self)
        self.leg_b = QComboBox(self)
        for combo in (self.leg_a, self.leg_b):
            combo.setMinimumContentsLength(18)
            for venue, symbol in instruments:
                combo.addItem(f"{venue}:{symbol}")
        self.source = QLabel(self)
        self.source.setObjectName("chartSource")
        self.entry = QDoubleSpinBox(self)
        self.entry.setRange(0.0, 10_000.0)
        self.entry.setDecimals(1)
        self.entry.setSuffix(" bps")
        self.entry.setToolTip(
            self.tr("Entry threshold: the fee line (both legs' taker fees by default)")
        )
        self.exit = QDoubleSpinBox(self)
        self.exit.setRange(-10_000.0, 10_000.0)
        self.exit.setDecimals(1)
        self.exit.setSuffix(" bps")
        self.exit.setToolTip(self.tr("Exit threshold"))
        self.span_box = QComboBox(self)
        for text, seconds in WINDOWS:
            self.span_box.addItem(self.tr(text), seconds)
        self.span_box.setCurrentIndex(1)
        self.follow = QCheckBox(self.tr("Follow"), self)
        self.follow.setChecked(True)
        self.follow.setToolTip(
            self.tr("Keep the live edge in view (panning or zooming turns it off)")
        )

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel("B", self))
        bar.addWidget(self.leg_b)
        bar.addWidget(QLabel(self.tr("vs A"), self))
        bar.addWidget(self.leg_a)
        bar.addSpacing(8)
        bar.addWidget(QLabel(self.tr("Entry ±"), self))
        bar.addWidget(self.entry)
        bar.addWidget(QLabel(self.tr("Exit"), self))
        bar.addWidget(self.exit)
        bar.addWidget(self.span_box)
        bar.addWidget(self.follow)
        bar.addStretch(1)

        self.plot = pg.PlotWidget(axisItems={"bottom": date_axis()})
        self.plot.setObjectName("spreadPlot")
        cache_axes(self.plot)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.12)
        item.setLabel("left", self.tr("spread"), units="bps")
        for name in ("left", "bottom"):
            # Grid lines of the major and minor ticks only: the third level is all but invisible
            # at this alpha, and drawing it made an axis's re-render (at each range step) cost
            # ~15 ms instead of ~5 ms.
            item.getAxis(name).setStyle(maxTickLevel=1)
        left_axis = item.getAxis("left")
        left_axis.enableAutoSIPrefix(False)  # bps stay bps (no "mbps" on a narrow range)
        left_axis.setWidth(LEFT_AXIS_PX)  # labels of another width must not relayout the plot
        item.hideButtons()
        item.setMenuEnabled(False)
        self.view_box = item.getViewBox()
        self.view_box.enableAutoRange(enable=False)
        self.view_box.setMouseEnabled(x=True, y=True)
        self.band = QGraphicsPathItem()
        self._band_brush = pg.mkBrush(*BAND_RGBA)
        self._band_pen = pg.mkPen(*BAND_RGBA, width=1)  # cosmetic: one pixel wide at any zoom
        self.band.setPen(_NO_PEN)
        self.band.setBrush(self._band_brush)
        item.addItem(self.band, ignoreBounds=True)
        # given the visible slice only, already per pixel column (``_draw_visible``)
        self.mid_curve = pg.PlotDataItem(pen=pg.mkPen("#4fc3f7", width=1))
        item.addItem(self.mid_curve)
        dash = Qt.PenStyle.DashLine
        self.entry_lines = [
            pg.InfiniteLine(angle=0, pen=pg.mkPen("#ffb74d", width=1, style=dash)) for _ in range(2)
        ]
        self.exit_lines = [
            pg.InfiniteLine(angle=0, pen=pg.mkPen("#80cbc4", width=1, style=Qt.PenStyle.DotLine))
            for _ in range(2)
        ]
        for line in (*self.entry_lines, *self.exit_lines):
            item.addItem(line, ignoreBounds=True)
        self.markers = pg.ScatterPlotItem(size=13, hoverable=True, tip=self._marker_tip)
        item.addItem(self.markers)
        self.cross_v = pg.InfiniteLine(angle=90, pen=pg.mkPen("#8a94a6", width=1))
        self.cross_h = pg.InfiniteLine(angle=0, pen=pg.mkPen("#8a94a6", width=1))
        for line in (self.cross_v, self.cross_h):
            line.setVisible(False)
            item.addItem(line, ignoreBounds=True)
        self.readout = QLabel(self)
        self.readout.setObjectName("chartReadout")
        self.readout.setText(self.tr("move the mouse over the chart for values"))
        self._mouse_proxy = pg.SignalProxy(
            self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved
        )

        header = QHBoxLayout()
        header.addWidget(self.source, 1)
        header.addWidget(self.readout, 0, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addLayout(header)
        layout.addWidget(self.plot, 1)

        self.leg_a.currentIndexChanged.connect(self._legs_changed)
        self.leg_b.currentIndexChanged.connect(self._legs_changed)
        self.entry.valueChanged.connect(self._thresholds_changed)
        self.exit.valueChanged.connect(self._thresholds_changed)
        self.span_box.currentIndexChanged.connect(self._window_changed)
        self.follow.toggled.connect(self._follow_toggled)
        self.view_box.sigRangeChangedManually.connect(self._manual_range)
        self.view_box.sigXRangeChanged.connect(self._x_range_changed)
        bridge.chart_quotes.connect(self.on_quotes)
        bridge.chart_opportunities.connect(self.on_opportunities)
        bridge.fills_live.connect(self.on_fills)
        # one redraw per chart flush at most (~30 Hz), and only when something changed
        bridge.chart_quotes.connect(lambda _q: self.redraw())
        bridge.chart_opportunities.connect(lambda _o: self.redraw())

        pair = default_pair(instruments)
        if pair is not None:
            self.show_pair(pair)

    # -- what is shown -----------------------------------------------------------------------------

    def show_pair(self, pair: Pair, opportunity: Opportunity | None = None) -> None:
        for combo, leg in ((self.leg_a, pair.a), (self.leg_b, pair.b)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findText(f"{leg[0]}:{leg[1]}")))
            combo.blockSignals(False)
        self.series.reset(pair, opportunity.key if opportunity else "")
        self._bridge.watch({pair.a, pair.b})
        title = pair.label
        if opportunity is not None:
            title = f"{names.name(opportunity.kind.value)}: {pair.label}"
        self.source.setText(title)
        self.entry.blockSignals(True)
        self.entry.setValue(self._fee_bps(pair))
        self.entry.blockSignals(False)
        self._seed(pair)
        self._thresholds_changed()
        self._rebuild_markers()
        self._set_follow(True)
        self._load_history(pair)

    def show_opportunity(self, opp: Opportunity) -> None:
        """Two legs: their spread; more (triangles, cycles): the opportunity's edge over time."""
        if len(opp.legs) == 2:
            buy, sell = opp.legs
            if buy.side is not Side.BUY:
                buy, sell = sell, buy
            self.show_pair(Pair((buy.venue, buy.symbol), (sell.venue, sell.symbol)), opp)
            return
        self.series.reset(None, opp.key)
        self._bridge.watch(set(), opp.key)
        self.series.add_opportunities([opp])
        self.source.setText(
            self.tr("{kind}: edge of {key} (bps after fees)").format(
                kind=names.name(opp.kind.value), key=opp.key
            )
        )
        self.entry.setValue(0.0)
        self._rebuild_markers()
        self._set_follow(True)
        self.redraw()

    # -- live data -------------------------------------------------------------------------------

    def on_quotes(self, quotes: list[Quote]) -> None:
        self.series.add_quotes(quotes)

    def on_opportunities(self, opps: list[Opportunity]) -> None:
        if self.series.opportunity_key and self.series.pair is None:
            self.series.add_opportunities(opps)

    def on_fills(self, fills: list[Fill]) -> None:
        self._fills.extend(fills)
        del self._fills[:-MAX_MARKERS]
        if self.series.pair is not None and any(
            (f.venue, f.symbol) in (self.series.pair.a, self.series.pair.b) for f in fills
        ):
            self._rebuild_markers()

    def redraw(self) -> None:
        series = self.series
        if series.version == self._drawn_version or not self.isVisible():
            return
        self._drawn_version = series.version
        if self._follow:
            self._follow_edge()
        self._draw_visible()

    def _draw_visible(self) -> None:
        """The mid line and the bid/ask band of the visible slice. Dense (more than two points a
        pixel): per pixel column, the line goes through its lowest and highest mid (then the
        newest point as it is), and the band is one vertical stroke from the lowest lower edge
        to the highest upper edge -- the same shape as a filled envelope, and a fraction of the
        cost to paint (filling a polygon of ~1,800 vertices took ~3 ms a frame in software
        raster). Sparse: the points as they are, and the filled envelope through them."""
        series = self.series
        t = series.column(T)
        (left, right), _ = self.view_box.viewRange()
        i0 = max(0, int(np.searchsorted(t, left)) - 1)
        i1 = min(len(t), int(np.searchsorted(t, right, side="right")) + 1)
        if i1 - i0 < 1 or right <= left:
            self.mid_curve.setData([], [])
            self.band.setPath(QPainterPath())
            return
        x, mid = t[i0:i1], series.column(MID)[i0:i1]
        band = series.pair is not None and i1 - i0 >= 2
        pixels = max(2, int(self.view_box.width()))
        if len(x) <= 2 * pixels:
            self.mid_curve.setData(x.copy(), mid.copy(), skipFiniteCheck=True)
            if band:
                low, high = series.column(LOW)[i0:i1], series.column(HIGH)[i0:i1]
                self.band.setPen(_NO_PEN)
                self.band.setBrush(self._band_brush)
                self.band.setPath(pg.arrayToQPath(np.r_[x, x[::-1]], np.r_[low, high[::-1]]))
            else:
                self.band.setPath(QPainterPath())
            return
        # where each pixel column starts in the (sorted) slice: a search per column, not
        # arithmetic per point; the points just outside the view join the edge columns
        per_pixel = pixels / (right - left)
        bounds = np.searchsorted(x, left + np.arange(pixels + 1) / per_pixel)
        bounds[0], bounds[-1] = 0, len(x)
        filled = np.flatnonzero(bounds[1:] > bounds[:-1])
        starts = bounds[filled]
        line_x = np.empty(2 * len(starts) + 1)
        line_y = np.empty(2 * len(starts) + 1)
        line_x[0:-1:2] = line_x[1:-1:2] = x[starts]  # each column at its first point's time
        line_y[0:-1:2] = np.minimum.reduceat(mid, starts)
        line_y[1:-1:2] = np.maximum.reduceat(mid, starts)
        line_x[-1], line_y[-1] = x[-1], mid[-1]  # the newest point as it is
        self.mid_curve.setData(line_x, line_y, skipFiniteCheck=True)
        if not band:
            self.band.setPath(QPainterPath())
            return
        low, high = series.column(LOW)[i0:i1], series.column(HIGH)[i0:i1]
        xs = left + (filled + 0.5) / per_pixel
        ys = np.empty(2 * len(starts))
        ys[0::2] = np.minimum.reduceat(low, starts)
        ys[1::2] = np.maximum.reduceat(high, starts)
        self.band.setBrush(_NO_BRUSH)
        self.band.setPen(self._band_pen)
        self.band.setPath(pg.arrayToQPath(np.repeat(xs, 2), ys, connect="pairs"))

    # -- ranges ----------------------------------------------------------------------------------

    def _follow_edge(self) -> None:
        """Keep the live edge in view, moving the ranges in steps (with hysteresis), not every
        frame: an axis whose range moves must re-render its labels, the costliest part of a
        frame, while a curve alone repaints cheaply."""
        t = self.series.column(T)
        if not len(t):
            return
        span = float(self.span_box.currentData() or 0.0)
        last, first = float(t[-1]), float(t[0])
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        new_x: tuple[float, float] | None = None
        if span <= 0:  # everything: from the first point, 10% room on the right
            if not self._x_set or last > x1 or abs(x0 - first) > 1e-6:
                new_x = (first, last + max((last - first) * 0.1, 1.0))
        elif not self._x_set or last > x1 or last < x0 or (x1 - x0) > span * 1.01:
            if last - first >= span * 0.9:
                new_x = (last - span * 0.9, last + span * 0.1)
            else:  # less data than the window: grow in steps, the data filling two thirds
                new_x = (first, first + min(span, max((last - first) * 1.5, 10.0)))
        view_left = new_x[0] if new_x else x0
        start = int(np.searchsorted(t, view_left))
        low = self.series.column(LOW if self.series.pair else MID)[start:]
        high = self.series.column(HIGH if self.series.pair else MID)[start:]
        new_y = None
        if len(low):
            lo, hi = float(np.min(low)), float(np.max(high))
            used = (hi - lo) / max(y1 - y0, 1e-9)
            if lo < y0 or hi > y1 or used < 0.4 or not self._x_set:
                pad = max((hi - lo) * 0.15, 0.5)
                new_y = (lo - pad, hi + pad)
        if new_x is None and new_y is None:
            return
        self._setting_range = True
        try:
            if new_x is not None:
                self.view_box.setXRange(*new_x, padding=0)
            if new_y is not None:
                self.view_box.setYRange(*new_y, padding=0)
            self._x_set = True
        finally:
            self._setting_range = False

    def _x_range_changed(self, *_args: object) -> None:
        if not self._setting_range:
            self._draw_visible()

    def _manual_range(self, *_args: object) -> None:
        if not self._setting_range:
            self._set_follow(False)

    def _set_follow(self, on: bool) -> None:
        self._follow = on
        self.follow.blockSignals(True)
        self.follow.setChecked(on)
        self.follow.blockSignals(False)
        if on:
            self._drawn_version = -1
            self._x_set = False
            self.redraw()

    def _follow_toggled(self, on: bool) -> None:
        self._set_follow(on)

    def _window_changed(self) -> None:
        self._set_follow(True)

    # -- thresholds and markers --------------------------------------------------------------------

    def _fee_bps(self, pair: Pair) -> float:
        total = Decimal(0)
        for venue, symbol in (pair.a, pair.b):
            inst = self._controller.instrument(venue, symbol)
            if inst is not None:
                total += inst.taker_fee
        return to_float(total * 10_000)

    def _thresholds_changed(self) -> None:
        entry, exit_ = self.entry.value(), self.exit.value()
        for line, value in zip(self.entry_lines, (entry, -entry), strict=True):
            line.setValue(value)
            line.setVisible(entry > 0)
        self.exit_lines[0].setValue(exit_)
        self.exit_lines[1].setValue(-exit_)
        self.exit_lines[1].setVisible(exit_ != 0)

    def _rebuild_markers(self) -> None:
        spots = fill_spots(self._fills, self.series)
        self.markers.setData(spots)
        self.markers.setVisible(bool(spots))  # an empty scatter item still costs a paint

    def _marker_tip(self, x: float, y: float, data: object) -> str:
        if not isinstance(data, tuple):
            return ""
        fill, kind = data
        side = names.name(fill.side.value.upper())
        return f"{kind} · {side} {fill.qty} {fill.venue}:{fill.symbol} @ {fill.price}\n" + self.tr(
            "{time} · spread {bps} bps"
        ).format(time=fmt.clock(fill.ts_ns), bps=f"{y:+.2f}")

    # -- history and crosshair --------------------------------------------------------------------

    def _seed(self, pair: Pair) -> None:
        a = self._bridge.latest_quote(*pair.a)
        b = self._bridge.latest_quote(*pair.b)
        quotes = sorted((q for q in (a, b) if q is not None), key=lambda q: q.received_ns)
        self.series.add_quotes(quotes)

    def load_history(self) -> None:
        """Fill the chart's past from the store (once the engine runs)."""
        if self.series.pair is not None:
            self._load_history(self.series.pair)

    def _load_history(self, pair: Pair) -> None:
        if not self._controller.running:
            return
        self._history_task = self._controller.spawn(self._history(pair), "spread history")

    async def _history(self, pair: Pair) -> None:
        try:
            a = await self._controller.spread_history(*pair.a, limit=HISTORY_POINTS)
            b = await self._controller.spread_history(*pair.b, limit=HISTORY_POINTS)
        except Exception:
            if not self._controller.running:
                return  # closed meanwhile: no history is needed any more
            raise
        if self.series.pair != pair:
            return
        to_quote = [
            [Quote(s.venue, s.symbol, s.bid, s.bid_qty, s.ask, s.ask_qty, s.ts_ns) for s in xs]
            for xs in (a, b)
        ]
        if self.series.add_history(to_quote[0], to_quote[1]):
            self._rebuild_markers()
            self.redraw()

    def _legs_changed(self) -> None:
        a, b = self.leg_a.currentText(), self.leg_b.currentText()
        if a and b:
            a_venue, a_symbol = a.split(":", 1)
            b_venue, b_symbol = b.split(":", 1)
            self.show_pair(Pair((a_venue, a_symbol), (b_venue, b_symbol)))

    def _mouse_moved(self, event: tuple[QPointF]) -> None:
        pos = event[0]
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        point = self.view_box.mapSceneToView(pos)
        at = self.series.value_at(point.x())
        self.cross_v.setPos(point.x())
        self.cross_h.setPos(point.y())
        self.cross_v.setVisible(True)
        self.cross_h.setVisible(True)
        if at is None:
            return
        t, mid, low, high = at
        text = f"{fmt.clock(int(t * 1e9))}   " + self.tr("mid {bps} bps").format(bps=f"{mid:+.2f}")
        if self.series.pair is not None:
            text += "   " + self.tr("band {low} … {high}").format(
                low=f"{low:+.2f}", high=f"{high:+.2f}"
            )
        text += "   " + self.tr("cursor {bps}").format(bps=f"{point.y():+.2f}")
        self.readout.setText(text)
