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
        self.setWindowTitle(self.tr("Panic report"))
        self.setModal(False)
        self.resize(620, 320)
        canceled = sum(v.canceled for v in report.venues)
        verdict = (
            self.tr("Everything canceled") if report.clean else self.tr("NOT CLEAN — action needed")
        )
        self.headline = QLabel(self)
        self.headline.setObjectName("panicHeadline")
        self.headline.setProperty("clean", report.clean)
        self.headline.setText(
            self.tr(
                "Trading HALTED · {verdict} · {canceled} orders canceled in "
                "{ms} ms · {bots} bots stopped"
            ).format(
                verdict=verdict,
                canceled=canceled,
                ms=fmt.num(report.elapsed_ms, 0),
                bots=report.bots_stopped,
            )
        )
        self.headline.setWordWrap(True)
        when = QLabel(
            self.tr("{time} UTC — by {actor}").format(
                time=fmt.clock(report.started_ns), actor=report.actor
            ),
            self,
        )
        when.setObjectName("muted")
        self.details = QPlainTextEdit(self.summary(report), self)
        self.details.setReadOnly(True)
        self.details.setObjectName("panicDetails")
        hint = QLabel(
            self.tr(
                "Trading stays HALTED until you choose “Resume trading…” in the toolbar, which "
                "reconciles with every venue first."
            ),
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

    def summary(self, report: PanicReport) -> str:
        """``PanicReport.summary`` in the window's language (the CLI prints the English one)."""
        lines = [
            self.tr("PANIC ({actor}): {reason}").format(actor=report.actor, reason=report.reason),
            self.counts(report),
        ]
        for v in report.venues:
            state = self.tr("clean") if v.clean else self.tr("NOT CLEAN")
            line = "  " + self.tr("{venue}: {n} canceled, {state}").format(
                venue=v.venue, n=v.canceled, state=state
            )
            if v.remaining_orders:
                line += self.tr("; still open: {ids}").format(ids=", ".join(v.remaining_orders))
            if v.closed_positions:
                line += self.tr("; closed: {ids}").format(ids=", ".join(v.closed_positions))
            if v.remaining_positions:
                line += self.tr("; positions left: {ids}").format(
                    ids=", ".join(v.remaining_positions)
                )
            if v.errors:
                line += self.tr("; errors: {errors}").format(errors="; ".join(v.errors))
            lines.append(line)
        return "\n".join(lines)

    def counts(self, report: PanicReport) -> str:
        return self.tr("{n} orders canceled in {ms} ms; {bots} bots stopped").format(
            n=sum(v.canceled for v in report.venues),
            ms=fmt.num(report.elapsed_ms, 0),
            bots=report.bots_stopped,
        )
