"""The Accounts dialog, standalone over an ``AccountService``: clicked and read like a user would.

Key checks are a stand-in (no network); the vault uses a cheap scrypt. Everything runs on the
qasync loop of ``conftest``: waits are ``until`` polls, dialogs open with ``open()``.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.core.secrets import KeyMaterial, Secret
from app.credentials import BackendChoice, CredentialStore, ScryptParams
from app.engine.account_model import AccountMode, AccountSpec
from app.engine.accounts import AccountService
from app.runtime import redaction
from app.store.engine import sqlite_url
from app.store.store import Store
from app.ui.account_form import AccountFormDialog
from app.ui.accounts_dialog import AccountsDialog
from app.ui.passphrase_dialog import PassphraseDialog
from app.venues.key_check import NO_IP_WARNING, CheckProblem, KeyCheckReport

from .conftest import until

CHEAP = ScryptParams(log2_n=10)
PASSPHRASE = "correct horse battery"
KEY = "UiApiKey-0123456789-K3Y9"
SECRET = "UiSecret-abcdefghij-S3CR"
KEYS = KeyMaterial(Secret(KEY), Secret(SECRET))
W = TypeVar("W", bound=QWidget)


@pytest.fixture(autouse=True)
def collect_between_tests() -> Iterator[None]:
    """Widgets of one test left in reference cycles must not be collected by Python's GC in the
    middle of the next test's Qt event dispatch (a native crash in ``QTimerInfoList``, seen with
    PySide6 6.11): collect them here, between tests, where no Qt event is being delivered. In the
    app there is one loop and the dialogs have parents, so Qt deletes them, not the GC."""
    gc.collect()
    yield
    gc.collect()


class Checker:
    def __init__(self) -> None:
        self.ok = True
        self.warnings: tuple[str, ...] = ()
        self.calls: list[tuple[str, str, KeyMaterial]] = []

    async def __call__(
        self, venue: str, account: str, keys: KeyMaterial, **kw: Any
    ) -> KeyCheckReport:
        self.calls.append((venue, account, keys))
        summary = f"account {account!r} on {venue}: " + (
            "the key works (balances read)" if self.ok else f"{venue} refused the key"
        )
        problem = None if self.ok else CheckProblem.AUTHENTICATION
        return KeyCheckReport(
            account,
            venue,
            False,
            self.ok,
            summary,
            problem,
            {},
            True,
            ("reading",),
            warnings=self.warnings,
        )


@contextlib.asynccontextmanager
async def opened(
    tmp_path: Path, *, vault: bool = True
) -> AsyncIterator[tuple[Store, CredentialStore]]:
    """A fresh store and credential store; with ``vault``, a vault that exists."""
    store = Store(sqlite_url(tmp_path / "arbdesk.sqlite"))
    await store.open()
    credentials = CredentialStore(tmp_path, choice=BackendChoice.VAULT, vault_kdf=CHEAP)
    if vault:
        credentials.create_vault(PASSPHRASE)
    try:
        yield store, credentials
    finally:
        await store.close()
        redaction.REGISTRY.clear()


@contextlib.asynccontextmanager
async def accounts(
    tmp_path: Path, *, vault: bool = True, locked: bool = False
) -> AsyncIterator[tuple[AccountService, Checker]]:
    """A service over a fresh store; with ``vault``, a vault that exists (``locked`` or not)."""
    async with opened(tmp_path, vault=vault) as (store, credentials):
        checker = Checker()
        yield AccountService(store, credentials, checker=checker), checker
        if locked:
            credentials.lock()


async def shown(qtbot: QtBot, service: AccountService) -> AccountsDialog:
    dialog = AccountsDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.last_task is not None
    await dialog.last_task
    return dialog


async def child(parent: QWidget, kind: type[W], what: str) -> W:
    await until(lambda: visible(parent, kind), what=what)
    return visible(parent, kind)[-1]


def visible(parent: QWidget, kind: type[W]) -> list[W]:
    return [w for w in parent.findChildren(kind) if w.isVisible()]


def cells(dialog: AccountsDialog) -> list[list[str]]:
    model = dialog.proxy
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


async def test_the_table_shows_accounts_with_only_the_last_four_of_a_key(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with accounts(tmp_path) as (service, _):
        await service.add(AccountSpec("binance", "main", sandbox=True), KEYS, check=False)
        await service.add(AccountSpec("paper", "practice", mode=AccountMode.PAPER))
        dialog = await shown(qtbot, service)
        rows = cells(dialog)
        assert [r[:6] for r in rows] == [
            ["main", "binance", "LIVE", "yes", "spot", "…K3Y9"],
            ["practice", "paper", "PAPER", "", "spot", "—"],
        ]
        assert KEY not in str(rows) and SECRET not in str(rows)
        assert "encrypted vault" in dialog.storage.text()
        assert not dialog.edit_button.isEnabled()
        dialog.select("main")
        assert dialog.edit_button.isEnabled() and dialog.test_button.isEnabled()
        dialog.select("practice")
        assert not dialog.test_button.isEnabled()  # a paper account has no key


async def test_add_a_live_account_creating_the_vault_on_the_way(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with accounts(tmp_path, vault=False) as (service, checker):
        checker.warnings = (NO_IP_WARNING,)
        dialog = await shown(qtbot, service)
        click(qtbot, dialog.add_button)
        form = await child(dialog, AccountFormDialog, "the account form")
        left_in_fields: list[str] = []
        form.finished.connect(
            lambda _: left_in_fields.extend([form.api_key.text(), form.api_secret.text()])
        )
        form.venue.setCurrentText("binance")
        qtbot.keyClicks(form.label, "main")
        qtbot.keyClicks(form.instruments, "BTC/USDT, ETH/USDT")
        qtbot.keyClicks(form.api_key, KEY)
        qtbot.keyClicks(form.api_secret, SECRET)
        click(qtbot, form.save_button)

        create = await child(form, PassphraseDialog, "the new-vault dialog")
        assert "encrypted vault" in create.intro.text()
        qtbot.keyClicks(create.new, PASSPHRASE)
        qtbot.keyClicks(create.repeat, "something else")
        click(qtbot, create.ok)
        assert create.isVisible() and "differ" in create.message.text()
        create.repeat.clear()
        qtbot.keyClicks(create.repeat, PASSPHRASE)
        click(qtbot, create.ok)

        await until(lambda: not visible(dialog, AccountFormDialog), what="the form to close")
        assert left_in_fields == ["", ""]  # cleared as the form closed
        await until(lambda: len(cells(dialog)) == 1, what="the new row")
        assert cells(dialog)[0][:6] == ["main", "binance", "LIVE", "", "spot", "…K3Y9"]
        assert cells(dialog)[0][6] == "BTC/USDT, ETH/USDT"
        assert [(v, a) for v, a, _ in checker.calls] == [("binance", "main")]
        assert checker.calls[0][2] == KEYS
        text = dialog.message.text()
        assert "Saved 'main'" in text and "NO IP RESTRICTION" in text
        assert dialog.message.property("kind") == "error"  # a warning is shown loud
        assert service.credentials.vault.exists()
        assert await service.keys_for("main") == KEYS


async def test_the_form_says_what_is_wrong(qtbot: QtBot, tmp_path: Path) -> None:
    async with accounts(tmp_path) as (service, checker):
        form = AccountFormDialog(service, _true)
        qtbot.addWidget(form)
        form.show()
        form.venue.setCurrentText("okx")
        assert form.form.isRowVisible(form.api_passphrase)  # okx keys have a passphrase
        assert form.sandbox.isEnabled()
        qtbot.keyClicks(form.instruments, "BTCUSDT")
        qtbot.keyClicks(form.api_key, KEY)
        click(qtbot, form.save_button)
        text = form.message.text()
        assert form.message.isVisible() and form.message.property("kind") == "error"
        assert "The label is empty." in text
        assert "Not a unified symbol: BTCUSDT" in text
        assert "Enter both the API key and its secret." in text
        qtbot.keyClicks(form.api_secret, SECRET)
        qtbot.keyClicks(form.label, "o")
        form.instruments.clear()
        click(qtbot, form.save_button)
        assert "Okx keys come with a passphrase: enter it." in form.message.text()
        form.venue.setCurrentText("kraken")
        assert not form.sandbox.isEnabled()
        assert not form.form.isRowVisible(form.api_passphrase)
        form.venue.setCurrentText("paper")
        assert form.paper.isChecked() and not form.api_key.isEnabled()
        assert checker.calls == [] and await service.list() == []


async def _true(over: QWidget) -> bool:
    return True


async def test_a_refused_key_keeps_the_form_open_and_saves_nothing(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with accounts(tmp_path) as (service, checker):
        checker.ok = False
        form = AccountFormDialog(service, _true)
        qtbot.addWidget(form)
        form.show()
        form.venue.setCurrentText("binance")
        qtbot.keyClicks(form.label, "main")
        qtbot.keyClicks(form.api_key, KEY)
        qtbot.keyClicks(form.api_secret, SECRET)
        click(qtbot, form.save_button)
        assert form.task is not None
        await form.task
        assert form.isVisible()
        assert "binance refused the key" in form.message.text()
        assert "Nothing was saved." in form.message.text()
        assert await service.list() == []
        # the Test button checks what is typed, without saving
        checker.ok = True
        click(qtbot, form.test_button)
        assert form.task is not None
        await form.task
        assert "the key works" in form.message.text()
        assert form.message.property("kind") == "ok"
        assert await service.list() == []


async def test_remove_asks_first(qtbot: QtBot, tmp_path: Path) -> None:
    async with accounts(tmp_path) as (service, _):
        await service.add(AccountSpec("binance", "main"), KEYS, check=False)
        dialog = await shown(qtbot, service)
        dialog.select("main")
        click(qtbot, dialog.remove_button)
        box = await child(dialog, QMessageBox, "the confirmation")
        assert "'main'" in box.text() and "cannot be undone" in box.text()
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        click(qtbot, box.button(QMessageBox.StandardButton.No))
        assert dialog.last_task is not None
        await dialog.last_task
        assert "Kept 'main'" in dialog.message.text()
        assert len(cells(dialog)) == 1

        dialog.select("main")
        click(qtbot, dialog.remove_button)
        box = await child(dialog, QMessageBox, "the confirmation again")
        click(qtbot, box.button(QMessageBox.StandardButton.Yes))
        await dialog.last_task
        assert cells(dialog) == []
        assert "Removed 'main' and its API keys" in dialog.message.text()
        assert service.credentials.get("main") is None


async def test_an_injected_confirmation_is_used(qtbot: QtBot, tmp_path: Path) -> None:
    asked: list[str] = []

    async def refuse(parent: QWidget, title: str, text: str) -> bool:
        asked.append(title)
        return False

    async with accounts(tmp_path) as (service, _):
        await service.add(AccountSpec("paper", "p", mode=AccountMode.PAPER))
        dialog = AccountsDialog(service, confirm=refuse)
        qtbot.addWidget(dialog)
        assert dialog.last_task is not None
        await dialog.last_task
        dialog.select("p")
        click(qtbot, dialog.remove_button)
        await dialog.last_task
        assert asked == ["Remove account"] and len(cells(dialog)) == 1


async def test_test_button_reports_on_the_stored_key(qtbot: QtBot, tmp_path: Path) -> None:
    async with accounts(tmp_path) as (service, checker):
        await service.add(AccountSpec("binance", "main"), KEYS, check=False)
        dialog = await shown(qtbot, service)
        dialog.select("main")
        click(qtbot, dialog.test_button)
        await dialog.last_task
        assert checker.calls == [("binance", "main", KEYS)]
        assert "the key works" in dialog.message.text()
        assert "the key may: reading" in dialog.message.text()


async def test_a_locked_vault_is_unlocked_from_the_dialog(qtbot: QtBot, tmp_path: Path) -> None:
    async with opened(tmp_path) as (store, credentials):
        service = AccountService(store, credentials, checker=Checker())
        await service.add(AccountSpec("binance", "main"), KEYS, check=False)
        credentials.lock()
        fresh = AccountService(store, credentials)
        dialog = await shown(qtbot, fresh)
        assert cells(dialog)[0][5] == "vault locked"
        assert dialog.unlock_button.isVisible()
        click(qtbot, dialog.unlock_button)
        unlock = await child(dialog, PassphraseDialog, "the unlock dialog")
        qtbot.keyClicks(unlock.current, "not the passphrase")
        click(qtbot, unlock.ok)
        await until(lambda: "Wrong passphrase" in unlock.message.text(), what="the refusal")
        assert unlock.isVisible() and unlock.current.text() == ""
        qtbot.keyClicks(unlock.current, PASSPHRASE)
        click(qtbot, unlock.ok)
        await dialog.last_task
        assert not visible(dialog, PassphraseDialog)
        assert cells(dialog)[0][5] == "…K3Y9"
        assert not dialog.unlock_button.isVisible()


async def test_edit_renames_and_keeps_the_keys(qtbot: QtBot, tmp_path: Path) -> None:
    async with accounts(tmp_path) as (service, checker):
        await service.add(AccountSpec("binance", "main"), KEYS, check=False)
        dialog = await shown(qtbot, service)
        dialog.select("main")
        click(qtbot, dialog.edit_button)
        form = await child(dialog, AccountFormDialog, "the edit form")
        assert not form.venue.isEnabled() and not form.paper.isEnabled()
        assert form.api_key.text() == "" and "…K3Y9" in form.api_key.placeholderText()
        form.label.clear()
        qtbot.keyClicks(form.label, "spot-main")
        form.market_type.setCurrentText("swap")
        click(qtbot, form.save_button)
        await dialog.last_task
        assert cells(dialog)[0][:6] == ["spot-main", "binance", "LIVE", "", "swap", "…K3Y9"]
        assert checker.calls == []  # no new key, nothing to check
        assert service.credentials.get("spot-main") == KEYS


async def test_change_the_passphrase(qtbot: QtBot, tmp_path: Path) -> None:
    async with accounts(tmp_path) as (service, _):
        dialog = await shown(qtbot, service)
        assert dialog.passphrase_button.isVisible()
        click(qtbot, dialog.passphrase_button)
        change = await child(dialog, PassphraseDialog, "the change dialog")
        qtbot.keyClicks(change.current, PASSPHRASE)
        qtbot.keyClicks(change.new, "short")
        qtbot.keyClicks(change.repeat, "short")
        click(qtbot, change.ok)
        assert "At least 8 characters" in change.message.text() or "8 characters" in (
            change.message.text()
        )
        for field in (change.new, change.repeat):
            field.clear()
            qtbot.keyClicks(field, "the new passphrase")
        click(qtbot, change.ok)
        await dialog.last_task
        assert not visible(dialog, PassphraseDialog)
        assert "passphrase was changed" in dialog.message.text()
        other = CredentialStore(tmp_path, choice=BackendChoice.VAULT, vault_kdf=CHEAP)
        other.unlock("the new passphrase")
