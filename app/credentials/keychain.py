"""The OS keychain through ``keyring``: is it safe to use, and one entry per account.

Service ``arbdesk``, user name = the account's label, password = the account's keys as JSON
(``material``). Not every backend ``keyring`` may pick is a keychain: ``fail`` and ``null``
(headless Linux, nothing installed) store nothing, and ``keyrings.alt`` stores keys in plaintext
or weakly encrypted files without saying so. Those count as insecure, and the vault is used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend

from app.core.secrets import KeyMaterial, scrub
from app.credentials import material
from app.credentials.errors import KeychainError

log = logging.getLogger(__name__)

SERVICE = "arbdesk"

_NOT_A_STORE = ("keyring.backends.fail", "keyring.backends.null")
_UNSAFE_MODULES = ("keyrings.alt",)
_UNSAFE_NAMES = ("plaintext", "unencrypted", "insecure")


@dataclass(frozen=True, slots=True)
class KeychainStatus:
    secure: bool
    name: str
    reason: str = ""


def backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def keychain_status(backend: KeyringBackend | None = None) -> KeychainStatus:
    """Whether ``backend`` (default: the one ``keyring`` chose) keeps keys protected."""
    backend = keyring.get_keyring() if backend is None else backend
    name = backend_name(backend)
    if isinstance(backend, ChainerBackend):
        chained = list(backend.backends)
        if not chained:
            return KeychainStatus(False, name, "no keychain is available")
        for inner in chained:
            status = keychain_status(inner)
            if not status.secure:
                return KeychainStatus(False, name, f"it chains {status.name}: {status.reason}")
        return KeychainStatus(True, name)
    module = type(backend).__module__
    if module.startswith(_NOT_A_STORE):
        return KeychainStatus(False, name, "no keychain is available (keyring backend fail/null)")
    if module.startswith(_UNSAFE_MODULES):
        return KeychainStatus(False, name, "keyrings.alt keeps keys in unprotected files")
    if any(word in type(backend).__name__.lower() for word in _UNSAFE_NAMES):
        return KeychainStatus(False, name, "this backend keeps keys unencrypted")
    return KeychainStatus(True, name)


class KeychainSecrets:
    """Keys of accounts in one keyring backend."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = keyring.get_keyring() if backend is None else backend

    @property
    def name(self) -> str:
        return backend_name(self._backend)

    def get(self, label: str) -> KeyMaterial | None:
        try:
            text = self._backend.get_password(SERVICE, label)
        except keyring.errors.KeyringError as exc:
            raise self._error("read", label, exc) from None
        return None if text is None else material.loads(text, label)

    def put(self, label: str, keys: KeyMaterial) -> None:
        try:
            self._backend.set_password(SERVICE, label, material.dumps(keys))
        except keyring.errors.KeyringError as exc:
            raise self._error("store", label, exc, keys) from None

    def delete(self, label: str) -> bool:
        if self.get(label) is None:
            return False
        try:
            self._backend.delete_password(SERVICE, label)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise self._error("delete", label, exc) from None
        return True

    def rename(self, old: str, new: str) -> bool:
        keys = self.get(old)
        if keys is None:
            return False
        self.put(new, keys)
        try:
            self.delete(old)
        except KeychainError:
            log.warning("the keychain entry of %r could not be removed after renaming it", old)
        return True

    def _error(
        self, action: str, label: str, exc: Exception, keys: KeyMaterial | None = None
    ) -> KeychainError:
        detail = scrub(str(exc), keys.secrets() if keys else ())
        return KeychainError(
            f"the OS keychain ({self.name}) could not {action} the keys of account {label!r}: "
            f"{type(exc).__name__}{': ' + detail if detail else ''}. Is the keychain unlocked?"
        )
