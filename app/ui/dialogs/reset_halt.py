"""Leaving HALTED: say what will happen, ask, then reconcile and report the outcome.

Confirming runs ``Engine.reset_halt(confirm=True)``: a fresh reconciliation of open orders, fills
and positions with every venue; trading becomes ACTIVE only if it passes. The dialog stays open
to show the result, so a refused reset is never silent.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.api import ReconciliationReport
from app.ui.controller import Controller
from app.ui.names import QT_TRANSLATE_NOOP
from app.ui.widgets import message_label, show_message

EXPLANATION = QT_TRANSLATE_NOOP(
    "ResetHaltDialog",
    "<p><b>Resume trading?</b></p>"
    "<p>Trading is <b>HALTED</b>{reason}. Resuming will:</p>"
    "<ol>"
    "<li>reconcile with every venue: open orders, fills, balances and positions are compared "
    "with our records (trading shows RECONCILING meanwhile);</li>"
    "<li>switch to <b>ACTIVE</b> only if they agree — otherwise trading stays HALTED and the "
    "differences are listed here;</li>"
    "<li>not restart any bot: start the ones you want yourself.</li>"
    "</ol>"
    "<p>New orders can leave as soon as trading is ACTIVE.</p>",
)


class ResetHaltDialog(QDialog):
    def __init__(self, controller: Controller, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.report: ReconciliationReport | None = None
        self.setObjectName("resetHaltDialog")
        self.setWindowTitle(self.tr("Leave HALTED"))
        self.setMinimumWidth(520)
        explanation = QCoreApplication.translate("ResetHaltDialog", EXPLANATION)
        self.text = QLabel(explanation.format(reason=f" ({reason})" if reason else ""), self)
        self.text.setWordWrap(True)
        self.message = message_label(self)
        self.message.hide()
        self.buttons = QDialogButtonBox(self)
        self.confirm = QPushButton(self.tr("Reconcile and resume"), self)
        self.confirm.setObjectName("confirmResume")
        self.cancel = QPushButton(self.tr("Stay halted"), self)
        self.cancel.setDefault(True)  # Enter does not resume by accident
        self.buttons.addButton(self.confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.confirm.clicked.connect(self._confirmed)
        self.cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _confirmed(self) -> None:
        self.confirm.setEnabled(False)
        self.cancel.setEnabled(False)
        show_message(self.message, self.tr("Reconciling with every venue…"), "ok")
        self.task = self._controller.spawn(self._reset(), "reset halt")

    async def _reset(self) -> None:
        try:
            report = await self._controller.reset_halt()
        except Exception as exc:
            failed = self.tr("Reset failed: {error}. Trading stays HALTED.").format(error=exc)
            show_message(self.message, failed, "error")
            self._finished()
            raise
        self.report = report
        if report.ok:
            show_message(self.message, self.tr("Reconciliation passed: trading is ACTIVE."), "ok")
        else:
            problems = "\n".join(f"• {p}" for p in report.problems())
            show_message(
                self.message,
                self.tr("Reconciliation failed; trading stays HALTED:\n{problems}").format(
                    problems=problems
                ),
                "error",
            )
        self._finished()

    def _finished(self) -> None:
        self.cancel.setText(self.tr("Close"))
        self.cancel.setEnabled(True)
        self.confirm.hide()
