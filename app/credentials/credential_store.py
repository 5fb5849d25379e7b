"""``CredentialStore``: where an account's keys live, behind one interface.

The choice (``choose_backend``), in order:

- ``vault`` asked for (``ARBDESK_KEYRING=vault``): the encrypted vault.
- ``keyring`` asked for: the OS keychain, refused if it is not secure.
- ``auto`` (default): the vault if a vault file already exists (keys do not vanish because a
  keychain appeared), else the OS keychain if it is secure, else the vault.

Every key that passes through here, and every vault passphrase, is registered for redaction from
the logs. The calls block (scrypt, D-Bus): callers on the event loop run them in a thread.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path

from keyring.backend import KeyringBackend

from app.core.secrets import KeyMaterial, Secret
from app.credentials.errors import InsecureKeychain, VaultLocked, VaultMissing
from app.credentials.keychain import KeychainSecrets, KeychainStatus, keychain_status
from app.credentials.vault import VAULT_NAME, Vault
from app.credentials.vault_format import DEFAULT_KDF, ScryptParams
from app.runtime import redaction

log = logging.getLogger(__name__)

#: Label prefix of named secrets in the keychain or vault: account labels cannot hold ``:``.
SECRET_PREFIX = "secret:"  # noqa: S105 (a label prefix, not a secret)

UNATTENDED_WARNING = (
    "ARBDESK_VAULT_PASSPHRASE is set: the vault opens without asking. Use it only on an "
    "unattended server; anyone who can read this process's environment can open the vault."
)


class BackendChoice(StrEnum):
    AUTO = "auto"
    KEYRING = "keyring"
    VAULT = "vault"


class BackendKind(StrEnum):
    KEYCHAIN = "keychain"
    VAULT = "vault"


def choose_backend(
    choice: BackendChoice, status: KeychainStatus, vault_exists: bool
) -> tuple[BackendKind, str]:
    """The backend to use and why (for the log and ``keys list``)."""
    if choice is BackendChoice.VAULT:
        return BackendKind.VAULT, "the vault was asked for (ARBDESK_KEYRING=vault)"
    if choice is BackendChoice.KEYRING:
        if not status.secure:
            raise InsecureKeychain(
                f"ARBDESK_KEYRING=keyring, but the keychain ({status.name}) is not secure: "
                f"{status.reason}. Unset it to use the encrypted vault."
            )
        return BackendKind.KEYCHAIN, "the keychain was asked for (ARBDESK_KEYRING=keyring)"
    if vault_exists:
        return BackendKind.VAULT, "a vault already exists"
    if status.secure:
        return BackendKind.KEYCHAIN, f"the OS keychain ({status.name}) is secure"
    return BackendKind.VAULT, f"the OS keychain is not usable: {status.reason}"


class CredentialStore:
    def __init__(
        self,
        data_dir: Path,
        *,
        choice: BackendChoice = BackendChoice.AUTO,
        keyring_backend: KeyringBackend | None = None,
        vault_kdf: ScryptParams = DEFAULT_KDF,
        env_passphrase: str | None = None,
    ) -> None:
        self.vault = Vault(data_dir / VAULT_NAME, kdf=vault_kdf)
        self.keychain_status = keychain_status(keyring_backend)
        self.kind, self.reason = choose_backend(choice, self.keychain_status, self.vault.exists())
        self._keychain = (
            KeychainSecrets(keyring_backend) if self.kind is BackendKind.KEYCHAIN else None
        )
        self._env_passphrase = env_passphrase or None
        if self._env_passphrase:
            redaction.register(self._env_passphrase)
        log.info("keys are kept in %s: %s", self.describe(), self.reason)

    # -- what it is --------------------------------------------------------------------------

    def describe(self) -> str:
        if self.kind is BackendKind.KEYCHAIN:
            return f"the OS keychain ({self.keychain_status.name})"
        return f"the encrypted vault {self.vault.path}"

    @property
    def uses_vault(self) -> bool:
        return self.kind is BackendKind.VAULT

    @property
    def needs_passphrase(self) -> bool:
        """True when the vault is in use, locked, and no environment passphrase can open it."""
        return self.uses_vault and not self.vault.unlocked and not self._env_passphrase

    @property
    def uses_env_passphrase(self) -> bool:
        return self.uses_vault and bool(self._env_passphrase)

    # -- the vault's passphrase --------------------------------------------------------------

    def unlock(self, passphrase: str) -> None:
        redaction.register(passphrase)
        self.vault.unlock(passphrase)

    def create_vault(self, passphrase: str) -> None:
        redaction.register(passphrase)
        self.vault.create(passphrase)

    def change_passphrase(self, old: str, new: str) -> None:
        redaction.register(old, new)
        self.vault.change_passphrase(old, new)

    def lock(self) -> None:
        self.vault.lock()

    def open_with_env(self) -> bool:
        """Open (or create) the vault with ``ARBDESK_VAULT_PASSPHRASE``, with a warning; False
        when it is not set or not needed."""
        if not self.uses_vault or self.vault.unlocked or not self._env_passphrase:
            return False
        log.warning(UNATTENDED_WARNING)
        if self.vault.exists():
            self.vault.unlock(self._env_passphrase)
        else:
            self.vault.create(self._env_passphrase)
        return True

    # -- keys --------------------------------------------------------------------------------

    def get(self, label: str) -> KeyMaterial | None:
        if self._keychain is not None:
            keys = self._keychain.get(label)
        else:
            self._ready()
            keys = self.vault.get(label)
        if keys is not None:
            redaction.register(keys)
        return keys

    def put(self, label: str, keys: KeyMaterial) -> None:
        redaction.register(keys)
        if self._keychain is not None:
            self._keychain.put(label, keys)
        else:
            self._ready()
            self.vault.put(label, keys)

    def delete(self, label: str) -> bool:
        if self._keychain is not None:
            return self._keychain.delete(label)
        self._ready()
        return self.vault.delete(label)

    def rename(self, old: str, new: str) -> bool:
        if self._keychain is not None:
            return self._keychain.rename(old, new)
        self._ready()
        return self.vault.rename(old, new)

    # -- named secrets (an alert channel's token or signing secret) ---------------------------

    def get_secret(self, name: str) -> Secret | None:
        """A named secret that is not an account's key; None when none is stored."""
        keys = self.get(SECRET_PREFIX + name)
        return None if keys is None else keys.secret

    def put_secret(self, name: str, value: Secret) -> None:
        """Kept where the keys are, as an entry of its own (``:`` is no account label's)."""
        self.put(SECRET_PREFIX + name, KeyMaterial(api_key=value, secret=value))

    def delete_secret(self, name: str) -> bool:
        return self.delete(SECRET_PREFIX + name)

    def _ready(self) -> None:
        if self.vault.unlocked or self.open_with_env():
            return
        if not self.vault.exists():
            raise VaultMissing(self.vault.path)
        raise VaultLocked("the vault is locked: enter its master passphrase")
