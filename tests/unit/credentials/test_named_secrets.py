"""Named secrets (alert channels' tokens) kept beside the keys, in the keychain or the vault."""

from __future__ import annotations

from pathlib import Path

from app.core.secrets import Secret
from app.credentials import BackendChoice, CredentialStore
from app.runtime import redaction
from tests.support.memory_keyring import MemoryKeyring

from .conftest import CHEAP, PASSPHRASE

TOKEN = "123456:telegram-bot-token"


def test_keychain_keeps_a_named_secret_apart_from_accounts(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = CredentialStore(tmp_path, vault_kdf=CHEAP)
    assert store.get_secret("alerts.tg.bot_token") is None
    store.put_secret("alerts.tg.bot_token", Secret(TOKEN))
    assert store.get_secret("alerts.tg.bot_token") == Secret(TOKEN)
    assert [user for _, user in memory_keyring.entries] == ["secret:alerts.tg.bot_token"]
    assert store.delete_secret("alerts.tg.bot_token")
    assert store.get_secret("alerts.tg.bot_token") is None


def test_vault_keeps_a_named_secret_and_the_logs_never_show_it(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path, choice=BackendChoice.VAULT, vault_kdf=CHEAP)
    store.create_vault(PASSPHRASE)
    store.put_secret("alerts.ops.signing_secret", Secret(TOKEN))
    store.lock()
    store.unlock(PASSPHRASE)
    assert store.get_secret("alerts.ops.signing_secret") == Secret(TOKEN)
    assert TOKEN.encode() not in (tmp_path / "vault.enc").read_bytes()
    assert redaction.redact(f"token is {TOKEN}") == "token is [REDACTED]"
