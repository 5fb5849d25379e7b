"""The first live start of a day asks the trader to confirm, in the window, that real orders
with real money will be sent. The day of the last confirmation is kept in the data folder, so a
restart later the same day does not ask again (the LIVE label still says it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

MARKER = "live-confirmed.txt"


def today() -> str:
    return dt.date.today().isoformat()


def confirmed_today(data_dir: Path) -> bool:
    try:
        return (data_dir / MARKER).read_text(encoding="utf-8").strip() == today()
    except OSError:
        return False


def remember(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text(today() + "\n", encoding="utf-8")


class LiveConfirmDialog(QMessageBox):
    """Yes sends real orders on the named accounts; anything else closes the app."""

    def __init__(self, accounts: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("ArbDesk — LIVE trading"))
        self.setIcon(QMessageBox.Icon.Warning)
        self.setText(
            self.tr("LIVE mode sends real orders with real money to: {accounts}.").format(
                accounts=", ".join(accounts)
            )
        )
        self.setInformativeText(
            self.tr(
                "Bots that were running start again. The panic button halts everything. "
                "Start live trading?"
            )
        )
        self.yes = self.addButton(self.tr("Start LIVE trading"), QMessageBox.ButtonRole.AcceptRole)
        self.no = self.addButton(self.tr("Quit"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.no)

    def accepted_live(self) -> bool:
        return self.clickedButton() is self.yes


def ask_once_a_day(accounts: list[str], data_dir: Path) -> bool:
    """True when the trader confirmed today (now or earlier)."""
    if confirmed_today(data_dir):
        return True
    dialog = LiveConfirmDialog(accounts)
    dialog.exec()
    if not dialog.accepted_live():
        return False
    remember(data_dir)
    return True
