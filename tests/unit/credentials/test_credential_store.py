"""Choosing the keychain or the vault, the environment variables, and registration for redaction."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from keyring.backends import fail

from app.core.secrets import KeyMaterial
from app.credentials import (
    BackendChoice,
    BackendKind,
    CredentialsError,
    CredentialStore,
    InsecureKeychain,
    KeychainStatus,
    VaultLocked,
    VaultMissing,
    WrongPassphrase,
    backend_choice,
    choose_backend,
    credential_store_from_env,
)
from app.runtime import redaction
from tests.support.memory_keyring import MemoryKeyring, installed

from .conftest import CHEAP, PASSPHRASE

SECURE = KeychainStatus(True, "mem")
INSECURE = KeychainStatus(False, "keyring.backends.fail.Keyring", "no keychain is available")


@pytest.mark.parametrize(
    ("choice", "status", "vault_exists", "expected"),
    [
        (BackendChoice.AUTO, SECURE, False, BackendKind.KEYCHAIN),
        (BackendChoice.AUTO, INSECURE, False, BackendKind.VAULT),
        (BackendChoice.AUTO, SECURE, True, BackendKind.VAULT),  # keys do not vanish
        (BackendChoice.VAULT, SECURE, False, BackendKind.VAULT),
        (BackendChoice.KEYRING, SECURE, True, BackendKind.KEYCHAIN),
    ],
)
def test_choose_backend(
    choice: BackendChoice, status: KeychainStatus, vault_exists: bool, expected: BackendKind
) -> None:
    assert choose_backend(choice, status, vault_exists)[0] is expected


def test_asking_for_an_insecure_keychain_is_refused() -> None:
    with pytest.raises(InsecureKeychain, match="not secure"):
        choose_backend(BackendChoice.KEYRING, INSECURE, False)


def test_fail_backend_falls_back_to_the_vault(tmp_path: Path, keys: KeyMaterial) -> None:
    with installed(fail.Keyring()):
        store = CredentialStore(tmp_path, vault_kdf=CHEAP)
    assert store.kind is BackendKind.VAULT
    assert "not usable" in store.reason
    assert store.needs_passphrase
    with pytest.raises(VaultMissing):
        store.put("main", keys)
    store.create_vault(PASSPHRASE)
    store.put("main", keys)
    assert store.get("main") == keys
    assert (tmp_path / "vault.enc").exists()


def test_secure_keychain_is_used_and_the_vault_is_not_created(
    tmp_path: Path, memory_keyring: MemoryKeyring, keys: KeyMaterial
) -> None:
    store = CredentialStore(tmp_path, vault_kdf=CHEAP)
    assert store.kind is BackendKind.KEYCHAIN and not store.needs_passphrase
    store.put("main", keys)
    assert store.get("main") == keys
    assert store.rename("main", "spot")
    assert store.delete("spot")
    assert not (tmp_path / "vault.enc").exists()
    assert memory_keyring.entries == {}


def test_locked_vault_says_so(tmp_path: Path, keys: KeyMaterial) -> None:
    store = CredentialStore(tmp_path, choice=BackendChoice.VAULT, vault_kdf=CHEAP)
    store.create_vault(PASSPHRASE)
    store.put("main", keys)
    store.lock()
    with pytest.raises(VaultLocked, match="passphrase"):
        store.get("main")
    store.unlock(PASSPHRASE)
    assert store.get("main") == keys


def test_environment_passphrase_opens_with_a_warning(
    tmp_path: Path, keys: KeyMaterial, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"ARBDESK_KEYRING": "vault", "ARBDESK_VAULT_PASSPHRASE": PASSPHRASE}
    first = credential_store_from_env(tmp_path, env, vault_kdf=CHEAP)
    assert not first.needs_passphrase and first.uses_env_passphrase
    with caplog.at_level(logging.WARNING):
        first.put("main", keys)  # creates the vault with it
    assert "unattended server" in caplog.text
    second = credential_store_from_env(tmp_path, env, vault_kdf=CHEAP)
    assert second.get("main") == keys
    wrong = credential_store_from_env(
        tmp_path, {**env, "ARBDESK_VAULT_PASSPHRASE": "not the one!"}, vault_kdf=CHEAP
    )
    with pytest.raises(WrongPassphrase):
        wrong.get("main")


def test_backend_variable_is_checked() -> None:
    assert backend_choice({}) is BackendChoice.AUTO
    assert backend_choice({"ARBDESK_KEYRING": " Vault "}) is BackendChoice.VAULT
    with pytest.raises(CredentialsError, match="ARBDESK_KEYRING='plaintext'"):
        backend_choice({"ARBDESK_KEYRING": "plaintext"})


def test_keys_and_passphrases_passing_through_are_registered(
    tmp_path: Path, keys: KeyMaterial
) -> None:
    store = CredentialStore(tmp_path, choice=BackendChoice.VAULT, vault_kdf=CHEAP)
    store.create_vault(PASSPHRASE)
    store.put("main", keys)
    text = f"{PASSPHRASE} {keys.api_key.reveal()} {keys.secret.reveal()} okx-pass-9"
    assert redaction.redact(text) == " ".join(["[REDACTED]"] * 4)
    redaction.REGISTRY.clear()
    CredentialStore(tmp_path, choice=BackendChoice.VAULT, vault_kdf=CHEAP).unlock(PASSPHRASE)
    again = CredentialStore(tmp_path, choice=BackendChoice.VAULT, vault_kdf=CHEAP)
    again.unlock(PASSPHRASE)
    again.get("main")  # loading registers too
    assert keys.secret.reveal() not in redaction.redact(text)
