"""Column types: exact money and JSON, both stored as TEXT so every backend keeps them as written.

``Money`` stores ``str(Decimal)``, which ``Decimal`` reads back exactly (digits, sign and exponent).
Floats are refused: a float here would already have lost the amount. The price of TEXT is that
SQL cannot compare or sum money correctly; filter on keys and times in SQL, do the arithmetic in
Python.
"""

from __future__ import annotations

import json
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import BigInteger, Integer, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

#: Surrogate keys: 64-bit on servers, INTEGER on SQLite so the column aliases the rowid.
Id: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")
#: Integer nanoseconds since the epoch, as everywhere in the engine.
Nanos = BigInteger


class Money(TypeDecorator[Decimal]):
    """A ``Decimal`` kept exactly, as its string."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if type(value) is Decimal:  # the common case first: one type test, no union isinstance
            if value.is_finite():
                return str(value)
            raise ValueError(f"money must be finite, got {value}")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
            raise TypeError(f"money must be Decimal, int or str, got {type(value).__name__}")
        amount = value if isinstance(value, Decimal) else Decimal(value)
        if not amount.is_finite():
            raise ValueError(f"money must be finite, got {amount}")
        return str(amount)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: object) -> str:
    """Compact JSON; Decimals become strings so no amount is rounded through a float."""
    return json.dumps(value, default=_json_default, separators=(",", ":"), ensure_ascii=False)


class JsonText(TypeDecorator[Any]):
    """Any JSON value as TEXT (``None`` is stored as ``null``), readable on every backend."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return dumps(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)
