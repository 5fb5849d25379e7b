"""``AccountService``: exchange accounts in the store and their keys in the credential store,
kept together — adding stores both, removing removes both, and a key is checked before it is kept.

The engine exposes it (``Engine.reload_credentials()`` delegates here); the CLI ``keys`` commands
and the Accounts dialog use it directly. Blocking credential calls (scrypt, the keychain's D-Bus)
run in a worker thread, store calls on the store's thread: nothing here stalls the event loop.

Keys are read once and cached; ``reload_credentials`` reads them all again (another process may
have changed them) and says which accounts' keys changed, so their venues can reconnect.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from app.core.secrets import KeyMaterial
from app.credentials import (
    MIN_PASSPHRASE_LENGTH,
    CredentialsError,
    CredentialStore,
    VaultError,
    VaultLocked,
    VaultMissing,
    WeakPassphrase,
    WrongPassphrase,
    check_new_passphrase,
)
from app.engine.account_model import (
    AccountInvalid,
    AccountSpec,
    AccountView,
    KeysState,
    NoKeys,
    NoSuchAccount,
    key_problems,
    spec_problems,
)
from app.runtime import redaction
from app.store import repositories as repo
from app.store.records import Account, AccountExists, AccountMode
from app.store.store import Store
from app.venues.key_check import DEFAULT_TIMEOUT_S, KeyCheckReport, check_key

log = logging.getLogger(__name__)

# What the CLI and the UI need of the layers below, through the engine (DESIGN.md: layers).
__all__ = [
    "MIN_PASSPHRASE_LENGTH",
    "AccountChange",
    "AccountExists",
    "AccountService",
    "CredentialsError",
    "CredentialsReload",
    "KeyCheckReport",
    "SaveOutcome",
    "VaultError",
    "WeakPassphrase",
    "WrongPassphrase",
    "check_new_passphrase",
]


class KeyChecker(Protocol):
    async def __call__(
        self,
        venue: str,
        account: str,
        keys: KeyMaterial,
        *,
        sandbox: bool = ...,
        market_type: str = ...,
        timeout_s: float = ...,
    ) -> KeyCheckReport: ...


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    """``account`` is None when nothing was saved because the key check failed (``report``)."""

    account: AccountView | None
    report: KeyCheckReport | None

    @property
    def saved(self) -> bool:
        return self.account is not None


@dataclass(frozen=True, slots=True)
class CredentialsReload:
    changed: tuple[str, ...]  # keys differ from those held before: reconnect these venues
    missing: tuple[str, ...]  # live accounts with no keys stored
    failed: tuple[tuple[str, str], ...]  # (label, why) — their previous keys are kept


@dataclass(frozen=True, slots=True)
class AccountChange:
    kind: str  # "added", "updated", "removed", "keys"
    label: str


Listener = Callable[[AccountChange], None]


def paper_report(spec: AccountSpec) -> KeyCheckReport:
    return KeyCheckReport(
        spec.label,
        spec.venue,
        False,
        True,
        f"account {spec.label!r} is a paper account: there is no key to check",
    )


class AccountService:
    def __init__(
        self,
        store: Store,
        credentials: CredentialStore,
        *,
        checker: KeyChecker | None = None,
        check_timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self._store = store
        self.credentials = credentials
        self._checker = checker  # None: ``check_key``, looked up at each call
        self._check_timeout_s = check_timeout_s
        self._keys: dict[str, KeyMaterial] = {}
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # -- the vault ---------------------------------------------------------------------------

    @property
    def storage(self) -> str:
        """Where keys are kept, and why there."""
        return f"{self.credentials.describe()} ({self.credentials.reason})"

    @property
    def uses_vault(self) -> bool:
        return self.credentials.uses_vault

    @property
    def needs_passphrase(self) -> bool:
        return self.credentials.needs_passphrase

    @property
    def vault_exists(self) -> bool:
        return self.credentials.vault.exists()

    async def unlock(self, passphrase: str) -> None:
        await asyncio.to_thread(self.credentials.unlock, passphrase)

    async def create_vault(self, passphrase: str) -> None:
        await asyncio.to_thread(self.credentials.create_vault, passphrase)

    async def change_passphrase(self, old: str, new: str) -> None:
        await asyncio.to_thread(self.credentials.change_passphrase, old, new)

    # -- reading -----------------------------------------------------------------------------

    async def list(self) -> list[AccountView]:
        """Every account by label, with the state of its keys (never an exception for keys)."""
        accounts = await self._store.run(repo.list_accounts)
        return [await self._view(account) for account in accounts]

    async def get(self, label: str) -> AccountView:
        return await self._view(await self._account(label))

    async def exists(self, label: str) -> bool:
        return await self._store.run(repo.get_account_by_label, label.strip()) is not None

    async def keys_for(self, label: str) -> KeyMaterial | None:
        """The keys of a live account (cached); None when none are stored."""
        cached = self._keys.get(label)
        if cached is not None:
            return cached
        keys = await asyncio.to_thread(self.credentials.get, label)
        if keys is not None:
            self._keys[label] = keys
        return keys

    # -- changing ----------------------------------------------------------------------------

    async def add(
        self, spec: AccountSpec, keys: KeyMaterial | None = None, *, check: bool = True
    ) -> SaveOutcome:
        """Store a new account and its keys. With ``check``, a live key is checked first and
        nothing is stored if the check fails. ``AccountInvalid``, ``AccountExists``."""
        redaction.register(keys)  # before anything can log them (ccxt logs request headers)
        spec = _normalized(spec)
        problems = spec_problems(spec) + key_problems(spec, keys)
        if keys is not None and not spec.live:
            problems.append("a paper account has no keys")
        if problems:
            raise AccountInvalid(problems)
        if await self._store.run(repo.get_account_by_label, spec.label) is not None:
            raise AccountExists(spec.label)
        if spec.live and keys is not None:
            self._ready_for_write()
        report = None
        if spec.live and keys is not None and check:
            report = await self._check(spec, keys)
            if not report.ok:
                return SaveOutcome(None, report)
        account = await self._store.run(repo.create_account, _record(spec))
        if spec.live and keys is not None:
            try:
                await asyncio.to_thread(self.credentials.put, spec.label, keys)
            except BaseException:
                await self._store.run(repo.delete_account, _id(account))
                raise
            self._keys[spec.label] = keys
        log.info("account %r added (%s, %s)", spec.label, spec.venue, spec.mode.value)
        self._notify("added", spec.label)
        return SaveOutcome(await self._view(account), report)

    async def update(
        self,
        label: str,
        spec: AccountSpec,
        keys: KeyMaterial | None = None,
        *,
        check: bool = True,
    ) -> SaveOutcome:
        """Change an account; ``keys`` replaces its keys (None keeps them). The venue and the
        mode cannot change (make a new account). A renamed account takes its keys along."""
        redaction.register(keys)
        current = await self._account(label)
        spec = _normalized(spec)
        problems = spec_problems(spec) + (key_problems(spec, keys) if keys is not None else [])
        if keys is not None and not spec.live:
            problems.append("a paper account has no keys")
        if spec.venue != current.venue:
            problems.append("the exchange of an account cannot change: add a new account")
        if spec.mode != current.mode:
            problems.append("live/paper cannot change: add a new account")
        if problems:
            raise AccountInvalid(problems)
        renamed = spec.label != label
        if renamed and await self._store.run(repo.get_account_by_label, spec.label) is not None:
            raise AccountExists(spec.label)
        if spec.live and (keys is not None or renamed):
            self._ready_for_write()
        report = None
        if spec.live and keys is not None and check:
            report = await self._check(spec, keys)
            if not report.ok:
                return SaveOutcome(None, report)
        updated = dataclasses.replace(_record(spec), id=current.id, created_ns=current.created_ns)
        stored = await self._store.run(repo.update_account, updated)
        try:
            if renamed and spec.live:
                await asyncio.to_thread(self.credentials.rename, label, spec.label)
                if label in self._keys:
                    self._keys[spec.label] = self._keys.pop(label)
            if keys is not None and spec.live:
                await asyncio.to_thread(self.credentials.put, spec.label, keys)
                self._keys[spec.label] = keys
        except BaseException:
            await self._store.run(repo.update_account, current)
            raise
        log.info("account %r updated%s", spec.label, f" (was {label!r})" if renamed else "")
        self._notify("updated", spec.label)
        return SaveOutcome(await self._view(stored), report)

    async def remove(self, label: str) -> None:
        """Delete the account and its keys (the keys first: a failure leaves no orphan secret).
        Ask the user before calling this."""
        account = await self._account(label)
        if account.mode is AccountMode.LIVE:
            try:
                await asyncio.to_thread(self.credentials.delete, label)
            except VaultMissing:
                log.warning("account %r had no vault to remove keys from", label)
        self._keys.pop(label, None)
        await self._store.run(repo.delete_account, _id(account))
        live = account.mode is AccountMode.LIVE
        log.info("account %r removed%s", label, " with its keys" if live else "")
        self._notify("removed", label)

    # -- checking ----------------------------------------------------------------------------

    async def test(self, label: str) -> KeyCheckReport:
        """Check the stored key of an account now. ``NoSuchAccount``, ``NoKeys``."""
        view = await self.get(label)
        spec = view.spec()
        if not spec.live:
            return paper_report(spec)
        keys = await self.keys_for(label)
        if keys is None:
            raise NoKeys(label)
        return await self._check(spec, keys)

    async def check(self, spec: AccountSpec, keys: KeyMaterial) -> KeyCheckReport:
        """Check keys that are not stored (yet): the form's Test button."""
        redaction.register(keys)
        return await self._check(_normalized(spec), keys)

    async def reload_credentials(self) -> CredentialsReload:
        """Read every live account's keys again; report which changed."""
        accounts = await self._store.run(repo.list_accounts)
        fresh: dict[str, KeyMaterial] = {}
        changed: list[str] = []
        missing: list[str] = []
        failed: list[tuple[str, str]] = []
        for account in accounts:
            if account.mode is not AccountMode.LIVE:
                continue
            label = account.label
            try:
                keys = await asyncio.to_thread(self.credentials.get, label)
            except CredentialsError as exc:
                failed.append((label, str(exc)))
                if label in self._keys:
                    fresh[label] = self._keys[label]
                continue
            if keys is None:
                missing.append(label)
                if label in self._keys:
                    changed.append(label)
                continue
            fresh[label] = keys
            if self._keys.get(label) != keys:
                changed.append(label)
        self._keys = fresh
        for label in changed:
            self._notify("keys", label)
        log.info(
            "credentials reloaded: %d changed, %d missing, %d failed",
            len(changed),
            len(missing),
            len(failed),
        )
        return CredentialsReload(tuple(changed), tuple(missing), tuple(failed))

    # -- internals ---------------------------------------------------------------------------

    async def _check(self, spec: AccountSpec, keys: KeyMaterial) -> KeyCheckReport:
        if not spec.live:
            return paper_report(spec)
        checker = self._checker or check_key
        return await checker(
            spec.venue,
            spec.label,
            keys,
            sandbox=spec.sandbox,
            market_type=spec.market_type,
            timeout_s=self._check_timeout_s,
        )

    def _ready_for_write(self) -> None:
        """Fail before any network or store work when the keys could not be saved anyway."""
        if self.credentials.needs_passphrase:
            if not self.credentials.vault.exists():
                raise VaultMissing(self.credentials.vault.path)
            raise VaultLocked("the vault is locked: enter its master passphrase")

    async def _account(self, label: str) -> Account:
        account = await self._store.run(repo.get_account_by_label, label)
        if account is None:
            raise NoSuchAccount(label)
        return account

    async def _view(self, account: Account) -> AccountView:
        state, hint = KeysState.NOT_NEEDED, ""
        if account.mode is AccountMode.LIVE:
            try:
                keys = await self.keys_for(account.label)
            except VaultLocked:
                state = KeysState.LOCKED
            except VaultMissing:
                state = KeysState.MISSING
            except CredentialsError as exc:
                log.warning("keys of account %r unreadable: %s", account.label, exc)
                state = KeysState.UNREADABLE
            else:
                state = KeysState.STORED if keys else KeysState.MISSING
                hint = keys.api_key.masked() if keys else ""
        return AccountView(
            id=_id(account),
            label=account.label,
            venue=account.venue,
            mode=AccountMode(account.mode),
            sandbox=account.sandbox,
            market_type=account.market_type,
            default_instruments=account.default_instruments,
            keys=state,
            key_hint=hint,
        )

    def _notify(self, kind: str, label: str) -> None:
        change = AccountChange(kind, label)
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                log.exception("account listener failed on %s", change)


def _normalized(spec: AccountSpec) -> AccountSpec:
    return dataclasses.replace(
        spec,
        venue=spec.venue.strip().lower(),
        label=spec.label.strip(),
        default_instruments=tuple(dict.fromkeys(s.strip() for s in spec.default_instruments)),
    )


def _record(spec: AccountSpec) -> Account:
    return Account(
        venue=spec.venue,
        label=spec.label,
        mode=spec.mode,
        sandbox=spec.sandbox,
        market_type=spec.market_type,
        default_instruments=spec.default_instruments,
    )


def _id(account: Account) -> int:
    if account.id is None:
        raise RuntimeError(f"account {account.label!r} has no id")
    return account.id
