"""Add or edit one exchange account: its settings, its keys, a Test button, visible validation.

Keys typed here go to the ``AccountService`` and the fields are cleared when the form closes; an
account being edited shows only the last four characters of its key, and empty key fields keep
the stored keys. Saving a live account checks its key first (unless unticked): a refused key is
shown here and nothing is saved.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.secrets import KeyMaterial, Secret
from app.engine.api import (
    MARKET_TYPES,
    PAPER,
    AccountExists,
    AccountInvalid,
    AccountMode,
    AccountService,
    AccountSpec,
    AccountView,
    CredentialsError,
    KeyCheckReport,
    SaveOutcome,
    is_known_venue,
    key_problems,
    known_venues,
    parse_instruments,
    spec_problems,
    venue_info,
)
from app.ui.widgets import message_label, show_message

log = logging.getLogger(__name__)

#: Makes the vault usable, asking for its passphrase over the given widget; False if declined.
EnsureVault = Callable[[QWidget], Awaitable[bool]]


def report_text(report: KeyCheckReport) -> tuple[str, str]:
    """A check report as a form message and its kind: warnings make it an error to see."""
    kind = "ok" if report.ok and not report.warnings else "error"
    return "\n".join(report.lines()), kind


class AccountFormDialog(QDialog):
    def __init__(
        self,
        service: AccountService,
        ensure_vault: EnsureVault,
        *,
        account: AccountView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._ensure_vault = ensure_vault
        self.account = account
        self.outcome: SaveOutcome | None = None
        self.task: asyncio.Task[None] | None = None
        self.setObjectName("accountForm")
        self.setWindowTitle(self.tr("Edit account") if account else self.tr("Add account"))
        self.setMinimumWidth(500)

        self.venue = QComboBox(self)
        self.venue.setObjectName("venue")
        self.venue.setEditable(True)
        self.venue.addItems(list(known_venues()))
        completer = QCompleter(list(known_venues()), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.venue.setCompleter(completer)
        self.label = QLineEdit(self)
        self.label.setObjectName("label")
        self.label.setPlaceholderText(self.tr("a unique name, e.g. binance-main"))
        self.paper = QCheckBox(self.tr("Paper trading (simulated fills, no keys)"), self)
        self.paper.setObjectName("paper")
        self.sandbox = QCheckBox(self.tr("Sandbox / testnet"), self)
        self.sandbox.setObjectName("sandbox")
        self.market_type = QComboBox(self)
        self.market_type.setObjectName("marketType")
        self.market_type.addItems(list(MARKET_TYPES))
        self.instruments = QLineEdit(self)
        self.instruments.setObjectName("instruments")
        self.instruments.setPlaceholderText("BTC/USDT, ETH/USDT:USDT")
        self.api_key = self._secret_field("apiKey", QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.api_secret = self._secret_field("apiSecret")
        self.api_passphrase = self._secret_field("apiPassphrase")
        self.api_uid = self._secret_field("apiUid", QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.check_key = QCheckBox(self.tr("Check the key with the exchange when saving"), self)
        self.check_key.setObjectName("checkKey")
        self.check_key.setChecked(True)

        self.form = QFormLayout()
        self.form.addRow(self.tr("Exchange:"), self.venue)
        self.form.addRow(self.tr("Label:"), self.label)
        self.form.addRow("", self.paper)
        self.form.addRow("", self.sandbox)
        self.form.addRow(self.tr("Market type:"), self.market_type)
        self.form.addRow(self.tr("Instruments:"), self.instruments)
        self.form.addRow(self.tr("API key:"), self.api_key)
        self.form.addRow(self.tr("API secret:"), self.api_secret)
        self.form.addRow(self.tr("Passphrase:"), self.api_passphrase)
        self.form.addRow("UID:", self.api_uid)
        self.form.addRow("", self.check_key)
        self.message = message_label(self)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.test_button = QPushButton(self.tr("Test key"), self)
        self.test_button.setObjectName("testKey")
        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.setObjectName("save")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.rejected.connect(self.reject)
        self.test_button.clicked.connect(self._test_clicked)
        self.save_button.clicked.connect(self._save_clicked)
        layout = QVBoxLayout(self)
        hint = QLabel(
            self.tr("Keys are never shown again after saving: only the key's last 4."), self
        )
        hint.setWordWrap(True)
        layout.addLayout(self.form)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self.venue.currentTextChanged.connect(self._venue_changed)
        self.paper.toggled.connect(lambda _: self._venue_changed(self.venue.currentText()))
        if account is not None:
            self._load(account)
        else:
            self.venue.setCurrentText("binance")
        self._venue_changed(self.venue.currentText())

    # -- fields --------------------------------------------------------------------------------

    def _secret_field(
        self, name: str, echo: QLineEdit.EchoMode = QLineEdit.EchoMode.Password
    ) -> QLineEdit:
        field = QLineEdit(self)
        field.setObjectName(name)
        field.setEchoMode(echo)
        return field

    def _load(self, account: AccountView) -> None:
        self.venue.setCurrentText(account.venue)
        self.venue.setEnabled(False)  # keys belong to one exchange: a new one is a new account
        self.label.setText(account.label)
        self.paper.setChecked(not account.live)
        self.paper.setEnabled(False)
        self.sandbox.setChecked(account.sandbox)
        self.market_type.setCurrentText(account.market_type)
        self.instruments.setText(", ".join(account.default_instruments))
        if account.key_hint:
            self.api_key.setPlaceholderText(
                self.tr("{hint} (leave empty to keep the keys)").format(hint=account.key_hint)
            )

    def _venue_changed(self, text: str) -> None:
        venue = text.strip().lower()
        known = is_known_venue(venue)
        info = venue_info(venue) if known else None
        if venue == PAPER:
            self.paper.setChecked(True)
        if self.account is None:
            self.paper.setEnabled(venue != PAPER)
        live = not self.paper.isChecked()
        self.sandbox.setEnabled(bool(live and info and info.has_sandbox))
        if not self.sandbox.isEnabled():
            self.sandbox.setChecked(False)
        self.sandbox.setToolTip(
            ""
            if info is None or info.has_sandbox
            else self.tr("{venue}: no sandbox").format(venue=venue)
        )
        for field in (self.api_key, self.api_secret, self.check_key, self.test_button):
            field.setEnabled(live)
        self.form.setRowVisible(self.api_passphrase, bool(live and info and info.needs_password))
        self.form.setRowVisible(self.api_uid, bool(live and info and info.needs_uid))

    def spec(self) -> AccountSpec:
        return AccountSpec(
            venue=self.venue.currentText().strip().lower(),
            label=self.label.text().strip(),
            mode=AccountMode.PAPER if self.paper.isChecked() else AccountMode.LIVE,
            sandbox=self.sandbox.isChecked(),
            market_type=self.market_type.currentText(),
            default_instruments=parse_instruments(self.instruments.text()),
        )

    def entered_keys(self) -> tuple[KeyMaterial | None, list[str]]:
        """The keys typed (None if none), and what is missing from them."""
        spec = self.spec()
        if not spec.live:
            return None, []
        values = {
            name: field.text().strip() if self.form.isRowVisible(field) else ""
            for name, field in (
                ("key", self.api_key),
                ("secret", self.api_secret),
                ("password", self.api_passphrase),
                ("uid", self.api_uid),
            )
        }
        if not any(values.values()):
            return None, [] if self.account else [self.tr("Enter the API key and its secret.")]
        if not values["key"] or not values["secret"]:
            return None, [self.tr("Enter both the API key and its secret.")]
        keys = KeyMaterial(
            Secret(values["key"]),
            Secret(values["secret"]),
            Secret(values["password"]) if values["password"] else None,
            Secret(values["uid"]) if values["uid"] else None,
        )
        return keys, [f"{p[0].upper()}{p[1:]}." for p in key_problems(spec, keys)]

    def problems(self) -> list[str]:
        spec = self.spec()
        found = [f"{p[0].upper()}{p[1:]}." for p in spec_problems(spec)]
        return found + self.entered_keys()[1]

    def _clear_secrets(self) -> None:
        for field in (self.api_key, self.api_secret, self.api_passphrase, self.api_uid):
            field.clear()

    # -- actions -------------------------------------------------------------------------------

    def _test_clicked(self) -> None:
        keys, missing = self.entered_keys()
        problems = [p for p in self.problems() if p not in missing] + missing
        if keys is None and not problems:
            problems = [
                self.tr("Enter the key to test (stored keys are tested from the accounts list).")
            ]
        if problems:
            show_message(self.message, "\n".join(problems), "error")
            return
        assert keys is not None
        self._busy(True, self.tr("Checking the key with the exchange…"))
        self.task = asyncio.ensure_future(self._test(self.spec(), keys))

    async def _test(self, spec: AccountSpec, keys: KeyMaterial) -> None:
        try:
            report = await self._service.check(spec, keys)
        except Exception as exc:
            log.exception("key test failed")
            failed = self.tr("The test failed: {error}").format(
                error=f"{type(exc).__name__}: {exc}"
            )
            show_message(self.message, failed, "error")
            return
        finally:
            self._busy(False)
        show_message(self.message, *report_text(report))

    def _save_clicked(self) -> None:
        problems = self.problems()
        if problems:
            show_message(self.message, "\n".join(problems), "error")
            return
        keys, _ = self.entered_keys()
        check = self.check_key.isChecked()
        self._busy(
            True, self.tr("Checking the key and saving…") if keys and check else self.tr("Saving…")
        )
        self.task = asyncio.ensure_future(self._save(self.spec(), keys, check))

    async def _save(self, spec: AccountSpec, keys: KeyMaterial | None, check: bool) -> None:
        try:
            renamed = self.account is not None and spec.label != self.account.label
            needs_vault = spec.live and (keys is not None or renamed)
            if (
                needs_vault
                and self._service.needs_passphrase
                and not await self._ensure_vault(self)
            ):
                show_message(
                    self.message, self.tr("The vault stays locked: nothing saved."), "error"
                )
                return
            if self.account is None:
                outcome = await self._service.add(spec, keys, check=check)
            else:
                outcome = await self._service.update(self.account.label, spec, keys, check=check)
        except AccountInvalid as exc:
            show_message(self.message, "\n".join(exc.problems), "error")
            return
        except (AccountExists, CredentialsError) as exc:
            show_message(self.message, f"{str(exc).capitalize()}.", "error")
            return
        except Exception as exc:
            log.exception("saving account %r failed", spec.label)
            failed = self.tr("Saving failed: {error}").format(error=f"{type(exc).__name__}: {exc}")
            show_message(self.message, failed, "error")
            return
        finally:
            self._busy(False)
        if not outcome.saved:
            assert outcome.report is not None
            text, _ = report_text(outcome.report)
            show_message(self.message, f"{text}\n" + self.tr("Nothing was saved."), "error")
            return
        self.outcome = outcome
        self.accept()

    async def _unlock(self) -> bool:
        return await self._ensure_vault(self)

    def _busy(self, busy: bool, text: str = "") -> None:
        self.save_button.setEnabled(not busy)
        self.test_button.setEnabled(not busy and not self.paper.isChecked())
        if text:
            show_message(self.message, text, "ok")

    def done(self, result: int) -> None:
        self._clear_secrets()
        super().done(result)
