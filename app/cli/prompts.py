"""Asking the user for secrets in a terminal: with no echo (``getpass``), never from arguments.

``Prompter`` holds the three ways of asking, so tests can answer in-process; the real ones read
the controlling terminal. ``open_vault`` runs the vault's passphrase dialogue: unlock an existing
vault (three tries), or create one with a new passphrase typed twice.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.secrets import KeyMaterial, Secret
from app.credentials import (
    MIN_PASSPHRASE_LENGTH,
    CredentialStore,
    WeakPassphrase,
    WrongPassphrase,
    check_new_passphrase,
)
from app.credentials.credential_store import UNATTENDED_WARNING
from app.venues.exchanges import VenueInfo

TRIES = 3


class Aborted(Exception):
    """The user ended a prompt (Ctrl-D, Ctrl-C) or declined."""


def _stdin_is_tty() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


@dataclass
class Prompter:
    secret: Callable[[str], str] = getpass.getpass
    line: Callable[[str], str] = input
    interactive: bool = field(default_factory=_stdin_is_tty)

    def ask_secret(self, prompt: str) -> str:
        try:
            return self.secret(prompt)
        except (EOFError, KeyboardInterrupt):
            raise Aborted("no answer") from None

    def ask_line(self, prompt: str) -> str:
        try:
            return self.line(prompt)
        except (EOFError, KeyboardInterrupt):
            raise Aborted("no answer") from None

    def confirm(self, question: str) -> bool:
        return self.ask_line(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def open_vault(credentials: CredentialStore, prompter: Prompter, *, create: bool) -> bool:
    """Make the vault usable; False when there is no vault and ``create`` is False.
    Raises ``WrongPassphrase`` after three wrong tries, ``Aborted``, or any ``VaultError``."""
    if not credentials.uses_vault or credentials.vault.unlocked:
        return True
    if credentials.uses_env_passphrase:
        say(f"warning: {UNATTENDED_WARNING}")
        credentials.open_with_env()
        return True
    if credentials.vault.exists():
        for attempt in range(1, TRIES + 1):
            try:
                credentials.unlock(prompter.ask_secret("Vault passphrase: "))
                return True
            except WrongPassphrase as exc:
                if attempt == TRIES:
                    raise
                say(f"{exc}; try again")
        return False  # pragma: no cover - the loop returns or raises
    if not create:
        return False
    say(
        f"Keys will be kept in an encrypted vault, {credentials.vault.path}, because "
        f"{credentials.reason}.\nChoose its master passphrase (at least {MIN_PASSPHRASE_LENGTH} "
        "characters). It cannot be recovered: without it the keys must be entered again."
    )
    passphrase = ask_new_passphrase(prompter, "New vault passphrase: ", "Repeat the passphrase: ")
    credentials.create_vault(passphrase)
    say(f"vault created: {credentials.vault.path}")
    return True


def ask_new_passphrase(prompter: Prompter, prompt: str, repeat: str) -> str:
    """A new passphrase typed twice, asked again (three tries) when weak or different."""
    for attempt in range(1, TRIES + 1):
        first = prompter.ask_secret(prompt)
        second = prompter.ask_secret(repeat)
        try:
            check_new_passphrase(first, second)
        except WeakPassphrase as exc:
            if attempt == TRIES:
                raise
            say(f"{exc}; try again")
            continue
        return first
    raise AssertionError("unreachable")  # pragma: no cover


def ask_keys(info: VenueInfo, prompter: Prompter) -> KeyMaterial:
    """The key, its secret and what else the exchange needs, read with no echo."""

    def required(prompt: str, what: str) -> Secret:
        value = prompter.ask_secret(prompt).strip()
        if not value:
            raise Aborted(f"no {what} entered")
        return Secret(value)

    api_key = required("API key: ", "API key")
    secret = required("API secret: ", "API secret")
    password = required("API passphrase: ", "passphrase") if info.needs_password else None
    uid = required("Account uid: ", "uid") if info.needs_uid else None
    return KeyMaterial(api_key, secret, password, uid)
