"""``AccountService``: accounts in the store and keys in the credential store, always together."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.secrets import KeyMaterial, Secret
from app.credentials import (
    BackendChoice,
    CredentialStore,
    KeychainError,
    ScryptParams,
    VaultLocked,
)
from app.engine.account_model import (
    AccountInvalid,
    AccountSpec,
    KeysState,
    NoKeys,
    NoSuchAccount,
    parse_instruments,
)
from app.engine.accounts import AccountChange, AccountService
from app.runtime import redaction
from app.runtime.logs import configure_logging
from app.store import repositories as repo
from app.store.engine import sqlite_url
from app.store.records import AccountExists, AccountMode
from app.store.store import Store
from app.venues.key_check import CheckProblem, KeyCheckReport, check_key
from tests.support.loopback_exchange import binance_routes, serving
from tests.support.memory_keyring import MemoryKeyring, installed

CHEAP = ScryptParams(log2_n=10)
PASSPHRASE = "correct horse battery"
KEY = "LiveApiKey-0123456789-K3Y9"
SECRET = "LiveSecret-abcdefghij-S3CR"
KEYS = KeyMaterial(Secret(KEY), Secret(SECRET))
SPEC = AccountSpec("binance", "main", default_instruments=("BTC/USDT",))


class FakeChecker:
    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.calls: list[dict[str, Any]] = []

    async def __call__(
        self,
        venue: str,
        account: str,
        keys: KeyMaterial,
        *,
        sandbox: bool = False,
        market_type: str = "spot",
        timeout_s: float = 30.0,
    ) -> KeyCheckReport:
        self.calls.append(
            {
                "venue": venue,
                "account": account,
                "keys": keys,
                "sandbox": sandbox,
                "market_type": market_type,
            }
        )
        problem = None if self.ok else CheckProblem.AUTHENTICATION
        return KeyCheckReport(account, venue, sandbox, self.ok, "checked", problem)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def store(data_dir: Path) -> AsyncIterator[Store]:
    s = Store(sqlite_url(data_dir / "arbdesk.sqlite"))
    await s.open()
    yield s
    await s.close()


@pytest.fixture
def credentials(data_dir: Path) -> CredentialStore:
    c = CredentialStore(data_dir, choice=BackendChoice.VAULT, vault_kdf=CHEAP)
    c.create_vault(PASSPHRASE)
    return c


@pytest.fixture
def checker() -> FakeChecker:
    return FakeChecker()


@pytest.fixture
def service(store: Store, credentials: CredentialStore, checker: FakeChecker) -> AccountService:
    return AccountService(store, credentials, checker=checker)


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    yield
    redaction.REGISTRY.clear()


async def test_add_a_live_account_checks_then_stores_row_and_keys(
    service: AccountService, checker: FakeChecker, store: Store, credentials: CredentialStore
) -> None:
    changes: list[AccountChange] = []
    service.add_listener(changes.append)
    outcome = await service.add(SPEC, KEYS)
    assert outcome.saved and outcome.report is not None and outcome.report.ok
    assert checker.calls == [
        {
            "venue": "binance",
            "account": "main",
            "keys": KEYS,
            "sandbox": False,
            "market_type": "spot",
        }
    ]
    view = outcome.account
    assert view is not None
    assert (view.label, view.venue, view.mode, view.keys, view.key_hint) == (
        "main",
        "binance",
        AccountMode.LIVE,
        KeysState.STORED,
        "…K3Y9",
    )
    assert view.default_instruments == ("BTC/USDT",)
    row = await store.run(repo.get_account_by_label, "main")
    assert row is not None and row.venue == "binance"
    assert credentials.get("main") == KEYS
    assert changes == [AccountChange("added", "main")]


async def test_a_failed_check_saves_nothing(store: Store, credentials: CredentialStore) -> None:
    service = AccountService(store, credentials, checker=FakeChecker(ok=False))
    outcome = await service.add(SPEC, KEYS)
    assert not outcome.saved and outcome.report is not None and not outcome.report.ok
    assert await service.list() == []
    assert credentials.get("main") is None


async def test_no_check_when_asked(service: AccountService, checker: FakeChecker) -> None:
    outcome = await service.add(AccountSpec("binance", "spot", sandbox=True), KEYS, check=False)
    assert outcome.saved and outcome.report is None and checker.calls == []
    assert outcome.account is not None and outcome.account.sandbox


async def test_paper_accounts_have_no_keys(service: AccountService, checker: FakeChecker) -> None:
    paper = AccountSpec("paper", "practice", mode=AccountMode.PAPER)
    outcome = await service.add(paper)
    assert outcome.account is not None and outcome.account.keys is KeysState.NOT_NEEDED
    assert (await service.test("practice")).ok and checker.calls == []
    with pytest.raises(AccountInvalid, match="paper account has no keys"):
        await service.add(AccountSpec("binance", "p2", mode=AccountMode.PAPER), KEYS)


@pytest.mark.parametrize(
    ("spec", "keys", "problem"),
    [
        (AccountSpec("nosuchex", "x"), KEYS, "unknown exchange"),
        (AccountSpec("binance", ""), KEYS, "label is empty"),
        (AccountSpec("binance", "bad/label"), KEYS, "the label may hold"),
        (AccountSpec("binance", "x" * 65), KEYS, "longer than 64"),
        (AccountSpec("kraken", "k", sandbox=True), KEYS, "kraken has no sandbox"),
        (AccountSpec("paper", "p"), None, "only paper accounts"),
        (AccountSpec("binance", "x", market_type="margin"), KEYS, "market type"),
        (AccountSpec("binance", "x", default_instruments=("BTCUSDT",)), KEYS, "unified symbol"),
        (AccountSpec("okx", "o"), KEYS, "passphrase"),
        (AccountSpec("binance", "x"), None, "needs its API key"),
    ],
)
async def test_invalid_accounts_are_refused_with_the_reason(
    service: AccountService, checker: FakeChecker, spec: AccountSpec, keys: Any, problem: str
) -> None:
    with pytest.raises(AccountInvalid) as caught:
        await service.add(spec, keys)
    assert any(problem in p for p in caught.value.problems), caught.value.problems
    assert checker.calls == [] and await service.list() == []


async def test_a_taken_label_is_refused_before_checking(
    service: AccountService, checker: FakeChecker
) -> None:
    await service.add(SPEC, KEYS, check=False)
    with pytest.raises(AccountExists):
        await service.add(AccountSpec("kraken", "main"), KEYS)
    assert checker.calls == []


async def test_a_locked_vault_is_reported_before_checking(
    service: AccountService, checker: FakeChecker, credentials: CredentialStore
) -> None:
    credentials.lock()
    with pytest.raises(VaultLocked):
        await service.add(SPEC, KEYS)
    assert checker.calls == [] and await service.list() == []


async def test_keys_that_cannot_be_stored_leave_no_account(store: Store, data_dir: Path) -> None:
    backend = MemoryKeyring()
    with installed(backend):
        credentials = CredentialStore(data_dir, vault_kdf=CHEAP)
    backend.fail_with = __import__("keyring").errors.KeyringLocked("locked")
    service = AccountService(store, credentials, checker=FakeChecker())
    with pytest.raises(KeychainError):
        await service.add(SPEC, KEYS)
    assert await store.run(repo.list_accounts) == []


async def test_update_renames_with_keys_and_replaces_keys(
    service: AccountService, credentials: CredentialStore, checker: FakeChecker
) -> None:
    await service.add(SPEC, KEYS, check=False)
    renamed = AccountSpec("binance", "spot-main", market_type="swap")
    outcome = await service.update("main", renamed)
    assert outcome.account is not None and outcome.account.key_hint == "…K3Y9"
    assert outcome.account.market_type == "swap"
    assert credentials.get("main") is None and credentials.get("spot-main") == KEYS
    new_keys = KeyMaterial(Secret("AnotherKey-000000-NEW1"), Secret("another-secret-0000"))
    outcome = await service.update("spot-main", renamed, new_keys)
    assert outcome.account is not None and outcome.account.key_hint == "…NEW1"
    assert checker.calls[-1]["keys"] == new_keys
    assert credentials.get("spot-main") == new_keys
    with pytest.raises(NoSuchAccount):
        await service.update("main", SPEC)


async def test_update_refuses_a_new_venue_mode_or_taken_label(service: AccountService) -> None:
    await service.add(SPEC, KEYS, check=False)
    await service.add(AccountSpec("paper", "practice", mode=AccountMode.PAPER))
    with pytest.raises(AccountInvalid, match="exchange of an account cannot change"):
        await service.update("main", AccountSpec("kraken", "main"))
    with pytest.raises(AccountInvalid, match="live/paper cannot change"):
        await service.update("main", AccountSpec("binance", "main", mode=AccountMode.PAPER))
    with pytest.raises(AccountExists):
        await service.update("main", AccountSpec("binance", "practice"))


async def test_a_failed_check_on_update_changes_nothing(
    store: Store, credentials: CredentialStore
) -> None:
    checker = FakeChecker(ok=True)
    service = AccountService(store, credentials, checker=checker)
    await service.add(SPEC, KEYS)
    checker.ok = False  # the exchange now refuses the key
    bad = KeyMaterial(Secret("WrongKey-0000000000-BAD"), Secret("wrong-secret-000"))
    outcome = await service.update("main", AccountSpec("binance", "renamed"), bad)
    assert not outcome.saved
    assert [v.label for v in await service.list()] == ["main"]
    assert credentials.get("main") == KEYS


async def test_remove_deletes_row_and_keys(
    service: AccountService, credentials: CredentialStore
) -> None:
    await service.add(SPEC, KEYS, check=False)
    await service.remove("main")
    assert await service.list() == []
    assert credentials.get("main") is None
    with pytest.raises(NoSuchAccount):
        await service.remove("main")


async def test_remove_with_a_locked_vault_removes_nothing(
    service: AccountService, credentials: CredentialStore
) -> None:
    await service.add(SPEC, KEYS, check=False)
    credentials.lock()
    with pytest.raises(VaultLocked):
        await service.remove("main")
    credentials.unlock(PASSPHRASE)
    assert [v.label for v in await service.list()] == ["main"]
    assert credentials.get("main") == KEYS


async def test_test_uses_the_stored_key(
    service: AccountService, checker: FakeChecker, store: Store, credentials: CredentialStore
) -> None:
    await service.add(AccountSpec("binance", "main", sandbox=True), KEYS, check=False)
    report = await service.test("main")
    assert report.ok and checker.calls[-1]["keys"] == KEYS and checker.calls[-1]["sandbox"]
    credentials.delete("main")
    fresh = AccountService(store, credentials, checker=checker)
    with pytest.raises(NoKeys, match="no keys stored"):
        await fresh.test("main")


async def test_list_shows_a_locked_vault_without_failing(
    store: Store, credentials: CredentialStore
) -> None:
    await AccountService(store, credentials).add(SPEC, KEYS, check=False)
    credentials.lock()
    views = await AccountService(store, credentials).list()
    assert [(v.label, v.keys, v.key_hint) for v in views] == [("main", KeysState.LOCKED, "")]


async def test_reload_credentials_picks_up_changes_from_another_process(
    service: AccountService, data_dir: Path
) -> None:
    await service.add(SPEC, KEYS, check=False)
    await service.add(AccountSpec("binance", "second"), KEYS, check=False)
    assert await service.keys_for("main") == KEYS
    other = CredentialStore(data_dir, choice=BackendChoice.VAULT, vault_kdf=CHEAP)
    other.unlock(PASSPHRASE)  # the CLI, next to the running window
    rotated = KeyMaterial(Secret("RotatedKey-9999999999-ROT8"), Secret("rotated-secret-99"))
    other.put("main", rotated)
    other.delete("second")
    changes: list[AccountChange] = []
    service.add_listener(changes.append)
    result = await service.reload_credentials()
    assert result.changed == ("main", "second") and result.missing == ("second",)
    assert result.failed == ()
    assert await service.keys_for("main") == rotated
    assert AccountChange("keys", "main") in changes
    assert (await service.reload_credentials()).changed == ()


async def test_reload_with_a_locked_vault_keeps_the_keys_in_use(
    service: AccountService, credentials: CredentialStore
) -> None:
    await service.add(SPEC, KEYS, check=False)
    credentials.lock()
    result = await service.reload_credentials()
    assert result.failed and result.failed[0][0] == "main" and "locked" in result.failed[0][1]
    assert await service.keys_for("main") == KEYS


def test_parse_instruments() -> None:
    assert parse_instruments(" BTC/USDT, ETH/USDT:USDT BTC/USDT ,,") == (
        "BTC/USDT",
        "ETH/USDT:USDT",
    )


def assert_no_secret_in_files(data_dir: Path, log_path: Path) -> None:
    text = log_path.read_bytes()
    assert b"renamed" in text and b"[REDACTED]" in text
    files = [p for p in data_dir.rglob("*") if p.is_file() and not p.name.startswith("vault.")]
    assert any(p.name == "arbdesk.sqlite" for p in files)
    for path in [*files, *log_path.parent.rglob("*")]:
        data = path.read_bytes()
        for secret in (KEY, SECRET, PASSPHRASE):
            assert secret.encode() not in data, f"{secret} found in {path}"


async def test_secrets_never_reach_the_store_or_the_log(
    data_dir: Path, tmp_path: Path, store: Store, credentials: CredentialStore
) -> None:
    """A full cycle — add with a real check, test, a refused key, rename, list, reload — with
    DEBUG logging to a file: then no byte of any store file or the log holds a secret."""
    log_path = configure_logging("DEBUG", tmp_path / "logs", console=False)
    assert log_path is not None
    try:
        async with serving() as server:
            binance_routes(server)
            checker = functools.partial(check_key, configure=server.point)
            service = AccountService(store, credentials, checker=checker)
            assert (await service.add(SPEC, KEYS)).saved
            assert (await service.test("main")).ok
            server.answer("/api/v3/account", {"code": -2015, "msg": f"bad {KEY}"}, status=401)
            refused = await service.test("main")
            assert refused.problem is CheckProblem.AUTHENTICATION
            logging.getLogger("app.test").error("oops with %s and %s", KEY, SECRET)
            await service.update("main", AccountSpec("binance", "renamed"))
            await service.list()
            await service.reload_credentials()
        await store.close()
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()
    assert_no_secret_in_files(data_dir, log_path)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_arbdesk", False):
            root.removeHandler(handler)
            handler.close()
