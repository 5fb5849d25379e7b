"""What can go wrong with stored keys, each with a message a user can act on (never a secret)."""

from __future__ import annotations

from pathlib import Path


class CredentialsError(Exception):
    """Base of every credentials failure."""


class KeychainError(CredentialsError):
    """The OS keychain refused or failed (locked, no service running, access denied)."""


class InsecureKeychain(CredentialsError):
    """The keychain was asked for explicitly, but the only backend stores keys unprotected."""


class VaultError(CredentialsError):
    """Base of the encrypted vault's failures."""


class VaultLocked(VaultError):
    """The vault needs its master passphrase first."""


class VaultMissing(VaultError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"there is no vault at {path} yet; create one with a new passphrase")
        self.path = path


class VaultExists(VaultError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"a vault already exists at {path}")
        self.path = path


class WrongPassphrase(VaultError):
    """The passphrase does not open the vault (its check value does not match)."""


class VaultDamaged(VaultError):
    """The file is not a vault we can read: truncated, tampered with, or of an unknown version.
    The file is left exactly as it was."""


class WeakPassphrase(VaultError):
    """A new passphrase that is refused (too short, or the two entries differ)."""
