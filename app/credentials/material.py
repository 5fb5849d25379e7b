"""One account's keys as a small JSON object: the value of a keychain entry or a vault entry.

ccxt's field names are kept (``apiKey``, ``secret``, ``password``, ``uid``) so the mapping stays
obvious. ``v`` versions the layout.
"""

from __future__ import annotations

import json
from typing import Any

from app.core.secrets import KeyMaterial, Secret
from app.credentials.errors import CredentialsError

ENTRY_VERSION = 1


def to_entry(material: KeyMaterial) -> dict[str, Any]:
    entry: dict[str, Any] = {"v": ENTRY_VERSION}
    entry.update(material.ccxt_config())
    return entry


def from_entry(entry: Any, label: str) -> KeyMaterial:
    """The keys in ``entry``; ``CredentialsError`` naming the account (never a value) if the
    entry is not one we wrote."""
    if not isinstance(entry, dict) or entry.get("v") != ENTRY_VERSION:
        raise CredentialsError(f"the stored keys of account {label!r} are in an unknown format")
    try:
        return KeyMaterial(
            api_key=Secret(entry["apiKey"]),
            secret=Secret(entry["secret"]),
            password=Secret(entry["password"]) if entry.get("password") else None,
            uid=Secret(entry["uid"]) if entry.get("uid") else None,
        )
    except (KeyError, TypeError, ValueError):
        raise CredentialsError(f"the stored keys of account {label!r} are incomplete") from None


def dumps(material: KeyMaterial) -> str:
    return json.dumps(to_entry(material), separators=(",", ":"))


def loads(text: str, label: str) -> KeyMaterial:
    try:
        entry = json.loads(text)
    except ValueError:
        raise CredentialsError(f"the stored keys of account {label!r} are not readable") from None
    return from_entry(entry, label)
