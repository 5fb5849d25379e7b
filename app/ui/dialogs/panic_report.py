"""What the kill switch did, venue by venue: shown as soon as the report arrives."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.panic import PanicReport
from app.ui import format as fmt


class PanicReportDialog(QDialog):
    def __init__(self, report: PanicReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setObjectName("panicReportDialog")
        self.setWindowTitle("Panic report")
        self.setModal(False)
        self.resize(620, 320)
        canceled = sum(v.canceled for v in report.venues)
        verdict = "Everything canceled" if report.clean else "NOT CLEAN — action needed"
        self.headline = QLabel(self)
        self.headline.setObjectName("panicHeadline")
        self.headline.setProperty("clean", report.clean)
        self.headline.setText(
            f"Trading HALTED · {verdict} · {canceled} orders canceled in "
            f"{report.elapsed_ms:,.0f} ms · {report.bots_stopped} bots stopped"
        )
        self.headline.setWordWrap(True)
        when = QLabel(f"{fmt.clock(report.started_ns)} UTC — by {report.actor}", self)
        when.setObjectName("muted")
        self.details = QPlainTextEdit(report.summary(), self)
        self.details.setReadOnly(True)
        self.details.setObjectName("panicDetails")
        hint = QLabel(
            "Trading stays HALTED until you choose “Resume trading…” in the toolbar, which "
            "reconciles with every venue first.",
            self,
        )
        hint.setWordWrap(True)
        hint.setObjectName("muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(when)
        layout.addWidget(self.details, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
