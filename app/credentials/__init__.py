"""API keys of exchange accounts: the OS keychain, or an encrypted vault where there is none.

Secrets never leave this package except as ``app.core.secrets.Secret`` values, and every one
loaded is registered for redaction from the logs (``redaction``).
"""

from app.credentials.credential_store import (
    BackendChoice,
    BackendKind,
    CredentialStore,
    choose_backend,
)
from app.credentials.environment import (
    BACKEND_VAR,
    PASSPHRASE_VAR,
    backend_choice,
    credential_store_from_env,
)
from app.credentials.errors import (
    CredentialsError,
    InsecureKeychain,
    KeychainError,
    VaultDamaged,
    VaultError,
    VaultExists,
    VaultLocked,
    VaultMissing,
    WeakPassphrase,
    WrongPassphrase,
)
from app.credentials.keychain import SERVICE, KeychainStatus, keychain_status
from app.credentials.vault import MIN_PASSPHRASE_LENGTH, Vault, check_new_passphrase
from app.credentials.vault_format import DEFAULT_KDF, ScryptParams

__all__ = [
    "BACKEND_VAR",
    "DEFAULT_KDF",
    "MIN_PASSPHRASE_LENGTH",
    "PASSPHRASE_VAR",
    "SERVICE",
    "BackendChoice",
    "BackendKind",
    "CredentialStore",
    "CredentialsError",
    "InsecureKeychain",
    "KeychainError",
    "KeychainStatus",
    "ScryptParams",
    "Vault",
    "VaultDamaged",
    "VaultError",
    "VaultExists",
    "VaultLocked",
    "VaultMissing",
    "WeakPassphrase",
    "WrongPassphrase",
    "backend_choice",
    "check_new_passphrase",
    "choose_backend",
    "credential_store_from_env",
    "keychain_status",
]
