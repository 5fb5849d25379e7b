"""The vault's master passphrase: unlock it, create it (typed twice), or change it.

The dialog stays open until ``submit`` succeeds, so a wrong passphrase is said where it was typed;
its fields are cleared whenever it closes. Deriving the key takes ~0.1 s (scrypt) and runs off the
event loop, in the ``AccountService``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from enum import Enum

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.engine.api import (
    MIN_PASSPHRASE_LENGTH,
    CredentialsError,
    WeakPassphrase,
    check_new_passphrase,
)
from app.ui.names import QT_TRANSLATE_NOOP
from app.ui.widgets import message_label, show_message

log = logging.getLogger(__name__)

#: ``submit(current, new)``: the current passphrase (empty when creating), the new one (empty
#: when unlocking). Raises ``CredentialsError`` to keep the dialog open with its message.
Submit = Callable[[str, str], Awaitable[None]]


class PassphraseMode(Enum):
    UNLOCK = "unlock"
    CREATE = "create"
    CHANGE = "change"


_TEXT = {  # English sources, translated when the dialog is built
    PassphraseMode.UNLOCK: (
        QT_TRANSLATE_NOOP("PassphraseDialog", "Unlock the vault"),
        QT_TRANSLATE_NOOP("PassphraseDialog", "Unlock"),
        QT_TRANSLATE_NOOP("PassphraseDialog", "Enter the master passphrase of {where}."),
    ),
    PassphraseMode.CREATE: (
        QT_TRANSLATE_NOOP("PassphraseDialog", "Create the vault"),
        QT_TRANSLATE_NOOP("PassphraseDialog", "Create vault"),
        QT_TRANSLATE_NOOP(
            "PassphraseDialog",
            "API keys will be kept in {where}. Choose its master passphrase (at least "
            "{n} characters). It cannot be recovered: without it, keys must be "
            "entered again.",
        ),
    ),
    PassphraseMode.CHANGE: (
        QT_TRANSLATE_NOOP("PassphraseDialog", "Change the vault passphrase"),
        QT_TRANSLATE_NOOP("PassphraseDialog", "Change"),
        QT_TRANSLATE_NOOP(
            "PassphraseDialog",
            "The vault is re-encrypted in one step: it always opens with the old passphrase or "
            "the new one.",
        ),
    ),
}


def _secret_field(name: str, parent: QWidget) -> QLineEdit:
    field = QLineEdit(parent)
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class PassphraseDialog(QDialog):
    def __init__(
        self,
        mode: PassphraseMode,
        submit: Submit,
        *,
        where: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.mode = mode
        self._submit = submit
        self.task: asyncio.Task[None] | None = None
        title, action, intro = (self.tr(text) for text in _TEXT[mode])
        if where is None:
            where = self.tr("the encrypted vault")
        self.setObjectName("passphraseDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.intro = QLabel(intro.format(where=where, n=MIN_PASSPHRASE_LENGTH), self)
        self.intro.setWordWrap(True)
        form = QFormLayout()
        self.current = _secret_field("currentPassphrase", self)
        self.new = _secret_field("newPassphrase", self)
        self.repeat = _secret_field("repeatPassphrase", self)
        if mode is not PassphraseMode.CREATE:
            form.addRow(
                self.tr("Passphrase:") if mode is PassphraseMode.UNLOCK else self.tr("Current:"),
                self.current,
            )
        if mode is not PassphraseMode.UNLOCK:
            form.addRow(self.tr("New passphrase:"), self.new)
            form.addRow(self.tr("Repeat it:"), self.repeat)
        self.message = message_label(self)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("submitPassphrase")
        self.ok.setDefault(True)
        self.ok.clicked.connect(self._clicked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def problems(self) -> str:
        """What is wrong with the fields, or nothing."""
        if self.mode is not PassphraseMode.CREATE and not self.current.text():
            return self.tr("Enter the passphrase.")
        if self.mode is not PassphraseMode.UNLOCK:
            try:
                check_new_passphrase(self.new.text(), self.repeat.text())
            except WeakPassphrase as exc:
                return f"{str(exc).capitalize()}."
        return ""

    def _clicked(self) -> None:
        problem = self.problems()
        if problem:
            show_message(self.message, problem, "error")
            return
        self._busy(True)
        show_message(self.message, self.tr("Working…"), "ok")
        self.task = asyncio.ensure_future(self._run(self.current.text(), self.new.text()))

    async def _run(self, current: str, new: str) -> None:
        try:
            await self._submit(current, new)
        except CredentialsError as exc:
            show_message(self.message, f"{str(exc).capitalize()}.", "error")
            self.current.clear()
            self.current.setFocus()
            return
        except Exception as exc:  # shown, logged, and the dialog stays usable
            log.exception("vault passphrase action failed")
            failed = self.tr("Failed: {error}").format(error=f"{type(exc).__name__}: {exc}")
            show_message(self.message, failed, "error")
            return
        finally:
            self._busy(False)
        self.accept()

    def _busy(self, busy: bool) -> None:
        for widget in (self.ok, self.current, self.new, self.repeat):
            widget.setEnabled(not busy)

    def done(self, result: int) -> None:
        for field in (self.current, self.new, self.repeat):
            field.clear()
        super().done(result)
