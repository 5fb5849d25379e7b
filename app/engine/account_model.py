"""Exchange accounts as the engine and the UI see them, and the rules an account must follow.

An account names its venue (a ccxt exchange id, or ``paper``), a unique label, live or paper,
sandbox where the exchange has one, a default market type and default instruments. Its keys are
never part of it: they live in the credential store under the label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from app.core.secrets import KeyMaterial
from app.store.records import AccountMode
from app.venues.exchanges import (
    MARKET_TYPES,
    PAPER,
    VenueInfo,
    is_known_venue,
    known_venues,
    venue_info,
)

# Venue facts the UI's forms need, through the engine (DESIGN.md: layers).
__all__ = [
    "MARKET_TYPES",
    "PAPER",
    "AccountInvalid",
    "AccountMode",
    "AccountSpec",
    "AccountView",
    "KeysState",
    "NoKeys",
    "NoSuchAccount",
    "VenueInfo",
    "is_known_venue",
    "key_problems",
    "known_venues",
    "parse_instruments",
    "spec_problems",
    "venue_info",
]

MAX_LABEL_LENGTH = 64
_LABEL = re.compile(r"^[\w][\w .@+-]*$")
_SYMBOL = re.compile(r"^[^\s/:,]+/[^\s/:,]+(:[^\s/:,]+)?$")


class KeysState(StrEnum):
    STORED = "stored"
    MISSING = "missing"  # a live account whose keys are not in the store
    LOCKED = "locked"  # the vault is locked: unknown until it is opened
    UNREADABLE = "unreadable"  # the keychain or vault failed; see the log
    NOT_NEEDED = "not needed"  # paper accounts


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """What a user enters for an account (no keys)."""

    venue: str
    label: str
    mode: AccountMode = AccountMode.LIVE
    sandbox: bool = False
    market_type: str = "spot"
    default_instruments: tuple[str, ...] = ()

    @property
    def live(self) -> bool:
        return self.mode is AccountMode.LIVE


@dataclass(frozen=True, slots=True)
class AccountView:
    """One account for a table: never a secret, at most the last four characters of the key."""

    id: int
    label: str
    venue: str
    mode: AccountMode
    sandbox: bool
    market_type: str
    default_instruments: tuple[str, ...]
    keys: KeysState
    key_hint: str = ""

    @property
    def live(self) -> bool:
        return self.mode is AccountMode.LIVE

    def spec(self) -> AccountSpec:
        return AccountSpec(
            self.venue,
            self.label,
            self.mode,
            self.sandbox,
            self.market_type,
            self.default_instruments,
        )


class AccountInvalid(ValueError):
    """The account breaks rules; ``problems`` lists each one, for a form to show."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


class NoSuchAccount(LookupError):
    def __init__(self, label: str) -> None:
        super().__init__(f"there is no account labelled {label!r}")
        self.label = label


class NoKeys(LookupError):
    def __init__(self, label: str) -> None:
        super().__init__(
            f"account {label!r} has no keys stored: add them (Edit in the window, or "
            f"'arbdesk keys remove' and 'keys add' again)"
        )
        self.label = label


def parse_instruments(text: str) -> tuple[str, ...]:
    """``"BTC/USDT, ETH/USDT:USDT"`` -> a tuple, blanks and repeats dropped, order kept."""
    items = (part.strip() for part in re.split(r"[,\s]+", text))
    return tuple(dict.fromkeys(item for item in items if item))


def spec_problems(spec: AccountSpec) -> list[str]:
    """Every rule ``spec`` breaks, in the order of a form's fields."""
    problems: list[str] = []
    if not is_known_venue(spec.venue):
        problems.append(f"unknown exchange {spec.venue!r}: pick a ccxt exchange id, or {PAPER!r}")
    label = spec.label
    if not label:
        problems.append("the label is empty")
    elif len(label) > MAX_LABEL_LENGTH:
        problems.append(f"the label is longer than {MAX_LABEL_LENGTH} characters")
    elif label != label.strip() or not _LABEL.match(label):
        problems.append(
            "the label may hold letters, digits, spaces and . @ + - _ and must start with a "
            "letter or digit"
        )
    if spec.venue == PAPER and spec.live:
        problems.append("the paper exchange has only paper accounts")
    if spec.sandbox:
        if not spec.live:
            problems.append("sandbox applies to live accounts only")
        elif is_known_venue(spec.venue) and not venue_info(spec.venue).has_sandbox:
            problems.append(f"{spec.venue} has no sandbox or testnet")
    if spec.market_type not in MARKET_TYPES:
        problems.append(f"market type must be one of {', '.join(MARKET_TYPES)}")
    bad = [s for s in spec.default_instruments if not _SYMBOL.match(s)]
    if bad:
        problems.append(
            f"not a unified symbol: {', '.join(bad)} (write BTC/USDT, or BTC/USDT:USDT for a "
            "perpetual)"
        )
    return problems


def key_problems(spec: AccountSpec, keys: KeyMaterial | None) -> list[str]:
    """What is missing from ``keys`` for a live account on ``spec.venue``."""
    if not spec.live or not is_known_venue(spec.venue):
        return []
    if keys is None:
        return ["a live account needs its API key and secret"]
    info = venue_info(spec.venue)
    problems = []
    if info.needs_password and not keys.password:
        problems.append(f"{spec.venue} keys come with a passphrase: enter it")
    if info.needs_uid and not keys.uid:
        problems.append(f"{spec.venue} needs the account's uid: enter it")
    return problems
