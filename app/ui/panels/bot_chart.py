"""A bot's spread chart: its two legs' spread in bps, its levels as horizontal lines, its fills.

The spread is the spread chart's (``SpreadSeries``: B over A, the mid line and the executable
edges), for the bot's own pair: a spread DCA's ``leg_b`` over ``leg_a``, a cash-and-carry's
perpetual over its spot. The lines are the bot's parameters in bps: a spread DCA's entry, adds,
take-profit and stop (on the positive side when it sells ``leg_b``, mirrored below zero when it
sells ``leg_a``, both when either may be rich), a cash-and-carry's entry and exit basis. Points
come from the bridge's table flush (the latest quote of each leg, ~10 Hz) and the store's sampled
history; the ranges are set here from the data and the levels (no pyqtgraph auto-range, which
would scan every point at every frame), and stop following once the user pans or zooms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.core.orders import Fill
from app.core.quotes import Quote
from app.engine.api import BotView
from app.ui import format as fmt
from app.ui import names
from app.ui.controller import Controller
from app.ui.date_axis import date_axis
from app.ui.fill_markers import fill_spots
from app.ui.spread_series import HIGH, LOW, MID, Pair, SpreadSeries, T
from app.ui.theme import cache_axes

translate = QCoreApplication.translate

CAPACITY = 200_000
HISTORY_POINTS = 20_000
MAX_MARKERS = 2_000
_LEVEL_COLORS = {
    "entry": "#ffb74d",
    "add": "#ffe082",
    "take profit": "#80cbc4",
    "exit": "#80cbc4",
    "stop": "#ef5350",
}


@dataclass(frozen=True, slots=True)
class Level:
    """A horizontal line: what it is (``entry``, ``add``...), its label, its height in bps."""

    kind: str
    label: str
    bps: float


def _instrument(text: object) -> tuple[str, str] | None:
    venue, sep, symbol = str(text or "").strip().partition(":")
    return (venue, symbol) if sep and venue and symbol else None


def bot_pair(view: BotView) -> Pair | None:
    """The two instruments whose spread the bot trades (A, then B), or None (cross arbitrage
    follows whatever the scanner finds: no one pair)."""
    p = view.params
    a, b = (p.get("leg_a"), p.get("leg_b")) if "leg_a" in p else (p.get("spot"), p.get("perp"))
    leg_a, leg_b = _instrument(a), _instrument(b)
    return Pair(leg_a, leg_b) if leg_a and leg_b else None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def bot_levels(view: BotView) -> list[Level]:
    """The bot's thresholds in bps of the chart (B over A)."""
    p: Mapping[str, Any] = view.params
    if "entry_bps" in p:  # cash and carry: the basis of the perpetual over the spot
        levels = []
        for kind, key, label in (
            ("entry", "entry_bps", translate("BotChart", "entry (net)")),
            ("exit", "exit_bps", translate("BotChart", "exit")),
        ):
            value = _number(p.get(key))
            if value is not None:
                levels.append(Level(kind, f"{label} {value:g}", value))
        return levels
    if "entry" not in p:
        return []
    scale = 100.0 if p.get("unit") == "pct" else 1.0  # percent -> bps
    direction = p.get("direction", "either")
    signs = {"b_rich": (1,), "a_rich": (-1,)}.get(str(direction), (1, -1))
    adds = [a for a in (_number(x) for x in p.get("adds", [])) if a is not None]
    max_adds = int(_number(p.get("max_adds")) or 0) if "max_adds" in p else len(adds)
    named: list[tuple[str, str, float | None]] = [
        ("entry", translate("BotChart", "entry"), _number(p.get("entry")))
    ]
    add = translate("BotChart", "add {n}")
    named += [("add", add.format(n=k), a) for k, a in enumerate(adds[:max_adds], 1)]
    named += [
        ("take profit", translate("BotChart", "take profit"), _number(p.get("take_profit"))),
        ("stop", translate("BotChart", "stop"), _number(p.get("stop"))),
    ]
    sell_b, sell_a = translate("BotChart", " (sell B)"), translate("BotChart", " (sell A)")
    levels = []
    for sign in signs:
        for kind, label, value in named:
            if value is None:
                continue
            side = "" if len(signs) == 1 else (sell_b if sign > 0 else sell_a)
            levels.append(Level(kind, f"{label} {value:g}{side}", sign * value * scale))
    return levels


