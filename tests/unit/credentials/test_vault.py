"""The encrypted vault: round trip, refusals that leave the file as it was, passphrase change."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.core.secrets import KeyMaterial, Secret
from app.credentials import (
    DEFAULT_KDF,
    ScryptParams,
    Vault,
    VaultDamaged,
    VaultExists,
    VaultLocked,
    VaultMissing,
    WeakPassphrase,
    WrongPassphrase,
)
from app.credentials.vault_format import HEADER, MAGIC, parse_header

from .conftest import CHEAP, PASSPHRASE


def reopen(path: Path, passphrase: str = PASSPHRASE) -> Vault:
    v = Vault(path, kdf=CHEAP)
    v.unlock(passphrase)
    return v


def test_round_trip_through_a_fresh_instance(vault: Vault, keys: KeyMaterial) -> None:
    vault.put("main", keys)
    vault.put("other", KeyMaterial(Secret("k" * 20), Secret("s" * 20)))
    again = reopen(vault.path)
    assert again.get("main") == keys
    assert again.labels() == ["main", "other"]
    assert again.get("missing") is None


def test_file_holds_no_plaintext_and_is_private(vault: Vault, keys: KeyMaterial) -> None:
    vault.put("main", keys)
    data = vault.path.read_bytes()
    for secret in keys.secrets():
        assert secret.reveal().encode() not in data
    assert b"main" not in data  # labels are encrypted too
    assert data.startswith(MAGIC)
    if os.name == "posix":
        assert stat.S_IMODE(vault.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(vault.backup_path.stat().st_mode) == 0o600


def test_every_write_has_a_fresh_nonce_and_keeps_the_salt(vault: Vault, keys: KeyMaterial) -> None:
    first = parse_header(vault.path.read_bytes())
    vault.put("main", keys)
    second = parse_header(vault.path.read_bytes())
    vault.put("main", keys)
    third = parse_header(vault.path.read_bytes())
    assert len({first.nonce, second.nonce, third.nonce}) == 3
    assert first.salt == second.salt == third.salt
    assert len(first.salt) == 16


def test_default_scrypt_is_at_least_n_2_15_r_8_p_1(vault_path: Path) -> None:
    assert (DEFAULT_KDF.n, DEFAULT_KDF.r, DEFAULT_KDF.p) == (2**15, 8, 1)
    Vault(vault_path).create(PASSPHRASE)  # the real cost, once
    header = parse_header(vault_path.read_bytes())
    assert (header.params.n, header.params.r, header.params.p) == (2**15, 8, 1)


def test_a_weaker_vault_is_strengthened_on_unlock(vault_path: Path) -> None:
    Vault(vault_path, kdf=ScryptParams(log2_n=4)).create(PASSPHRASE)
    Vault(vault_path, kdf=CHEAP).unlock(PASSPHRASE)
    assert parse_header(vault_path.read_bytes()).params == CHEAP
    reopen(vault_path)


def test_locked_vault_refuses_and_missing_vault_says_so(vault_path: Path) -> None:
    v = Vault(vault_path, kdf=CHEAP)
    with pytest.raises(VaultMissing):
        v.get("main")
    with pytest.raises(VaultMissing):
        v.unlock(PASSPHRASE)
    v.create(PASSPHRASE)
    with pytest.raises(VaultExists):
        v.create(PASSPHRASE)
    v.lock()
    with pytest.raises(VaultLocked):
        v.get("main")


def test_wrong_passphrase_is_refused_and_the_file_is_unchanged(
    vault: Vault, keys: KeyMaterial
) -> None:
    vault.put("main", keys)
    before = vault.path.read_bytes()
    other = Vault(vault.path, kdf=CHEAP)
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        other.unlock("not the passphrase")
    assert not other.unlocked
    assert vault.path.read_bytes() == before


REGIONS = {
    "magic": 0,
    "version": 8,
    "log2_n": 10,
    "r": 11,
    "salt": 13,
    "check": 29,
    "nonce": 45,
    "ciphertext": HEADER.size + 2,
    "tag": -1,
}


@pytest.mark.parametrize("region", list(REGIONS))
def test_a_flipped_byte_anywhere_is_refused_and_left_as_is(
    vault: Vault, keys: KeyMaterial, region: str
) -> None:
    vault.put("main", keys)
    data = bytearray(vault.path.read_bytes())
    data[REGIONS[region]] ^= 0x01
    vault.path.write_bytes(bytes(data))
    with pytest.raises((VaultDamaged, WrongPassphrase)) as caught:
        reopen(vault.path)
    if region in ("nonce", "ciphertext", "tag"):
        assert isinstance(caught.value, VaultDamaged)
        assert "changed or damaged" in str(caught.value)
        assert str(vault.backup_path) in str(caught.value)
    assert vault.path.read_bytes() == bytes(data)
    # the unlocked instance refuses the tampered file as well, and writes nothing
    with pytest.raises((VaultDamaged, WrongPassphrase, VaultLocked)):
        vault.put("other", keys)
    assert vault.path.read_bytes() == bytes(data)


@pytest.mark.parametrize("keep", [0, 5, 8, 30, HEADER.size, HEADER.size + 10, -1])
def test_a_truncated_file_is_refused_and_left_as_is(
    vault: Vault, keys: KeyMaterial, keep: int
) -> None:
    vault.put("main", keys)
    data = vault.path.read_bytes()
    cut = data[:keep]
    vault.path.write_bytes(cut)
    with pytest.raises(VaultDamaged) as caught:
        reopen(vault.path)
    assert "truncated" in str(caught.value) or "changed or damaged" in str(caught.value)
    assert vault.path.read_bytes() == cut


def test_not_a_vault_at_all(vault_path: Path) -> None:
    vault_path.parent.mkdir(parents=True)
    vault_path.write_bytes(b'{"apiKey": "plaintext"}')
    with pytest.raises(VaultDamaged, match="not an ArbDesk vault"):
        reopen(vault_path)


def test_unknown_format_version_is_refused(vault: Vault) -> None:
    data = bytearray(vault.path.read_bytes())
    data[8] = 2
    vault.path.write_bytes(bytes(data))
    with pytest.raises(VaultDamaged, match="format version 2"):
        reopen(vault.path)


def test_backup_holds_the_last_good_version_and_restores(vault: Vault, keys: KeyMaterial) -> None:
    vault.put("main", keys)
    good = vault.path.read_bytes()
    vault.put("second", keys)
    assert vault.backup_path.read_bytes() == good
    # damage the vault; the backup still opens and holds the earlier state
    vault.path.write_bytes(vault.path.read_bytes()[:-3])
    with pytest.raises(VaultDamaged):
        reopen(vault.path)
    restored = reopen(vault.backup_path)
    assert restored.labels() == ["main"]


def test_changing_the_passphrase(vault: Vault, keys: KeyMaterial) -> None:
    vault.put("main", keys)
    old_salt = parse_header(vault.path.read_bytes()).salt
    vault.change_passphrase(PASSPHRASE, "a brand new passphrase")
    assert parse_header(vault.path.read_bytes()).salt != old_salt
    with pytest.raises(WrongPassphrase):
        reopen(vault.path, PASSPHRASE)
    assert reopen(vault.path, "a brand new passphrase").get("main") == keys
    # the backup is the new file: nothing readable with the old passphrase remains
    assert reopen(vault.backup_path, "a brand new passphrase").get("main") == keys
    # the instance that changed it goes on working
    vault.put("other", keys)
    assert reopen(vault.path, "a brand new passphrase").labels() == ["main", "other"]


def test_changing_with_a_wrong_old_passphrase_changes_nothing(vault: Vault) -> None:
    before = vault.path.read_bytes()
    with pytest.raises(WrongPassphrase):
        vault.change_passphrase("not it at all", "a brand new passphrase")
    assert vault.path.read_bytes() == before


def test_a_crash_while_writing_leaves_the_old_vault(
    vault: Vault, keys: KeyMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault.put("main", keys)
    before = vault.path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        vault.change_passphrase(PASSPHRASE, "a brand new passphrase")
    monkeypatch.undo()
    assert vault.path.read_bytes() == before
    assert reopen(vault.path).get("main") == keys
    assert not [p for p in vault.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_new_passphrases_must_be_long_enough(vault_path: Path, vault: Vault) -> None:
    with pytest.raises(WeakPassphrase):
        Vault(vault_path.with_name("v2"), kdf=CHEAP).create("short")
    with pytest.raises(WeakPassphrase):
        vault.change_passphrase(PASSPHRASE, "short")


def test_another_process_sees_changes_and_a_rekey_locks_us(vault: Vault, keys: KeyMaterial) -> None:
    other = reopen(vault.path)
    other.put("from-cli", keys)
    assert vault.get("from-cli") == keys  # read from disk every time
    other.change_passphrase(PASSPHRASE, "changed elsewhere!")
    with pytest.raises(VaultLocked, match="unlock it again"):
        vault.get("from-cli")
    vault.unlock("changed elsewhere!")
    assert vault.get("from-cli") == keys


def test_delete_and_rename(vault: Vault, keys: KeyMaterial) -> None:
    vault.put("main", keys)
    assert vault.rename("main", "renamed")
    assert vault.get("main") is None and vault.get("renamed") == keys
    assert not vault.rename("nope", "x")
    assert vault.delete("renamed")
    assert not vault.delete("renamed")
    assert reopen(vault.path).labels() == []


def test_a_world_readable_vault_is_made_private(vault: Vault) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    os.chmod(vault.path, 0o644)
    reopen(vault.path)
    assert stat.S_IMODE(vault.path.stat().st_mode) == 0o600


def test_unicode_passphrase_in_any_normal_form(vault_path: Path) -> None:
    composed = "pässwörd-ünïcode"
    decomposed = "pa\u0308sswo\u0308rd-u\u0308ni\u0308code"
    Vault(vault_path, kdf=CHEAP).create(composed)
    reopen(vault_path, decomposed)
