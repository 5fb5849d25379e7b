"""The encrypted vault: where keys go when the OS keychain is not secure (a headless server).

One file, ``vault.enc`` in the data folder (format in ``vault_format``), holding every account's
keys as JSON. Rules:

- Every operation reads the file again, so a change made by another ``arbdesk`` process (the CLI
  next to the window) is seen at once; only the derived key stays in memory, never the passphrase.
- Every write goes through a temp file and ``os.replace``: the vault is always the old version or
  the new one. Before it, the current file — just decrypted, so known good — is copied to
  ``vault.bak``. The write is read back and checked; if it does not decrypt, the good bytes go back.
- A wrong passphrase or a damaged file raises, and nothing is written.
- Changing the passphrase decrypts with the old one, writes the new file in one replace, and then
  refreshes ``vault.bak`` with it, so no copy readable with the old passphrase is kept.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.secrets import KeyMaterial
from app.credentials import material
from app.credentials.errors import (
    VaultDamaged,
    VaultError,
    VaultExists,
    VaultLocked,
    VaultMissing,
    WeakPassphrase,
)
from app.credentials.vault_file import PRIVATE_FILE, is_private, read_bytes, write_atomic
from app.credentials.vault_format import (
    DEFAULT_KDF,
    Header,
    ScryptParams,
    VaultKey,
    derive,
    key_matches,
    parse_header,
    seal,
    unseal,
)

log = logging.getLogger(__name__)

VAULT_NAME = "vault.enc"
BACKUP_NAME = "vault.bak"
DOC_FORMAT = 1
MIN_PASSPHRASE_LENGTH = 8

Doc = dict[str, Any]


def check_new_passphrase(passphrase: str, repeated: str | None = None) -> None:
    """``WeakPassphrase`` with the reason, for a passphrase about to protect a vault."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphrase(
            f"the passphrase must have at least {MIN_PASSPHRASE_LENGTH} characters"
        )
    if passphrase.strip() != passphrase:
        raise WeakPassphrase("the passphrase must not start or end with spaces")
    if repeated is not None and repeated != passphrase:
        raise WeakPassphrase("the two passphrases differ")


