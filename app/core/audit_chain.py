"""The audit log's hash chain: each entry carries the hash of the one before it.

Editing or deleting any past entry breaks every link after it, so ``arbdesk audit verify`` can
name the first entry that is not what was written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces; anything not JSON (Decimal, enums) as its str."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


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
