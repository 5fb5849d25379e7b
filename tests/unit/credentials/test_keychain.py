"""The OS keychain: which backends count as secure, and one entry per account."""

from __future__ import annotations

import json
import types

import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from app.core.secrets import KeyMaterial, Secret
from app.credentials import SERVICE, CredentialsError, KeychainError, keychain_status
from app.credentials.keychain import KeychainSecrets
from tests.support.memory_keyring import MemoryKeyring


def _fake_alt_backend() -> KeyringBackend:
    """A backend class living in ``keyrings.alt.file``, like the plaintext one there."""
    module = types.ModuleType("keyrings.alt.file")

    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = module.__name__
    return PlaintextKeyring()


class UnencryptedFileKeyring(MemoryKeyring):
    pass


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        (fail.Keyring(), "no keychain"),
        (null.Keyring(), "no keychain"),
        (_fake_alt_backend(), "keyrings.alt"),
        (UnencryptedFileKeyring(), "unencrypted"),
    ],
)
def test_insecure_backends(backend: KeyringBackend, reason: str) -> None:
    status = keychain_status(backend)
    assert not status.secure
    assert reason in status.reason


def test_memory_backend_counts_as_secure() -> None:
    assert keychain_status(MemoryKeyring()).secure


def test_chainer_is_secure_only_if_every_chained_backend_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = chainer.ChainerBackend()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [MemoryKeyring()])
    assert keychain_status(backend).secure
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [MemoryKeyring(), _fake_alt_backend()])
    assert not keychain_status(backend).secure
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert not keychain_status(backend).secure


def test_this_machine_default_is_detected(memory_keyring: MemoryKeyring) -> None:
    assert keychain_status().name.endswith("MemoryKeyring")


def test_one_entry_per_account_under_the_arbdesk_service(
    memory_keyring: MemoryKeyring, keys: KeyMaterial
) -> None:
    store = KeychainSecrets()
    store.put("main", keys)
    assert list(memory_keyring.entries) == [(SERVICE, "main")]
    entry = json.loads(memory_keyring.entries[(SERVICE, "main")])
    assert entry == {
        "v": 1,
        "apiKey": keys.api_key.reveal(),
        "secret": keys.secret.reveal(),
        "password": "okx-pass-9",
    }
    assert store.get("main") == keys
    assert store.get("other") is None


def test_delete_and_rename(memory_keyring: MemoryKeyring, keys: KeyMaterial) -> None:
    store = KeychainSecrets(memory_keyring)
    store.put("main", keys)
    assert store.rename("main", "spot")
    assert store.get("main") is None and store.get("spot") == keys
    assert store.delete("spot")
    assert not store.delete("spot")
    assert memory_keyring.entries == {}


def test_keychain_failures_name_the_account_never_the_secret(
    memory_keyring: MemoryKeyring, keys: KeyMaterial
) -> None:
    memory_keyring.fail_with = keyring.errors.KeyringLocked(
        f"locked while storing {keys.secret.reveal()}"
    )
    with pytest.raises(KeychainError) as caught:
        KeychainSecrets(memory_keyring).put("main", keys)
    text = str(caught.value)
    assert "'main'" in text and "KeyringLocked" in text
    assert keys.secret.reveal() not in text


def test_a_foreign_entry_is_reported_without_its_content(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.entries[(SERVICE, "main")] = "hunter2-plain-password"
    with pytest.raises(CredentialsError) as caught:
        KeychainSecrets(memory_keyring).get("main")
    assert "hunter2" not in str(caught.value)
    memory_keyring.entries[(SERVICE, "main")] = json.dumps({"v": 1, "apiKey": "only-a-key"})
    with pytest.raises(CredentialsError, match="incomplete"):
        KeychainSecrets(memory_keyring).get("main")


def test_secret_types_survive_the_round_trip(memory_keyring: MemoryKeyring) -> None:
    material = KeyMaterial(Secret("k" * 16), Secret("s" * 16), uid=Secret("123456"))
    store = KeychainSecrets(memory_keyring)
    store.put("uid", material)
    loaded = store.get("uid")
    assert loaded is not None and loaded.uid == Secret("123456") and loaded.password is None
