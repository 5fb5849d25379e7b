"""Secret values that cannot leak by accident: through ``repr``, ``str``, f-strings or pickling.

A ``Secret`` shows itself as ``Secret('****')``; the value comes out only through ``reveal()``,
called at the one place that needs it (signing a request, encrypting the vault). ``last4`` is the
most the UI ever shows of an API key. ``scrub`` removes known secret values from any text (an
exchange's error message, a log line) for layers that may not import the redaction registry.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

MASK = "****"
REDACTED = "[REDACTED]"
# Shorter values are not scrubbed from text: redacting every "12" would mangle logs for nothing.
MIN_SCRUB_LENGTH = 4


class Secret:
    """A string that never shows itself; compare with ``==`` (constant time)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds a str")
        self._value = value

    def reveal(self) -> str:
        """The value itself: call it only where the value must leave (signing, encryption)."""
        return self._value

    @property
    def last4(self) -> str:
        """The last four characters, or nothing when the value is too short to show any."""
        return self._value[-4:] if len(self._value) >= 12 else ""

    def masked(self) -> str:
        """What a screen may show: ``…abcd`` for a long value, else a plain mask."""
        tail = self.last4
        return f"…{tail}" if tail else MASK

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    __hash__ = None  # type: ignore[assignment]  # equal values must not be findable by hash

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self


@dataclass(frozen=True, slots=True, repr=False)
class KeyMaterial:
    """What an exchange needs to sign requests. ``password`` is ccxt's name for the passphrase
    some exchanges (OKX, KuCoin, …) add to a key; ``uid`` is the account id a few require."""

    api_key: Secret
    secret: Secret
    password: Secret | None = None
    uid: Secret | None = None

    def __post_init__(self) -> None:
        if not self.api_key or not self.secret:
            raise ValueError("an API key and its secret are both needed")

    def secrets(self) -> Iterator[Secret]:
        yield self.api_key
        yield self.secret
        if self.password:
            yield self.password
        if self.uid:
            yield self.uid

    def ccxt_config(self) -> dict[str, str]:
        """The credential fields of a ccxt exchange's config (the one place they leave)."""
        config = {"apiKey": self.api_key.reveal(), "secret": self.secret.reveal()}
        if self.password:
            config["password"] = self.password.reveal()
        if self.uid:
            config["uid"] = self.uid.reveal()
        return config

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={MASK}" for name in ("password", "uid") if getattr(self, name) is not None
        )
        return f"KeyMaterial(api_key={self.api_key.masked()}, secret={MASK}{extra})"


def scrub(text: str, secrets: Iterable[Secret | str]) -> str:
    """``text`` with every occurrence of the given secret values replaced; longest first, so
    that a secret containing another is removed whole."""
    values = {s.reveal() if isinstance(s, Secret) else s for s in secrets}
    for value in sorted(values, key=len, reverse=True):
        if len(value) >= MIN_SCRUB_LENGTH and value in text:
            text = text.replace(value, REDACTED)
    return text