class Vault:
    def __init__(self, path: Path, *, kdf: ScryptParams = DEFAULT_KDF) -> None:
        self.path = path
        self.backup_path = path.with_name(BACKUP_NAME)
        self._kdf = kdf
        self._key: VaultKey | None = None
        self._lock = threading.RLock()

    # -- state ---------------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def unlocked(self) -> bool:
        return self._key is not None

    def lock(self) -> None:
        """Forget the derived key."""
        with self._lock:
            self._key = None

    # -- passphrase ----------------------------------------------------------------------------

    def create(self, passphrase: str) -> None:
        """A new, empty vault protected by ``passphrase``; it is then unlocked."""
        check_new_passphrase(passphrase)
        with self._lock:
            if self.exists():
                raise VaultExists(self.path)
            key = derive(passphrase, self._kdf)
            self._write_new(self._seal({}, key), backup=None)
            self._key = key
            log.info("vault created at %s", self.path)

    def unlock(self, passphrase: str) -> None:
        """Open the vault; ``WrongPassphrase``, ``VaultDamaged`` or ``VaultMissing`` otherwise,
        with the file untouched. A vault made with weaker scrypt settings is re-encrypted."""
        with self._lock:
            data = self._read()
            header = self._header(data)
            key = derive(passphrase, header.params, header.salt)
            entries = self._decode(self._unseal(data, key))
            self._key = key
            self._protect()
            if header.params.weaker_than(self._kdf):
                self._rekey(entries, derive(passphrase, self._kdf))
                log.info("vault re-encrypted with stronger scrypt settings")

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-encrypt under ``new``; at every moment the file opens with one of the two."""
        check_new_passphrase(new)
        with self._lock:
            data = self._read()
            header = self._header(data)
            entries = self._decode(self._unseal(data, derive(old, header.params, header.salt)))
            self._rekey(entries, derive(new, self._kdf))
            log.info("vault passphrase changed")

    # -- entries -------------------------------------------------------------------------------

    def labels(self) -> list[str]:
        return sorted(self._entries())

    def get(self, label: str) -> KeyMaterial | None:
        entry = self._entries().get(label)
        return None if entry is None else material.from_entry(entry, label)

    def put(self, label: str, keys: KeyMaterial) -> None:
        def change(entries: Doc) -> bool:
            entries[label] = material.to_entry(keys)
            return True

        self._mutate(change)

    def delete(self, label: str) -> bool:
        def change(entries: Doc) -> bool:
            return entries.pop(label, None) is not None

        return self._mutate(change)

    def rename(self, old: str, new: str) -> bool:
        def change(entries: Doc) -> bool:
            if old not in entries:
                return False
            entries[new] = entries.pop(old)
            return True

        return self._mutate(change)

    # -- internals -----------------------------------------------------------------------------

    def _entries(self) -> Doc:
        with self._lock:
            key = self._require_key()
            data = self._read()
            self._check_same_key(data, key)
            return self._decode(self._unseal(data, key))

    def _mutate(self, change: Callable[[Doc], bool]) -> bool:
        with self._lock:
            key = self._require_key()
            data = self._read()
            self._check_same_key(data, key)
            entries = self._decode(self._unseal(data, key))
            if not change(entries):
                return False
            self._write_new(self._seal(entries, key), backup=data)
            return True

    def _rekey(self, entries: Doc, key: VaultKey) -> None:
        """Write ``entries`` under a new key, then make the backup that same file."""
        blob = self._seal(entries, key)
        self._write_new(blob, backup=None)
        write_atomic(self.backup_path, blob)
        self._key = key

    def _write_new(self, blob: bytes, *, backup: bytes | None) -> None:
        if backup is not None:
            write_atomic(self.backup_path, backup)
        write_atomic(self.path, blob)
        written = self._read()
        if written != blob:
            if backup is not None:
                write_atomic(self.path, backup)
            raise VaultError(f"the vault at {self.path} did not read back as written; kept the old")

    def _read(self) -> bytes:
        data = read_bytes(self.path)
        if data is None:
            raise VaultMissing(self.path)
        return data

    def _header(self, data: bytes) -> Header:
        try:
            return parse_header(data)
        except VaultDamaged as exc:
            raise self._damaged(exc) from None

    def _unseal(self, data: bytes, key: VaultKey) -> bytes:
        header = self._header(data)
        try:
            return unseal(data, header, key)
        except VaultDamaged as exc:
            raise self._damaged(exc) from None

    def _damaged(self, exc: VaultDamaged) -> VaultDamaged:
        hint = f"{exc}. {self.path} was left as it is."
        if self.backup_path.exists():
            hint += (
                f" The last good copy is {self.backup_path}: to go back to it, replace the vault "
                "with it (its passphrase may be an earlier one)."
            )
        return VaultDamaged(hint)

    def _require_key(self) -> VaultKey:
        if self._key is None:
            if not self.exists():
                raise VaultMissing(self.path)
            raise VaultLocked("the vault is locked: enter its master passphrase")
        return self._key

    def _check_same_key(self, data: bytes, key: VaultKey) -> None:
        if not key_matches(self._header(data), key):
            self._key = None
            raise VaultLocked(
                "the vault was re-encrypted by another ArbDesk (a new passphrase?): unlock it again"
            )

    @staticmethod
    def _seal(entries: Doc, key: VaultKey) -> bytes:
        doc = {"format": DOC_FORMAT, "entries": entries}
        return seal(json.dumps(doc, separators=(",", ":")).encode(), key)

    def _decode(self, plaintext: bytes) -> Doc:
        try:
            doc = json.loads(plaintext)
        except ValueError:
            raise self._damaged(VaultDamaged("the vault's content is not readable")) from None
        if not isinstance(doc, dict) or doc.get("format") != DOC_FORMAT:
            raise self._damaged(VaultDamaged("the vault's content has an unknown format"))
        entries = doc.get("entries")
        if not isinstance(entries, dict):
            raise self._damaged(VaultDamaged("the vault's content has no entries"))
        return entries

    def _protect(self) -> None:
        if not is_private(self.path):
            log.warning("vault %s was readable by others; made it private (0600)", self.path)
            os.chmod(self.path, PRIVATE_FILE)
