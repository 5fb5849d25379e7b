"""Fixtures of the credentials tests: an in-memory keychain, and a cheap scrypt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.secrets import KeyMaterial, Secret
from app.credentials import ScryptParams, Vault
from app.runtime import redaction
from tests.support.memory_keyring import MemoryKeyring, installed

# Tests only: the real default (n=2**15) is tested once, explicitly.
CHEAP = ScryptParams(log2_n=10, r=8, p=1)
PASSPHRASE = "correct horse battery"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with installed(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def keys() -> KeyMaterial:
    return KeyMaterial(
        Secret("APIKEY-1234567890-abcd"), Secret("SECRET-0987654321-zyxw"), Secret("okx-pass-9")
    )


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "vault.enc"


@pytest.fixture
def vault(vault_path: Path) -> Vault:
    v = Vault(vault_path, kdf=CHEAP)
    v.create(PASSPHRASE)
    return v


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    yield
    redaction.REGISTRY.clear()
