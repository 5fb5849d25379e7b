"""Client order ids that never repeat, also across restarts.

Ids are ``AD`` + a base-36 sequence number: at most 32 characters of ``[A-Za-z0-9]``, which
Binance, OKX and Bybit all accept. The sequence is handed out in blocks: a block is recorded as
used in the store *before* any id from it is given, so a crash can only skip ids, never repeat one.
"""

from __future__ import annotations

import re
import string
from typing import Final

PREFIX: Final = "AD"
MAX_LEN: Final = 32
VALID: Final = re.compile(r"^[A-Za-z0-9]{1,32}$")
_DIGITS: Final = string.digits + string.ascii_lowercase


def to_base36(n: int) -> str:
    if n < 0:
        raise ValueError("sequence numbers are not negative")
    out = []
    while True:
        n, r = divmod(n, 36)
        out.append(_DIGITS[r])
        if n == 0:
            return "".join(reversed(out))


def format_id(seq: int) -> str:
    cid = PREFIX + to_base36(seq)
    if len(cid) > MAX_LEN:
        raise ValueError(f"sequence {seq} does not fit a client order id")
    return cid


def is_valid(cid: str) -> bool:
    return bool(VALID.match(cid))


class IdBlock:
    """The ids ``[start, end)`` reserved by one store write."""

    __slots__ = ("_end", "_next")

    def __init__(self, start: int, end: int) -> None:
        if end <= start:
            raise ValueError("an id block must not be empty")
        self._next = start
        self._end = end

    @property
    def exhausted(self) -> bool:
        return self._next >= self._end

    def take(self) -> str:
        if self._next >= self._end:
            raise LookupError("id block exhausted")
        seq = self._next
        self._next += 1
        return format_id(seq)
