"""The Alerts dialog (File → Alerts…): every channel of ``[alerts.channels]`` with its status, and
a "Send test" button per channel; and the alert sound, wired to the bridge's alerts.

Channels are configured in the settings file and their secrets through ``arbdesk alerts secret``
(README, "Alerts"); this dialog only shows them and tests them, through the engine's API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine.api import ChannelStatus, DeliveryResult
from app.runtime.settings import Settings
from app.ui.alert_sound import AlertSound
from app.ui.bridge import Bridge

Spawn = Callable[[Coroutine[Any, Any, None], str], object]
COLUMNS = 8
TEST_COLUMN = 7


class AlertsApi(Protocol):
    """What the dialog needs of the engine (``Engine`` has it)."""

    @property
    def settings(self) -> Settings: ...

    def alert_channels(self) -> tuple[ChannelStatus, ...]: ...

    async def send_test_alert(self, channel: str) -> DeliveryResult: ...


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) if seconds else "—"


class AlertsDialog(QDialog):
    def __init__(self, api: AlertsApi, spawn: Spawn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertsDialog")
        self.setWindowTitle(self.tr("Alerts"))
        self._api = api
        self._spawn = spawn
        self.results: dict[str, DeliveryResult] = {}
        self.buttons: dict[str, QPushButton] = {}
        sound = api.settings.alerts.sound
        sound_text = ", ".join(sound.levels) if sound.enabled else self.tr("off")
        self.intro = QLabel(
            self.tr(
                "Desktop notifications: the tray icon. Sound: {sound}. Channels are set in "
                "[alerts.channels] of the settings file; their secrets with "
                "'arbdesk alerts secret'."
            ).format(sound=sound_text)
        )
        self.intro.setWordWrap(True)
        self.table = QTableWidget(0, COLUMNS, self)
        self.table.setObjectName("alertChannels")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Channel"),
                self.tr("Kind"),
                self.tr("Enabled"),
                self.tr("Sent"),
                self.tr("Failed"),
                self.tr("Last delivery"),
                self.tr("Last error"),
                self.tr("Test"),
            ]
        )
        self.empty = QLabel(self.tr("No alert channels are configured."))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table)
        layout.addWidget(self.empty)
        layout.addWidget(close)
        self._build_rows()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(1_000)
        self.resize(900, 300)

    def _build_rows(self) -> None:
        statuses = self._api.alert_channels()
        self.table.setRowCount(len(statuses))
        self.empty.setVisible(not statuses)
        for row, status in enumerate(statuses):
            button = QPushButton(self.tr("Send test"))
            button.setObjectName(f"sendTest_{status.name}")
            button.clicked.connect(lambda _=False, name=status.name: self.send_test(name))
            self.buttons[status.name] = button
            self.table.setCellWidget(row, TEST_COLUMN, button)
        self.refresh()

    def refresh(self) -> None:
        for row, status in enumerate(self._api.alert_channels()):
            result = self.results.get(status.name)
            cells = [
                status.name,
                status.kind,
                self.tr("yes") if status.enabled else self.tr("no"),
                str(status.sent),
                str(status.failed),
                _when(status.last_delivery_s),
                status.last_error,
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if result is not None:
                self.buttons[status.name].setToolTip(self.result_text(result))

    def result_text(self, result: DeliveryResult) -> str:
        if result.ok:
            return self.tr("Delivered ({attempts} attempt(s))").format(attempts=result.attempts)
        return self.tr("Failed: {error}").format(error=result.error)

    def send_test(self, name: str) -> None:
        """Through the engine's API, in a task: the window keeps running while it is sent."""
        button = self.buttons[name]
        button.setEnabled(False)
        button.setText(self.tr("Sending…"))
        self._spawn(self._send(name), f"test alert to {name}")

    async def _send(self, name: str) -> None:
        try:
            result = await self._api.send_test_alert(name)
        finally:
            self.buttons[name].setEnabled(True)
        self.results[name] = result
        self.buttons[name].setText(self.result_text(result))
        self.refresh()


class AlertsHook(QObject):
    """The menu item that opens the dialog, and the alert sound on the bridge's alerts: the one
    hook the main window needs (``window.findChild(QObject, "alertsHook")``)."""

    def __init__(self, window: QMainWindow, api: AlertsApi, spawn: Spawn, bridge: Bridge) -> None:
        super().__init__(window)
        self.setObjectName("alertsHook")
        self._window = window
        self._api = api
        self._spawn = spawn
        sound = api.settings.alerts.sound
        self.sound = AlertSound(sound.enabled, list(sound.levels), self)
        bridge.alert.connect(self.sound.on_alert)
        self.dialog: AlertsDialog | None = None
        self.action = QAction(self.tr("Alerts…"), window)
        self.action.setObjectName("alertsAction")
        self.action.triggered.connect(self.open_dialog)

    def open_dialog(self) -> None:
        self.dialog = AlertsDialog(self._api, self._spawn, self._window)
        self.dialog.open()


def alerts_action(window: QMainWindow, api: AlertsApi, spawn: Spawn, bridge: Bridge) -> QAction:
    return AlertsHook(window, api, spawn, bridge).action
