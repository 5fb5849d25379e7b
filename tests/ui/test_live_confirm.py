"""The first live start of a day asks in the window; the answer is remembered for the day."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.ui.live_confirm import LiveConfirmDialog, ask_once_a_day, confirmed_today


def answer_dialog(qtbot: QtBot, start: bool) -> None:
    """Click a button of the modal dialog once it is shown."""

    def click() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LiveConfirmDialog)
        assert "bn-main" in dialog.text()
        qtbot.mouseClick(dialog.yes if start else dialog.no, Qt.MouseButton.LeftButton)

    QTimer.singleShot(50, click)


def test_quit_is_the_default_and_refuses_live(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = LiveConfirmDialog(["bn-main"])
    qtbot.addWidget(dialog)
    assert dialog.defaultButton() is dialog.no
    answer_dialog(qtbot, start=False)
    assert ask_once_a_day(["bn-main"], tmp_path) is False
    assert not confirmed_today(tmp_path)


def test_confirmed_once_it_does_not_ask_again_that_day(qtbot: QtBot, tmp_path: Path) -> None:
    answer_dialog(qtbot, start=True)
    assert ask_once_a_day(["bn-main"], tmp_path) is True
    assert confirmed_today(tmp_path)
    assert ask_once_a_day(["bn-main"], tmp_path) is True  # no dialog: nothing would click it
    (tmp_path / "live-confirmed.txt").write_text("2020-01-01\n")
    assert not confirmed_today(tmp_path)