class BotChart(QWidget):
    def __init__(
        self,
        controller: Controller,
        latest_quote: Callable[[str, str], Quote | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._latest_quote = latest_quote
        self.series = SpreadSeries(CAPACITY)
        self.levels: list[Level] = []
        self.level_lines: list[pg.InfiniteLine] = []
        self._fills: list[Fill] = []
        self._drawn_version = -1
        self._follow = True
        self._setting_range = False
        self._bot_id = ""
        self._history_task: object = None

        self.title = QLabel(self.tr("Select a bot to see its spread."), self)
        self.title.setObjectName("botChartTitle")
        self.plot = pg.PlotWidget(axisItems={"bottom": date_axis()})
        self.plot.setObjectName("botSpreadPlot")
        cache_axes(self.plot)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.12)
        item.setLabel("left", self.tr("spread"), units="bps")
        item.getAxis("left").enableAutoSIPrefix(False)
        item.hideButtons()
        item.setMenuEnabled(False)
        self.view_box = item.getViewBox()
        self.view_box.enableAutoRange(enable=False)
        edge = {"clipToView": True, "autoDownsample": True, "downsampleMethod": "peak"}
        self.low_curve = pg.PlotDataItem(pen=pg.mkPen(120, 144, 176, 150, width=1), **edge)
        self.high_curve = pg.PlotDataItem(pen=pg.mkPen(120, 144, 176, 150, width=1), **edge)
        self.mid_curve = pg.PlotDataItem(pen=pg.mkPen("#4fc3f7", width=1), **edge)
        for curve in (self.low_curve, self.high_curve, self.mid_curve):
            item.addItem(curve)
        self.markers = pg.ScatterPlotItem(size=12, hoverable=True, tip=self._marker_tip)
        item.addItem(self.markers)
        self.view_box.sigRangeChangedManually.connect(self._manual_range)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)

    # -- what is shown -----------------------------------------------------------------------

    def show_bot(self, view: BotView | None) -> None:
        """Follow ``view``'s pair and levels (None: nothing); the same bot again only updates
        its levels (its parameters may have been edited)."""
        pair = bot_pair(view) if view is not None else None
        same = view is not None and view.id == self._bot_id and pair == self.series.pair
        self._bot_id = view.id if view is not None else ""
        self._set_levels(bot_levels(view) if view is not None and pair is not None else [])
        if same:
            return
        self.series.reset(pair)
        self._fills = []
        self.markers.setData([])
        self._follow = True
        if view is None:
            self.title.setText(self.tr("Select a bot to see its spread."))
        elif pair is None:
            self.title.setText(
                self.tr("{bot} ({kind}) has no one pair to chart.").format(
                    bot=view.id, kind=view.kind
                )
            )
        else:
            self.title.setText(f"{view.id}: {pair.label} (bps)")
            latest = (self._latest_quote(*pair.a), self._latest_quote(*pair.b))
            self.series.add_quotes(
                sorted((q for q in latest if q is not None), key=lambda q: q.received_ns)
            )
            self._load_history(pair)
        self._drawn_version = -1
        self.redraw()

    def _set_levels(self, levels: list[Level]) -> None:
        if levels == self.levels:
            return
        item = self.plot.getPlotItem()
        for line in self.level_lines:
            item.removeItem(line)
        self.levels = levels
        self.level_lines = []
        for n, level in enumerate(levels):
            color = _LEVEL_COLORS.get(level.kind, "#8a94a6")
            style = Qt.PenStyle.SolidLine if level.kind == "stop" else Qt.PenStyle.DashLine
            line = pg.InfiniteLine(
                pos=level.bps,
                angle=0,
                pen=pg.mkPen(color, width=1, style=style),
                label=level.label,
                # labels side by side along the line, so that close levels stay readable
                labelOpts={
                    "position": 0.02 + 0.14 * (n % 7),
                    "color": color,
                    "anchors": [(0, 1), (0, 1)],
                },
            )
            item.addItem(line, ignoreBounds=True)
            self.level_lines.append(line)
        self._drawn_version = -1

    # -- data --------------------------------------------------------------------------------

    def add_quotes(self, quotes: Sequence[Quote]) -> None:
        pair = self.series.pair
        if pair is None:
            return
        mine = [q for q in quotes if (q.venue, q.symbol) in (pair.a, pair.b)]
        if mine:
            self.series.add_quotes(sorted(mine, key=lambda q: q.received_ns))

    def set_fills(self, fills: Sequence[Fill]) -> None:
        self._fills = list(fills[-MAX_MARKERS:])
        self._rebuild_markers()

    def _load_history(self, pair: Pair) -> None:
        if self._controller.running:
            self._history_task = self._controller.spawn(self._history(pair), "bot spread history")

    async def _history(self, pair: Pair) -> None:
        try:
            a = await self._controller.spread_history(*pair.a, limit=HISTORY_POINTS)
            b = await self._controller.spread_history(*pair.b, limit=HISTORY_POINTS)
        except Exception:
            if not self._controller.running:
                return
            raise
        if self.series.pair != pair:
            return
        quotes = [
            [Quote(s.venue, s.symbol, s.bid, s.bid_qty, s.ask, s.ask_qty, s.ts_ns) for s in xs]
            for xs in (a, b)
        ]
        if self.series.add_history(quotes[0], quotes[1]):
            self._rebuild_markers()
            self.redraw()

    # -- drawing -----------------------------------------------------------------------------

    def redraw(self) -> None:
        series = self.series
        if series.version == self._drawn_version or not self.isVisible():
            return
        self._drawn_version = series.version
        t = series.column(T)
        self.mid_curve.setData(t, series.column(MID), skipFiniteCheck=True)
        self.low_curve.setData(t, series.column(LOW), skipFiniteCheck=True)
        self.high_curve.setData(t, series.column(HIGH), skipFiniteCheck=True)
        if self._follow:
            self._fit()

    def _fit(self) -> None:
        """Everything in view: the data and every level."""
        t = self.series.column(T)
        ys = [lv.bps for lv in self.levels]
        if len(t):
            ys += [float(np.min(self.series.column(LOW))), float(np.max(self.series.column(HIGH)))]
        if not ys:
            return
        lo, hi = min(ys), max(ys)
        pad = max((hi - lo) * 0.12, 0.5)  # room for the top line's label
        self._setting_range = True
        try:
            if len(t):
                first, last = float(t[0]), float(t[-1])
                self.view_box.setXRange(first, last + max((last - first) * 0.05, 1.0), padding=0)
            self.view_box.setYRange(lo - pad, hi + pad, padding=0)
        finally:
            self._setting_range = False

    def _manual_range(self, *_args: object) -> None:
        if not self._setting_range:
            self._follow = False

    def follow(self) -> None:
        """Back to showing everything (after a pan or zoom)."""
        self._follow = True
        self._drawn_version = -1
        self.redraw()

    def _rebuild_markers(self) -> None:
        self.markers.setData(fill_spots(self._fills, self.series))

    def marker_count(self) -> int:
        return len(self.markers.data)

    def _marker_tip(self, x: float, y: float, data: object) -> str:
        if not isinstance(data, tuple):
            return ""
        fill, kind = data
        side = names.name(fill.side.value.upper())
        return f"{kind} · {side} {fill.qty} {fill.venue}:{fill.symbol} @ {fill.price}\n" + self.tr(
            "{time} · spread {bps} bps"
        ).format(time=fmt.clock(fill.ts_ns), bps=f"{y:+.2f}")
