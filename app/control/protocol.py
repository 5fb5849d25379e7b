"""The wire format: one JSON object per line each way, on 127.0.0.1.

Request ``{"token": ..., "command": "ping" | "status" | "panic" | "resume", "args": {...}}``;
answer ``{"ok": true, "result": {...}}`` or ``{"ok": false, "error": "..."}``, then the server
closes. ``resume`` leaves HALTED, so it must say so: ``{"confirm": true}`` in its args.
Lines are strict: UTF-8, ending in a newline, one JSON object nested at most ``MAX_DEPTH`` deep,
numbers finite. Anything else is a ``ProtocolError``, never another exception: the decoder reads
what any local process may send.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import TYPE_CHECKING, Any, NoReturn

from app.core.panic import PanicReport

if TYPE_CHECKING:  # the client (every shell command) need not load the engine
    from app.engine.api import ReconciliationReport

HOST = "127.0.0.1"
MAX_LINE_BYTES = 64 * 1024  # a request or an answer longer than this is refused
MAX_DEPTH = 32  # far below the recursion limit, far above what a request or an answer needs
COMMANDS = ("ping", "status", "panic", "resume")
UNAUTHORIZED = "unauthorized"

# a JSON string as json reads it, or the unterminated rest of the line: never backtracks
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class ProtocolError(ValueError):
    """A line that is not a valid message; the text says why, and is safe to send back."""


def encode(message: dict[str, Any]) -> bytes:
    """One line; ``ValueError`` (NaN, infinity) or ``TypeError`` if ``message`` is not JSON."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """The object on ``line``; ``ProtocolError`` if it is not one."""
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"longer than {MAX_LINE_BYTES} bytes")
    if not line.endswith(b"\n"):
        raise ProtocolError("truncated: no newline at the end")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("not UTF-8") from None
    if not text.strip():
        raise ProtocolError("empty line")
    if _depth(text) > MAX_DEPTH:
        raise ProtocolError(f"nested deeper than {MAX_DEPTH}")
    try:
        message = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:  # not reached after the depth check; kept as the last line of defence
        raise ProtocolError(f"nested deeper than {MAX_DEPTH}") from None
    except ValueError as exc:
        raise ProtocolError(f"not JSON ({exc})") from None
    if not isinstance(message, dict):
        raise ProtocolError("not a JSON object")
    return message


def _depth(text: str) -> int:
    """How deep brackets nest outside strings: an upper bound of what ``json.loads`` would
    recurse into, counted without recursing. Cheap when a line has few brackets."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)


def _no_constant(name: str) -> NoReturn:
    raise ProtocolError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolError(f"number out of range: {text[:20]}")
    return value


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


def resume_dict(report: ReconciliationReport, trading_state: str) -> dict[str, Any]:
    """The outcome of leaving HALTED: resumed only when every venue agreed and trading is ACTIVE;
    otherwise the problems, venue by venue."""
    return {
        "resumed": report.ok and trading_state == "ACTIVE",
        "trading_state": trading_state,
        "problems": report.problems(),
        "venues": {
            v.venue: {"ok": v.ok, "error": v.error, "unresolved": list(v.unresolved)}
            for v in report.venues
        },
    }
