"""The always-visible status bar of the window: mode, trading state, venues, loop lag, PANIC.

It cannot be hidden or moved away (DESIGN.md: always visible). The panic button is big, red and
acts on one click with no dialog; leaving HALTED is the deliberate act, behind a confirmation.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolBar, QWidget

from app.core.events import VenueState
from app.core.trading_state import TradingState
from app.engine.api import EngineSnapshot, TaskHealth
from app.ui import format as fmt
from app.ui import names
from app.ui.widgets import fixed_size

translate = QCoreApplication.translate

STATE_STYLE = {
    TradingState.ACTIVE: "active",
    TradingState.REDUCING: "reducing",
    TradingState.HALTED: "halted",
    TradingState.RECONCILING: "reconciling",
}
VENUE_COLORS = {
    VenueState.CONNECTED: "#26a69a",
    VenueState.CONNECTING: "#ffb74d",
    VenueState.STALE: "#ffb74d",
    VenueState.DOWN: "#ef5350",
    VenueState.CLOSED: "#5c6b80",
}


class VenueLight(QLabel):
    """A coloured dot and the venue's name; the tooltip says its state and message age."""

    def __init__(self, venue: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.venue = venue
        self.state: VenueState | None = None
        self.setObjectName("venueLight")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.update_state(None, "", None)

    def update_state(self, state: VenueState | None, detail: str, age_ms: float | None) -> None:
        self.state = state
        color = VENUE_COLORS.get(state, "#5c6b80") if state else "#5c6b80"
        text = f"<span style='color:{color}; font-size:15px'>●</span> {self.venue}"
        if text != self.text():  # twice a second, mostly the same: no relayout, no repaint
            self.setText(text)
        what = names.name(state.value) if state else self.tr("not connected yet")
        tip = f"{self.venue}: {what}"
        if detail:
            tip += f" ({detail})"
        tip += "\n" + (
            self.tr("last message {age} ago").format(age=fmt.age(age_ms))
            if age_ms is not None
            else self.tr("no message yet")
        )
        self.setToolTip(tip)


class StatusToolbar(QToolBar):
    panic_clicked = Signal()
    resume_clicked = Signal()

    def __init__(self, mode: str, venues: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Status"))
        self.setObjectName("statusToolbar")
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)  # it cannot be hidden
        self.setIconSize(QSize(16, 16))
        holder = QWidget(self)
        row = QHBoxLayout(holder)
        row.setContentsMargins(6, 2, 6, 2)
        row.setSpacing(10)

        live = mode == "live"
        self.mode = QLabel(self.tr("LIVE") if live else self.tr("PAPER"), holder)
        self.mode.setObjectName("modeLive" if live else "modePaper")
        self.mode.setToolTip(
            self.tr("LIVE: orders go to real exchanges with real money")
            if live
            else self.tr("PAPER: simulated fills, no real orders")
        )
        self.mode.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state = QLabel(names.name("STARTING"), holder)
        self.state.setObjectName("tradingState")
        self.state.setProperty("state", "reconciling")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state.setMinimumWidth(120)
        self.resume = QPushButton(self.tr("Resume trading…"), holder)
        self.resume.setObjectName("resumeButton")
        self.resume.setToolTip(
            self.tr("Leave HALTED: reconcile with every venue first, then ACTIVE")
        )
        self.resume.setVisible(False)
        self.lights = {venue: VenueLight(venue, holder) for venue in venues}
        self.lag = QLabel(self.tr("lag {ms}").format(ms=fmt.DASH), holder)
        self.lag.setObjectName("muted")
        fixed_size(
            self.lag, self.tr("lag {ms}").format(ms="9,999.9 ms") + "  ⚠ 99"
        )  # its text changes twice a second
        self.lag.setToolTip(self.tr("Event-loop lag: how late timers wake up (p50 / p99 / max)"))
        self.panic = QPushButton(self.tr("PANIC"), holder)
        self.panic.setObjectName("panicButton")
        self.panic.setToolTip(
            self.tr(
                "Halt trading, stop bots and cancel every open order on every venue — "
                "now, with no dialog (Ctrl+Shift+K)"
            )
        )
        self.panic.setCursor(Qt.CursorShape.PointingHandCursor)
        self.panic.setMinimumSize(QSize(150, 38))

        row.addWidget(self.mode)
        row.addWidget(self.state)
        row.addWidget(self.resume)
        row.addSpacing(8)
        for light in self.lights.values():
            row.addWidget(light)
        row.addSpacing(8)
        row.addWidget(self.lag)
        spacer = QWidget(holder)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row.addWidget(spacer)
        row.addWidget(self.panic)
        self.addWidget(holder)
        self.panic.clicked.connect(self.panic_clicked)
        self.resume.clicked.connect(self.resume_clicked)

    def set_trading_state(self, state: TradingState, reason: str) -> None:
        self.state.setText(names.name(state.value))
        self.state.setProperty("state", STATE_STYLE.get(state, "active"))
        self.state.setToolTip(reason or names.name(state.value))
        self.state.style().unpolish(self.state)
        self.state.style().polish(self.state)
        self.resume.setVisible(state is TradingState.HALTED)

    def set_snapshot(self, snap: EngineSnapshot) -> None:
        for health in snap.venues:
            light = self.lights.get(health.venue)
            if light is None:
                light = self.lights[health.venue] = VenueLight(health.venue, self)
            light.update_state(health.state, health.detail, health.message_age_ms)
        lag = snap.loop_lag
        failing = [t for t in snap.tasks if t.state == "failed" or t.failures]
        self.lag.setText(
            self.tr("lag {ms}").format(ms=fmt.num(lag.p99_ms, 1) + " ms")
            + (f"  ⚠ {len(failing)}" if failing else "")
        )
        self.lag.setToolTip(
            self.tr(
                "Event-loop lag over the last {samples} samples: p50 {p50} ms, "
                "p99 {p99} ms, max {max} ms"
            ).format(
                samples=lag.samples,
                p50=fmt.num(lag.p50_ms, 2),
                p99=fmt.num(lag.p99_ms, 2),
                max=fmt.num(lag.max_ms, 1),
            )
            + "\n\n"
            + task_lines(snap.tasks)
        )


def task_lines(tasks: tuple[TaskHealth, ...]) -> str:
    """The supervised tasks, one line each: state, restarts and the last error."""
    if not tasks:
        return translate("StatusToolbar", "Tasks: none running")
    lines = [translate("StatusToolbar", "Tasks:")]
    for t in tasks:
        line = f"  {t.name}: {names.name(t.state)}"
        if t.restarts:
            line += translate("StatusToolbar", ", {n} restarts").format(n=t.restarts)
        if t.last_error:
            line += translate("StatusToolbar", ", last error {error} [{trace}]").format(
                error=t.last_error, trace=t.last_trace_id
            )
        lines.append(line)
    return "\n".join(lines)
