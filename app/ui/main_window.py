"""The main window: dockable panels around the always-visible status toolbar.

It owns no engine state: panels are fed by the bridge and act through the controller. Closing the
window does not close it: it asks the app to shut down in order (``app.ui.app``), which closes it
when the engine has stopped.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QSystemTrayIcon,
    QTableView,
    QWidget,
)

from app.core.events import Alert, AlertLevel
from app.core.panic import PanicReport
from app.core.trading_state import TradingState
from app.engine.api import EngineSnapshot
from app.runtime import settings_writer
from app.ui import format as fmt
from app.ui import i18n, layout_state
from app.ui.alerts_dialog import alerts_action
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.dialogs.help import HelpDialog
from app.ui.dialogs.panic_report import PanicReportDialog
from app.ui.dialogs.reset_halt import ResetHaltDialog
from app.ui.panels.bots import BotsPanel
from app.ui.panels.equity_chart import EquityChartPanel
from app.ui.panels.log_panel import LogPanel
from app.ui.panels.market_watch import MarketWatchPanel
from app.ui.panels.opportunities import OpportunitiesPanel
from app.ui.panels.orders import OrdersPanel
from app.ui.panels.positions import PositionsPanel
from app.ui.panels.risk import RiskPanel
from app.ui.panels.spread_chart import SpreadChartPanel
from app.ui.panels.ticket import OrderTicketPanel
from app.ui.shortcuts import SHORTCUTS
from app.ui.theme import app_icon
from app.ui.toolbar import StatusToolbar
from app.ui.widgets import fixed_size

log = logging.getLogger(__name__)

NOTIFY_EVERY_S = 5.0
DEFAULT_SIZE = (1920, 1080)


class MainWindow(QMainWindow):
    close_requested = Signal()

    def __init__(self, controller: Controller, bridge: Bridge) -> None:
        super().__init__()
        self._controller = controller
        self._bridge = bridge
        self._closing_allowed = False
        self._last_notify = 0.0
        self.notifications: list[tuple[str, str]] = []
        self.panic_dialog: PanicReportDialog | None = None
        self.reset_dialog: ResetHaltDialog | None = None
        self.accounts_dialog: QWidget | None = None
        self.setObjectName("mainWindow")
        mode = self.tr("LIVE") if controller.mode == "live" else self.tr("PAPER")
        market = (
            self.tr("replay of recorded data")
            if controller.market == "replay"
            else self.tr("simulated market")
        )
        self.setWindowTitle(self.tr("ArbDesk — {mode} · {market}").format(mode=mode, market=market))
        self.setWindowIcon(app_icon())
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )

        self.toolbar = StatusToolbar(controller.mode, controller.venues(), self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

        self.spread = SpreadChartPanel(controller, bridge)
        self.equity = EquityChartPanel(controller, bridge)
        self.positions = PositionsPanel(controller, bridge)
        self.orders = OrdersPanel(controller, bridge)
        self.opportunities = OpportunitiesPanel(controller, bridge)
        self.market = MarketWatchPanel(controller, bridge)
        self.risk = RiskPanel(controller, bridge)
        self.ticket = OrderTicketPanel(controller, bridge)
        self.log_panel = LogPanel(bridge)
        self.bots = BotsPanel(controller, bridge)
        self.docks: dict[str, QDockWidget] = {}
        for name, title, panel in (
            ("market", self.tr("Market watch"), self.market),
            ("spread", self.tr("Spread chart"), self.spread),
            ("equity", self.tr("Equity and daily PnL"), self.equity),
            ("ticket", self.tr("Order ticket"), self.ticket),
            ("opportunities", self.tr("Opportunities"), self.opportunities),
            ("orders", self.tr("Orders and fills"), self.orders),
            ("positions", self.tr("Positions and exposure"), self.positions),
            ("risk", self.tr("Risk"), self.risk),
            ("log", self.tr("Log and alerts"), self.log_panel),
            ("bots", self.tr("Bots"), self.bots),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"{name}Dock")
            dock.setWidget(panel)
            dock.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                | QDockWidget.DockWidgetFeature.DockWidgetClosable
            )
            self.docks[name] = dock
        self.resize(*DEFAULT_SIZE)
        self._default_layout()
        self._default_state = self.saveState(layout_state.STATE_VERSION)
        self.clock = QLabel(self)
        self.clock.setObjectName("muted")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        fixed_size(self.clock, self._clock_text("00:00:00.000", 99_999))
        self.statusBar().addPermanentWidget(self.clock)
        self.statusBar().showMessage(
            self.tr("{mode} on the {market}").format(mode=mode, market=market), 5000
        )

        self._actions()
        self.tray = self._tray()
        layout_state.restore(self, self.tables())

        self.toolbar.panic_clicked.connect(self.panic)
        self.toolbar.resume_clicked.connect(self.request_resume)
        self.opportunities.selected.connect(self._opportunity_selected)
        bridge.trading_state.connect(self.on_trading_state)
        bridge.panic_report.connect(self.show_panic_report)
        bridge.snapshot.connect(self.on_snapshot)
        bridge.alert.connect(self.notify)

    # -- layout ------------------------------------------------------------------------------------

    def _default_layout(self) -> None:
        d = self.docks
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        for dock in d.values():
            dock.setFloating(False)
            dock.show()
        self.addDockWidget(left, d["market"])
        self.splitDockWidget(d["market"], d["spread"], horizontal)
        self.splitDockWidget(d["spread"], d["equity"], horizontal)
        self.splitDockWidget(d["market"], d["ticket"], vertical)
        self.splitDockWidget(d["spread"], d["opportunities"], vertical)
        self.splitDockWidget(d["opportunities"], d["orders"], horizontal)
        self.splitDockWidget(d["equity"], d["positions"], vertical)
        self.splitDockWidget(d["positions"], d["risk"], vertical)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, d["log"])
        self.tabifyDockWidget(d["log"], d["bots"])
        d["log"].raise_()
        w, h = self.width(), self.height()
        self.resizeDocks(
            [d["market"], d["spread"], d["equity"]],
            [int(w * 0.28), int(w * 0.44), int(w * 0.28)],
            horizontal,
        )
        self.resizeDocks(
            [d["opportunities"], d["orders"]], [int(w * 0.22), int(w * 0.25)], horizontal
        )
        self.resizeDocks([d["market"], d["ticket"]], [int(h * 0.36), int(h * 0.40)], vertical)
        self.resizeDocks(
            [d["spread"], d["opportunities"]], [int(h * 0.46), int(h * 0.30)], vertical
        )
        self.resizeDocks(
            [d["equity"], d["positions"], d["risk"]],
            [int(h * 0.25), int(h * 0.22), int(h * 0.30)],
            vertical,
        )
        self.resizeDocks([d["log"]], [int(h * 0.15)], vertical)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, layout_state.STATE_VERSION)
        for dock in self.docks.values():
            dock.show()

    def tables(self) -> list[QTableView]:
        return [v for v in self.findChildren(QTableView) if v.objectName()]

    # -- actions, menus, tray ----------------------------------------------------------------------

    def _action(self, key: str, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(SHORTCUTS[key].keys))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _actions(self) -> None:
        self.panic_action = self._action("panic", self.tr("PANIC — cancel everything"), self.panic)
        self.resume_action = self._action("resume", self.tr("Resume trading…"), self.request_resume)
        self.quit_action = self._action("quit", self.tr("Quit"), self.close)
        self.help_action = self._action("help", self.tr("Keyboard shortcuts"), self.show_help)
        reset = self._action("reset_layout", self.tr("Restore default layout"), self.reset_layout)
        full = self._action("fullscreen", self.tr("Full screen"), self._toggle_full_screen)
        ticket = self._action("ticket", self.tr("Order ticket"), self._focus_ticket)

        menu = self.menuBar()
        file_menu = menu.addMenu(self.tr("&File"))
        accounts = self._accounts_action()
        if accounts is not None:
            file_menu.addAction(accounts)
            file_menu.addSeparator()
        file_menu.addAction(
            alerts_action(self, self._controller.alert_api(), self._controller.spawn, self._bridge)
        )
        file_menu.addAction(self.quit_action)
        view = menu.addMenu(self.tr("&View"))
        for key, dock in self.docks.items():
            toggle = dock.toggleViewAction()
            if key in SHORTCUTS:
                toggle.setShortcut(QKeySequence(SHORTCUTS[key].keys))
            view.addAction(toggle)
        view.addSeparator()
        view.addAction(ticket)
        view.addAction(reset)
        view.addAction(full)
        view.addSeparator()
        self.language_menu = self._language_menu()
        view.addMenu(self.language_menu)
        trading = menu.addMenu(self.tr("&Trading"))
        trading.addAction(self.panic_action)
        trading.addAction(self.resume_action)
        help_menu = menu.addMenu(self.tr("&Help"))
        help_menu.addAction(self.help_action)

    def _accounts_action(self) -> QAction | None:
        """The credentials helper's Accounts dialog, when it is there. Imported on first use:
        it brings ccxt, whose import alone would delay the first paint by more than a second."""
        if importlib.util.find_spec("app.ui.accounts_dialog") is None:
            return None
        action = QAction(self.tr("Accounts…"), self)
        action.setObjectName("accountsAction")

        def open_dialog() -> None:
            try:
                module = importlib.import_module("app.ui.accounts_dialog")
                dialog_class = module.AccountsDialog
                service = self._controller.account_service()
            except Exception as exc:  # no dialog, or the keychain or vault cannot be used
                self.statusBar().showMessage(
                    self.tr("Accounts unavailable: {error}").format(error=exc), 10_000
                )
                log.warning("accounts unavailable: %s", exc)
                return
            dialog = dialog_class(service, self)
            self.accounts_dialog = dialog
            dialog.open()

        action.triggered.connect(open_dialog)
        return action

    def _tray(self) -> QSystemTrayIcon:
        tray = QSystemTrayIcon(app_icon(), self)
        tray.setToolTip("ArbDesk")
        self.tray_menu = QMenu(self)
        show = self.tray_menu.addAction(self.tr("Show window"))
        show.triggered.connect(self._raise)
        self.tray_menu.addSeparator()
        self.tray_panic = self.tray_menu.addAction(self.tr("PANIC — cancel everything"))
        self.tray_panic.triggered.connect(self.panic)
        self.tray_menu.addAction(self.resume_action)
        self.tray_menu.addSeparator()
        self.tray_menu.addAction(self.quit_action)
        tray.setContextMenu(self.tray_menu)
        if QSystemTrayIcon.isSystemTrayAvailable():
            tray.show()
        return tray

    def _language_menu(self) -> QMenu:
        """View → Language: saved in the settings file, applied on the next start."""
        menu = QMenu(self.tr("Language (applies on restart)"), self)
        menu.setObjectName("languageMenu")
        group = QActionGroup(menu)
        choices = {"auto": self.tr("System language"), **i18n.LANGUAGE_NAMES}
        for code, name in choices.items():
            action = menu.addAction(name)
            action.setObjectName(f"language_{code}")
            action.setCheckable(True)
            action.setChecked(code == self._controller.language)
            action.setData(code)
            group.addAction(action)
        group.triggered.connect(lambda action: self.choose_language(str(action.data())))
        return menu

    def choose_language(self, language: str) -> None:
        try:
            path = settings_writer.set_value("ui", "language", language)
        except OSError as exc:
            self.statusBar().showMessage(
                self.tr("The language could not be saved: {error}").format(error=exc), 10_000
            )
            return
        log.info("language %s saved in %s", language, path)
        self.statusBar().showMessage(
            self.tr("Language saved: it applies when ArbDesk starts again."), 10_000
        )

    def _level_name(self, level: AlertLevel) -> str:
        names = {
            AlertLevel.INFO: self.tr("info"),
            AlertLevel.WARNING: self.tr("warning"),
            AlertLevel.CRITICAL: self.tr("critical"),
        }
        return names.get(level, level.value)

    # -- trading -----------------------------------------------------------------------------------

    def panic(self) -> None:
        """One click, no dialog: halt, stop bots, cancel everything; the report follows."""
        log.critical("PANIC pressed in the window")
        self.toolbar.set_trading_state(TradingState.HALTED, self.tr("panic in progress"))
        self._controller.spawn(self._controller.panic("panic button"), "panic")

    def show_panic_report(self, report: PanicReport) -> None:
        if self.panic_dialog is not None:
            self.panic_dialog.close()
        dialog = self.panic_dialog = PanicReportDialog(report, self)
        dialog.show()
        dialog.raise_()
        self._notify(
            self.tr("Panic: everything canceled") if report.clean else self.tr("Panic: NOT CLEAN"),
            dialog.counts(report),
            critical=not report.clean,
        )

    def request_resume(self) -> None:
        if self._controller.trading_state is not TradingState.HALTED:
            self.statusBar().showMessage(self.tr("Trading is not HALTED: nothing to resume."), 4000)
            return
        self.reset_dialog = ResetHaltDialog(self._controller, self._controller.state_reason, self)
        self.reset_dialog.open()

    def on_trading_state(self, state: TradingState, reason: str) -> None:
        self.toolbar.set_trading_state(state, reason)
        self.resume_action.setEnabled(state is TradingState.HALTED)

    def on_snapshot(self, snap: EngineSnapshot) -> None:
        self.toolbar.set_snapshot(snap)
        self.clock.setText(self._clock_text(fmt.clock(self._controller.now_ns()), len(snap.quotes)))

    def _clock_text(self, clock: str, books: int) -> str:
        return self.tr("market time {clock} UTC · {books} books").format(
            clock=clock, books=fmt.num(books, 0)
        )

    def notify(self, alert: Alert) -> None:
        if alert.level is AlertLevel.INFO:
            return
        self._notify(
            self.tr("ArbDesk {level}").format(level=self._level_name(alert.level)),
            f"{alert.source}: {alert.message}",
            critical=alert.level is AlertLevel.CRITICAL,
        )

    def _notify(self, title: str, text: str, *, critical: bool = False) -> None:
        now = time.monotonic()
        if not critical and now - self._last_notify < NOTIFY_EVERY_S:
            return
        self._last_notify = now
        self.notifications.append((title, text))
        icon = (
            QSystemTrayIcon.MessageIcon.Critical
            if critical
            else QSystemTrayIcon.MessageIcon.Warning
        )
        if self.tray.isVisible():
            self.tray.showMessage(title, text, icon, 8000)
        self.statusBar().showMessage(f"{title}: {text}", 8000)

    # -- helpers -----------------------------------------------------------------------------------

    def _opportunity_selected(self, opp: object) -> None:
        from app.core.opportunities import Opportunity

        if isinstance(opp, Opportunity):
            self.spread.show_opportunity(opp)
            self.docks["spread"].show()
            self.docks["spread"].raise_()

    def show_help(self) -> None:
        HelpDialog(self).open()

    def _focus_ticket(self) -> None:
        self.docks["ticket"].show()
        self.docks["ticket"].raise_()
        self.ticket.quantity.setFocus()

    def _toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _raise(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    # -- closing -----------------------------------------------------------------------------------

    def save_layout(self) -> None:
        layout_state.save(self, self.tables())

    def allow_close(self) -> None:
        self._closing_allowed = True

    def stop_input(self) -> None:
        """Shutting down: no new orders from the window (the panic button stays)."""
        for dock in self.docks.values():
            widget: QWidget | None = dock.widget()
            if widget is not None and widget is not self.log_panel:
                widget.setEnabled(False)
        self.statusBar().showMessage(
            self.tr("Shutting down: stopping bots, closing venues, store…")
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing_allowed:
            self.tray.hide()
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()
