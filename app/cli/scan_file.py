"""Reading a market snapshot for ``arbdesk scan``: a JSON list of markets.

Each market: ``{"venue", "symbol", "base", "quote", "bid", "ask", "bid_qty", "ask_qty"}`` and
optionally ``"kind"`` (``spot``, ``perp`` or ``future``), ``"expiry"`` (milliseconds since the
epoch, or an ISO 8601 date or time, UTC unless it says otherwise) and ``"funding_rate"`` (per
funding interval). Unknown fields are refused, so a typo is an error, not a missing value. Every
error names the market's index and the line it starts on, and the field at fault.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.instruments import InstrumentKind

KINDS = {
    "spot": InstrumentKind.SPOT,
    "perp": InstrumentKind.PERPETUAL,
    "future": InstrumentKind.FUTURE,
}
REQUIRED = ("venue", "symbol", "base", "quote", "bid", "ask", "bid_qty", "ask_qty")
OPTIONAL = ("kind", "expiry", "funding_rate")


class ScanFileError(ValueError):
    def __init__(
        self,
        path: Path | str,
        reason: str,
        *,
        index: int | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        where = [str(path)]
        if index is not None:
            where.append(f"market {index}")
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{': '.join(where)}: {reason}")
        self.path = Path(path)
        self.index = index
        self.line = line
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MarketRow:
    venue: str
    symbol: str
    base: str
    quote: str
    bid: float
    ask: float
    bid_qty: float
    ask_qty: float
    kind: InstrumentKind = InstrumentKind.SPOT
    expiry_ms: int | None = None
    funding_rate: float | None = None


def load_markets(path: Path | str) -> list[MarketRow]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScanFileError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScanFileError(path, f"cannot be read: {exc}") from None
    items = _items_with_lines(path, text)
    rows: list[MarketRow] = []
    seen: dict[tuple[str, str], int] = {}
    for index, (item, line) in enumerate(items):
        row = _row(path, index, line, item)
        key = (row.venue, row.symbol)
        if key in seen:
            raise ScanFileError(
                path,
                f"{row.venue} {row.symbol} is already market {seen[key]}",
                index=index,
                line=line,
                field="symbol",
            )
        seen[key] = index
        rows.append(row)
    return rows


def _items_with_lines(path: Path, text: str) -> list[tuple[Any, int]]:
    """The list's elements, each with the line it starts on."""
    decoder = json.JSONDecoder()
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScanFileError(path, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    pos = _skip(text, 0)
    if not text.startswith("[", pos):
        raise ScanFileError(path, "expected a JSON list of markets", line=_line(text, pos))
    pos = _skip(text, pos + 1)
    items: list[tuple[Any, int]] = []
    if text.startswith("]", pos):
        return items
    while True:
        value, end = decoder.raw_decode(text, pos)
        items.append((value, _line(text, pos)))
        pos = _skip(text, end)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
            continue
        return items  # "]": the whole text already parsed as JSON


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n\ufeff":
        pos += 1
    return pos


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _row(path: Path, index: int, line: int, item: Any) -> MarketRow:
    def fail(reason: str, field: str | None = None) -> ScanFileError:
        return ScanFileError(path, reason, index=index, line=line, field=field)

    if not isinstance(item, dict):
        raise fail(f"expected an object, got {type(item).__name__}")
    for name in item:
        if name not in REQUIRED and name not in OPTIONAL:
            known = ", ".join((*REQUIRED, *OPTIONAL))
            raise fail(f"unknown field (known: {known})", name)
    for name in REQUIRED:
        if name not in item:
            raise fail("missing", name)
    text = {}
    for name in ("venue", "symbol", "base", "quote"):
        value = item[name]
        if not isinstance(value, str) or not value.strip():
            raise fail(f"must be a non-empty string, got {value!r}", name)
        text[name] = value
    numbers = {}
    for name, positive in (("bid", True), ("ask", True), ("bid_qty", False), ("ask_qty", False)):
        try:
            numbers[name] = _number(item[name], positive)
        except ValueError as exc:
            raise fail(str(exc), name) from None
    if numbers["bid"] > numbers["ask"]:
        raise fail(f"bid {numbers['bid']} is above ask {numbers['ask']}", "bid")
    kind_text = item.get("kind", "spot")
    if kind_text not in KINDS:
        raise fail(f"must be one of spot, perp, future, got {kind_text!r}", "kind")
    try:
        expiry = _expiry(item["expiry"]) if "expiry" in item else None
    except ValueError as exc:
        raise fail(str(exc), "expiry") from None
    funding = None
    if "funding_rate" in item:
        value = item["funding_rate"]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise fail(f"must be a finite number, got {value!r}", "funding_rate")
        funding = float(value)
    return MarketRow(
        venue=text["venue"],
        symbol=text["symbol"],
        base=text["base"],
        quote=text["quote"],
        bid=numbers["bid"],
        ask=numbers["ask"],
        bid_qty=numbers["bid_qty"],
        ask_qty=numbers["ask_qty"],
        kind=KINDS[kind_text],
        expiry_ms=expiry,
        funding_rate=funding,
    )


def _number(value: Any, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ValueError(f"must be finite and {'> 0' if positive else '>= 0'}, got {value!r}")
    return number


def _expiry(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return round(when.timestamp() * 1000)
    raise ValueError(f"must be milliseconds since the epoch or an ISO 8601 date, got {value!r}")
