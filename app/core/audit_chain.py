"""The audit log's hash chain: each entry carries the hash of the one before it.

Editing or deleting any past entry breaks every link after it, so ``arbdesk audit verify`` can
name the first entry that is not what was written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces; anything not JSON (Decimal, enums) as its str."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def normalised(detail: Mapping[str, Any]) -> dict[str, Any]:
    """``json.loads(canonical(detail))``: keys sorted, Decimals and str enums as their strings.

    Decision: built directly when every key is a str and every value a str (or str enum), int,
    bool, None or Decimal (an order's detail), instead of encoding and decoding the JSON; the
    round trip stays for anything else (nested values, floats). Each audit entry did the round
    trip and then a third encoding for its hash: the audit log was ~8 % of the loop's CPU an
    order in ``benchmarks/oms.py`` (notes on ``oms.py`` in benchmarks/README.md).
    """
    out: dict[str, Any] = {}
    for key in sorted(detail):  # raises TypeError for mixed key types, as sort_keys does
        value = detail[key]
        kind = type(value)
        if type(key) is not str:
            break
        if kind is str or kind is int or kind is bool or value is None:
            out[key] = value
        elif kind is Decimal:
            out[key] = str(value)
        elif isinstance(value, str):
            out[key] = str.__str__(value)  # what JSON writes for a str subclass: its text
        else:
            break
    else:
        return out
    body: dict[str, Any] = json.loads(canonical(dict(detail)))
    return body


def entry_hash(
    prev_hash: str,
    ts_ns: int,
    actor: str,
    action: str,
    detail: Mapping[str, Any],
    trace_id: str | None,
) -> str:
    payload = canonical([prev_hash, ts_ns, actor, action, detail, trace_id or ""])
    return hashlib.sha256(payload.encode()).hexdigest()
