"""The Accounts dialog: every exchange account, its masked key, and Add / Edit / Remove / Test.

It works against an ``AccountService`` alone, so it runs standalone as well as from the window.
Every action is a task on the running loop (qasync in the app); nested dialogs are opened with
``open()`` and awaited, never ``exec()``. Removal asks first, through ``confirm`` (injectable).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QCoreApplication, QItemSelectionModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.api import (
    AccountInvalid,
    AccountService,
    AccountView,
    CredentialsError,
    KeysState,
    NoKeys,
    NoSuchAccount,
)
from app.ui import names
from app.ui.account_form import AccountFormDialog, report_text
from app.ui.async_dialogs import Confirm, ask, confirm_box
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP
from app.ui.passphrase_dialog import PassphraseDialog, PassphraseMode
from app.ui.widgets import message_label, proxy, show_message, table

log = logging.getLogger(__name__)

translate = QCoreApplication.translate
_WARN = QColor("#ff8a80")
_LIVE = QColor("#ffb74d")


def _keys_text(view: AccountView) -> str:
    if view.keys is KeysState.STORED:
        return view.key_hint or translate("AccountsDialog", "stored")
    return {
        KeysState.NOT_NEEDED: "—",
        KeysState.LOCKED: translate("AccountsDialog", "vault locked"),
        KeysState.MISSING: translate("AccountsDialog", "MISSING"),
        KeysState.UNREADABLE: translate("AccountsDialog", "unreadable"),
    }[view.keys]


COLUMNS: tuple[Column[AccountView], ...] = (
    Column(QT_TRANSLATE_NOOP("Columns", "Label"), lambda v: v.label),
    Column(QT_TRANSLATE_NOOP("Columns", "Exchange"), lambda v: v.venue),
    Column(
        QT_TRANSLATE_NOOP("Columns", "Mode"),
        lambda v: names.name("LIVE") if v.live else names.name("PAPER"),
        color=lambda v: _LIVE if v.live else None,
    ),
    Column(
        QT_TRANSLATE_NOOP("Columns", "Sandbox"),
        lambda v: translate("AccountsDialog", "yes") if v.sandbox else "",
    ),
    Column(QT_TRANSLATE_NOOP("Columns", "Market"), lambda v: v.market_type),
    Column(
        QT_TRANSLATE_NOOP("Columns", "API key"),
        _keys_text,
        color=lambda v: _WARN if v.keys in (KeysState.MISSING, KeysState.UNREADABLE) else None,
        tooltip=QT_TRANSLATE_NOOP("Columns", "Only the last 4 characters of a key are ever shown"),
    ),
    Column(QT_TRANSLATE_NOOP("Columns", "Instruments"), lambda v: ", ".join(v.default_instruments)),
)


class AccountsDialog(QDialog):
    def __init__(
        self,
        service: AccountService,
        parent: QWidget | None = None,
        *,
        confirm: Confirm = confirm_box,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._confirm = confirm
        self.tasks: set[asyncio.Task[None]] = set()
        self.last_task: asyncio.Task[None] | None = None
        self.setObjectName("accountsDialog")
        self.setWindowTitle(self.tr("Exchange accounts"))
        self.resize(820, 380)

        self.storage = QLabel(self)
        self.storage.setObjectName("storage")
        self.storage.setWordWrap(True)
        self.model: KeyedTableModel[str, AccountView] = KeyedTableModel(COLUMNS)
        self.model.setParent(self)  # deleted with the dialog by Qt, never by the GC
        self.proxy = proxy(self.model, self)
        self.table = table("accountsTable", self.proxy, self)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.doubleClicked.connect(lambda _: self._edit_clicked())
        self.message = message_label(self)
        self.message.hide()

        self.add_button = self._button(self.tr("Add…"), "addAccount", self._add_clicked)
        self.edit_button = self._button(self.tr("Edit…"), "editAccount", self._edit_clicked)
        self.remove_button = self._button(self.tr("Remove…"), "removeAccount", self._remove_clicked)
        self.test_button = self._button(self.tr("Test key"), "testAccount", self._test_clicked)
        self.unlock_button = self._button(
            self.tr("Unlock vault…"), "unlockVault", self._unlock_clicked
        )
        self.passphrase_button = self._button(
            self.tr("Change passphrase…"), "changePassphrase", self._passphrase_clicked
        )
        self.reload_button = self._button(
            self.tr("Reload keys"), "reloadKeys", self._reload_clicked
        )
        self.close_button = self._button(self.tr("Close"), "close", self.accept)
        row = QHBoxLayout()
        for button in (
            self.add_button,
            self.edit_button,
            self.remove_button,
            self.test_button,
            self.unlock_button,
            self.passphrase_button,
            self.reload_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.storage)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()
        self.refresh()

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _=False: slot())
        return button

    # -- state ---------------------------------------------------------------------------------

    def selected(self) -> AccountView | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row_at(self.proxy.mapToSource(rows[0]).row())

    def select(self, label: str) -> None:
        for at in range(len(self.model)):
            if self.model.key_at(at) == label:
                index = self.proxy.mapFromSource(self.model.index(at, 0))
                flags = (
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows
                )
                self.table.selectionModel().select(index, flags)
                return

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.edit_button.setEnabled(chosen is not None)
        self.remove_button.setEnabled(chosen is not None)
        self.test_button.setEnabled(chosen is not None and chosen.live)
        service = self._service
        self.passphrase_button.setVisible(service.uses_vault)
        self.passphrase_button.setEnabled(service.vault_exists)
        self.unlock_button.setVisible(service.needs_passphrase and service.vault_exists)
        self.storage.setText(self.tr("Keys are kept in {where}.").format(where=service.storage))

    def _spawn(self, coro: Coroutine[Any, Any, None], what: str) -> asyncio.Task[None]:
        task = asyncio.ensure_future(self._guarded(coro, what))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        self.last_task = task
        return task

    async def _guarded(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        try:
            await coro
        except (CredentialsError, NoSuchAccount, NoKeys) as exc:
            show_message(self.message, f"{str(exc).capitalize()}.", "error")
        except AccountInvalid as exc:
            show_message(self.message, "\n".join(exc.problems), "error")
        except Exception as exc:
            log.exception("accounts: %s failed", what)
            failed = self.tr("{what} failed: {error}").format(
                what=what, error=f"{type(exc).__name__}: {exc}"
            )
            show_message(self.message, failed, "error")
        finally:
            self._update_buttons()

    # -- actions -------------------------------------------------------------------------------

    def refresh(self) -> asyncio.Task[None]:
        return self._spawn(self._refresh(), self.tr("Listing accounts"))

    async def _refresh(self, select: str | None = None) -> None:
        chosen = self.selected()
        views = await self._service.list()
        self.model.clear()
        self.model.upsert((v.label, v) for v in views)
        self.table.resizeColumnsToContents()
        label = select or (chosen.label if chosen else None)
        if label:
            self.select(label)

    async def ensure_vault(self, over: QWidget | None = None) -> bool:
        """Make the vault usable, asking for its passphrase (or a new one) in a dialog over
        ``over`` (default: this one); False if declined."""
        service = self._service
        if not service.needs_passphrase:
            return True
        parent = over or self
        if service.vault_exists:
            dialog = PassphraseDialog(
                PassphraseMode.UNLOCK, lambda p, _: service.unlock(p), parent=parent
            )
        else:
            dialog = PassphraseDialog(
                PassphraseMode.CREATE,
                lambda _, new: service.create_vault(new),
                where=service.storage,
                parent=parent,
            )
        accepted = await ask(dialog) == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        return accepted

    def _add_clicked(self) -> None:
        self._spawn(self._form(None), self.tr("Adding the account"))

    def _edit_clicked(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._spawn(self._form(chosen), self.tr("Editing the account"))

    async def _form(self, account: AccountView | None) -> None:
        form = AccountFormDialog(self._service, self.ensure_vault, account=account, parent=self)
        self.form = form
        result = await ask(form)
        outcome = form.outcome
        form.deleteLater()
        if result != QDialog.DialogCode.Accepted or outcome is None or outcome.account is None:
            return
        saved = outcome.account
        if outcome.report is not None:
            text, kind = report_text(outcome.report)
            saved_text = self.tr("Saved {account}.").format(account=repr(saved.label))
            show_message(self.message, f"{saved_text}\n{text}", kind)
        else:
            show_message(
                self.message, self.tr("Saved {account}.").format(account=repr(saved.label)), "ok"
            )
        await self._refresh(select=saved.label)

    def _remove_clicked(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._spawn(self._remove(chosen), self.tr("Removing the account"))

    async def _remove(self, account: AccountView) -> None:
        keys = self.tr(" and its API keys") if account.live else ""
        text = self.tr(
            "Remove the account {account} ({venue}, {mode}){keys}?\n\nThis cannot be undone."
        ).format(
            account=repr(account.label),
            venue=account.venue,
            mode=self.tr("live") if account.live else self.tr("paper"),
            keys=keys,
        )
        if not await self._confirm(self, self.tr("Remove account"), text):
            show_message(
                self.message, self.tr("Kept {account}.").format(account=repr(account.label)), "ok"
            )
            return
        if account.live and not await self.ensure_vault():
            show_message(self.message, self.tr("The vault stays locked: nothing removed."), "error")
            return
        await self._service.remove(account.label)
        removed = self.tr("Removed {account}{keys}.").format(account=repr(account.label), keys=keys)
        show_message(self.message, removed, "ok")
        await self._refresh()

    def _test_clicked(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._spawn(self._test(chosen), self.tr("Testing the key"))

    async def _test(self, account: AccountView) -> None:
        if not await self.ensure_vault():
            return
        self.test_button.setEnabled(False)
        checking = self.tr("Checking the key of {account}…").format(account=repr(account.label))
        show_message(self.message, checking, "ok")
        report = await self._service.test(account.label)
        show_message(self.message, *report_text(report))

    def _unlock_clicked(self) -> None:
        self._spawn(self._unlock(), self.tr("Unlocking the vault"))

    async def _unlock(self) -> None:
        if await self.ensure_vault():
            show_message(self.message, self.tr("The vault is unlocked."), "ok")
            await self._refresh()

    def _passphrase_clicked(self) -> None:
        self._spawn(self._change_passphrase(), self.tr("Changing the passphrase"))

    async def _change_passphrase(self) -> None:
        dialog = PassphraseDialog(
            PassphraseMode.CHANGE, self._service.change_passphrase, parent=self
        )
        if await ask(dialog) == QDialog.DialogCode.Accepted:
            show_message(self.message, self.tr("The vault's passphrase was changed."), "ok")
        dialog.deleteLater()

    def _reload_clicked(self) -> None:
        self._spawn(self._reload(), self.tr("Reloading keys"))

    async def _reload(self) -> None:
        result = await self._service.reload_credentials()
        parts = [self.tr("{n} changed").format(n=len(result.changed))]
        if result.missing:
            parts.append(self.tr("missing for {labels}").format(labels=", ".join(result.missing)))
        if result.failed:
            failed = "; ".join(f"{k}: {why}" for k, why in result.failed)
            parts.append(self.tr("not readable: {what}").format(what=failed))
        show_message(
            self.message, self.tr("Keys reloaded: {parts}.").format(parts=", ".join(parts)), "ok"
        )
        await self._refresh()
