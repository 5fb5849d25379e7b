"""The environment variables of credentials, read in one place.

- ``ARBDESK_KEYRING``: ``auto`` (default), ``keyring`` (the OS keychain, refused if insecure) or
  ``vault`` (the encrypted vault even where a keychain exists; what the tests use).
- ``ARBDESK_VAULT_PASSPHRASE``: the vault's passphrase for an unattended server; a warning is
  logged every time it is used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from app.credentials.credential_store import BackendChoice, CredentialStore
from app.credentials.errors import CredentialsError
from app.credentials.vault_format import DEFAULT_KDF, ScryptParams

BACKEND_VAR = "ARBDESK_KEYRING"
PASSPHRASE_VAR = "ARBDESK_VAULT_PASSPHRASE"  # noqa: S105 - a variable name


def backend_choice(environ: Mapping[str, str] | None = None) -> BackendChoice:
    env = os.environ if environ is None else environ
    raw = env.get(BACKEND_VAR, "").strip().lower() or BackendChoice.AUTO.value
    try:
        return BackendChoice(raw)
    except ValueError:
        allowed = ", ".join(c.value for c in BackendChoice)
        raise CredentialsError(f"{BACKEND_VAR}={raw!r} is not one of: {allowed}") from None


def credential_store_from_env(
    data_dir: Path,
    environ: Mapping[str, str] | None = None,
    *,
    vault_kdf: ScryptParams = DEFAULT_KDF,
) -> CredentialStore:
    """The credential store as the environment configures it."""
    env = os.environ if environ is None else environ
    return CredentialStore(
        data_dir,
        choice=backend_choice(env),
        env_passphrase=env.get(PASSPHRASE_VAR) or None,
        vault_kdf=vault_kdf,
    )
