"""The wire format: one JSON object per line each way, on 127.0.0.1.

Request ``{"token": ..., "command": "ping" | "status" | "panic", "args": {...}}``; answer
``{"ok": true, "result": {...}}`` or ``{"ok": false, "error": "..."}``, then the server closes.
"""

from __future__ import annotations

import json
from typing import Any

from app.core.panic import PanicReport

HOST = "127.0.0.1"
MAX_LINE_BYTES = 64 * 1024  # a request or an answer longer than this is refused
COMMANDS = ("ping", "status", "panic")
UNAUTHORIZED = "unauthorized"


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """The object on ``line``; ``ValueError`` if it is not one."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("not a JSON object")
    return message


def panic_dict(report: PanicReport) -> dict[str, Any]:
    """A ``PanicReport`` as JSON: what was canceled, closed and left, venue by venue."""
    return {
        "clean": report.clean,
        "reason": report.reason,
        "actor": report.actor,
        "flatten": report.flatten,
        "elapsed_ms": round(report.elapsed_ms, 1),
        "bots_stopped": report.bots_stopped,
        "canceled": sum(v.canceled for v in report.venues),
        "venues": {
            v.venue: {
                "clean": v.clean,
                "canceled": v.canceled,
                "remaining_orders": list(v.remaining_orders),
                "closed_positions": list(v.closed_positions),
                "remaining_positions": list(v.remaining_positions),
                "errors": list(v.errors),
            }
            for v in report.venues
        },
    }
