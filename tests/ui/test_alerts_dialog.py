"""File → Alerts…: the channels with their status, and "Send test" against a loopback server;
the alert sound per severity (bundled WAVs equal to their generator)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QPushButton
from pytestqt.qtbot import QtBot

from app.core.events import Alert, AlertLevel
from app.ui.alert_sound import TONES, AlertSound, sound_file, system_player, tone_wav
from app.ui.alerts_dialog import AlertsDialog, AlertsHook
from tests.support.alert_server import alert_server

from .conftest import open_desk, until


async def test_send_test_from_the_dialog_shows_the_result(qtbot: QtBot) -> None:
    async with alert_server() as server:
        channels = {
            "ops": {"kind": "webhook", "url": server.url("/hook")},
            "tg": {"kind": "telegram", "url": server.base_url, "chat_id": "42"},
        }
        async with open_desk(alerts={"channels": channels}) as desk:
            action = desk.window.findChild(QAction, "alertsAction")
            assert action is not None and action.text() == "Alerts…"
            action.trigger()
            dialog = desk.window.findChild(QDialog, "alertsDialog")
            assert isinstance(dialog, AlertsDialog) and dialog.isVisible()
            table = dialog.table
            assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["ops", "tg"]
            assert table.item(0, 1).text() == "webhook"

            ops = dialog.findChild(QPushButton, "sendTest_ops")
            assert ops is not None
            qtbot.mouseClick(ops, Qt.MouseButton.LeftButton)
            await until(lambda: ops.text().startswith("Delivered"), what="the test's result")
            assert ops.text() == "Delivered (1 attempt(s))"
            await until(lambda: table.item(0, 3).text() == "1", what="the status refreshed")

            tg = dialog.findChild(QPushButton, "sendTest_tg")
            assert tg is not None
            qtbot.mouseClick(tg, Qt.MouseButton.LeftButton)
            await until(lambda: tg.text().startswith("Failed"), what="the telegram test")
            assert tg.text() == "Failed: no bot_token stored for this channel"
            assert table.item(1, 6).text() == "no bot_token stored for this channel"
            dialog.close()
        assert len(server.received) == 1
        body = server.received[0].json()
        assert (body["source"], body["level"]) == ("test", "info")


async def test_the_window_plays_the_sound_of_an_alerts_severity() -> None:
    async with open_desk() as desk:
        hook = desk.window.findChild(QObject, "alertsHook")
        assert isinstance(hook, AlertsHook)
        expected = system_player()
        assert hook.sound.backend in ("QtMultimedia", expected[0] if expected else "beep")
    sound = AlertSound(True, ["warning", "critical"])
    sound.on_alert(Alert(AlertLevel.INFO, "bots", "started"))
    sound.on_alert(Alert(AlertLevel.CRITICAL, "risk", "halt"))
    sound.on_alert(Alert(AlertLevel.WARNING, "venue", "stale"))  # within a second: quiet
    assert sound.played == ["critical"]
    muted = AlertSound(False, ["critical"])
    muted.on_alert(Alert(AlertLevel.CRITICAL, "risk", "halt"))
    assert muted.played == []


def test_the_bundled_sounds_are_what_the_generator_makes() -> None:
    for level, tone in TONES.items():
        assert sound_file(level).read_bytes() == tone_wav(*tone), level
        assert len(sound_file(level).read_bytes()) < 8_000
