"""Instrument metadata from a JSON file, so recorded data comes with the trading rules of its day.

The file holds ``{"instruments": [{...}, ...]}`` (other top-level keys, such as a description or the
date the values are valid for, are ignored). Each entry::

    {"venue": "binance", "symbol": "BTC/USDT", "market_id": "BTCUSDT", "kind": "spot",
     "tick_size": "0.01", "step_size": "0.00001", "min_qty": "0.00001", "min_notional": "5",
     "maker_fee": "0.001", "taker_fee": "0.001"}

Required: ``venue``, ``symbol``, ``kind``, ``tick_size``, ``step_size``, ``maker_fee``,
``taker_fee``. Optional: ``market_id`` (the exchange's own name of the market, as ccxt's ``id``),
``base``, ``quote``, ``settle`` (derived from the unified symbol when absent), ``min_qty``,
``min_notional`` (default 0), ``contract_size`` (default 1), ``inverse`` (default false),
``expiry_ms``. Money values are decimal strings (integers are accepted), never JSON floats: a
float would already have lost the exact value. Unknown keys are errors, so a typo is not silently
ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from app.core.instruments import Instrument, InstrumentKind, split_symbol
from app.core.money import ONE, ZERO


class InstrumentCatalogError(ValueError):
    """The catalog file is missing or wrong; the message names the file, the entry and the field."""


_REQUIRED: Final = ("venue", "symbol", "kind", "tick_size", "step_size", "maker_fee", "taker_fee")
_OPTIONAL: Final = (
    "market_id",
    "base",
    "quote",
    "settle",
    "min_qty",
    "min_notional",
    "contract_size",
    "inverse",
    "expiry_ms",
)
_KNOWN: Final = frozenset(_REQUIRED + _OPTIONAL)


@dataclass(frozen=True)
class InstrumentCatalog:
    """Instruments in file order, findable by unified symbol or by the exchange's market id."""

    instruments: tuple[Instrument, ...]
    #: ``(venue, market_id) -> unified symbol`` for entries that name their market id.
    market_ids: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def get(self, venue: str, symbol: str) -> Instrument | None:
        for inst in self.instruments:
            if inst.venue == venue and inst.symbol == symbol:
                return inst
        return None

    def by_market_id(self, venue: str, market_id: str) -> Instrument | None:
        symbol = self.market_ids.get((venue, market_id))
        return None if symbol is None else self.get(venue, symbol)

    def venues(self) -> list[str]:
        """Venues in order of first appearance."""
        return list(dict.fromkeys(inst.venue for inst in self.instruments))


def load_catalog(path: Path) -> InstrumentCatalog:
    """Read and check a catalog file; raises ``InstrumentCatalogError`` naming the problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstrumentCatalogError(f"{path}: instrument file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentCatalogError(f"{path}: cannot read instrument file: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstrumentCatalogError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from exc
    return parse_catalog(data, source=str(path))


def load_instruments(path: Path) -> list[Instrument]:
    """The instruments of a catalog file, in file order."""
    return list(load_catalog(path).instruments)


def parse_catalog(data: object, *, source: str = "<catalog>") -> InstrumentCatalog:
    """Build a catalog from parsed JSON; ``source`` names it in error messages."""
    if not isinstance(data, dict) or not isinstance(data.get("instruments"), list):
        raise InstrumentCatalogError(f'{source}: expected an object with an "instruments" list')
    instruments: list[Instrument] = []
    market_ids: dict[tuple[str, str], str] = {}
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(data["instruments"]):
        where = f"{source}: instruments[{index}]"
        inst, market_id = _parse_entry(entry, where)
        if (inst.venue, inst.symbol) in seen:
            raise InstrumentCatalogError(
                f"{where}: duplicate instrument {inst.venue} {inst.symbol}"
            )
        seen.add((inst.venue, inst.symbol))
        if market_id is not None:
            if (inst.venue, market_id) in market_ids:
                raise InstrumentCatalogError(
                    f"{where}: duplicate market_id {market_id!r} on venue {inst.venue}"
                )
            market_ids[(inst.venue, market_id)] = inst.symbol
        instruments.append(inst)
    return InstrumentCatalog(tuple(instruments), market_ids)


def instrument_to_json(inst: Instrument, market_id: str | None = None) -> dict[str, object]:
    """The catalog entry of an instrument (the inverse of parsing; decimals as strings)."""
    entry: dict[str, object] = {"venue": inst.venue, "symbol": inst.symbol}
    if market_id is not None:
        entry["market_id"] = market_id
    entry.update(
        kind=str(inst.kind),
        base=inst.base,
        quote=inst.quote,
        settle=inst.settle,
        tick_size=str(inst.tick_size),
        step_size=str(inst.step_size),
        min_qty=str(inst.min_qty),
        min_notional=str(inst.min_notional),
        contract_size=str(inst.contract_size),
        maker_fee=str(inst.maker_fee),
        taker_fee=str(inst.taker_fee),
        inverse=inst.inverse,
    )
    if inst.expiry_ms is not None:
        entry["expiry_ms"] = inst.expiry_ms
    return entry


def catalog_to_json(entries: Iterable[tuple[Instrument, str | None]]) -> dict[str, object]:
    return {"instruments": [instrument_to_json(inst, mid) for inst, mid in entries]}


def _parse_entry(entry: object, where: str) -> tuple[Instrument, str | None]:
    if not isinstance(entry, dict):
        raise InstrumentCatalogError(f"{where}: expected an object, got {type(entry).__name__}")
    unknown = sorted(set(entry) - _KNOWN)
    if unknown:
        raise InstrumentCatalogError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_KNOWN))}"
        )
    missing = [key for key in _REQUIRED if key not in entry]
    if missing:
        raise InstrumentCatalogError(f"{where}: missing {', '.join(missing)}")
    venue = _text(entry, "venue", where)
    symbol = _text(entry, "symbol", where)
    where = f"{where} ({venue} {symbol})"
    try:
        base, quote, settle_in_symbol, expiry_code = split_symbol(symbol)
    except ValueError as exc:
        raise InstrumentCatalogError(f"{where}: {exc}") from None
    kind_text = _text(entry, "kind", where)
    try:
        kind = InstrumentKind(kind_text)
    except ValueError:
        kinds = ", ".join(k.value for k in InstrumentKind)
        raise InstrumentCatalogError(f"{where}: kind {kind_text!r} is not one of {kinds}") from None
    if (kind is InstrumentKind.SPOT) != (settle_in_symbol is None):
        raise InstrumentCatalogError(
            f"{where}: kind {kind.value} does not match the symbol "
            "(spot has no ':settle', derivatives do)"
        )
    if kind is InstrumentKind.FUTURE and expiry_code is None:
        raise InstrumentCatalogError(f"{where}: a future's symbol needs an expiry, e.g. -250328")
    for key, derived in (("base", base), ("quote", quote), ("settle", settle_in_symbol)):
        if key in entry and entry[key] != derived:
            raise InstrumentCatalogError(
                f"{where}: {key} {entry[key]!r} disagrees with the symbol ({derived!r})"
            )
    inverse = entry.get("inverse", False)
    if not isinstance(inverse, bool):
        raise InstrumentCatalogError(f"{where}: inverse must be true or false, got {inverse!r}")
    if inverse and settle_in_symbol != base:
        raise InstrumentCatalogError(f"{where}: an inverse contract settles in its base currency")
    expiry_ms = entry.get("expiry_ms")
    if expiry_ms is not None and (not isinstance(expiry_ms, int) or isinstance(expiry_ms, bool)):
        raise InstrumentCatalogError(f"{where}: expiry_ms must be an integer, got {expiry_ms!r}")
    market_id = entry.get("market_id")
    if market_id is not None:
        market_id = _text(entry, "market_id", where)
    inst = Instrument(
        venue=venue,
        symbol=symbol,
        base=base,
        quote=quote,
        kind=kind,
        tick_size=_decimal(entry, "tick_size", where, positive=True),
        step_size=_decimal(entry, "step_size", where, positive=True),
        min_qty=_decimal(entry, "min_qty", where, default=ZERO),
        min_notional=_decimal(entry, "min_notional", where, default=ZERO),
        contract_size=_decimal(entry, "contract_size", where, default=ONE, positive=True),
        maker_fee=_decimal(entry, "maker_fee", where, signed=True),
        taker_fee=_decimal(entry, "taker_fee", where, signed=True),
        settle=settle_in_symbol,
        inverse=inverse,
        expiry_ms=expiry_ms,
    )
    return inst, market_id


def _text(entry: Mapping[str, object], key: str, where: str) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value:
        raise InstrumentCatalogError(f"{where}: {key} must be a non-empty string, got {value!r}")
    return value


def _decimal(
    entry: Mapping[str, object],
    key: str,
    where: str,
    *,
    default: Decimal | None = None,
    positive: bool = False,
    signed: bool = False,
) -> Decimal:
    raw = entry.get(key)
    if raw is None:
        if default is None:
            raise InstrumentCatalogError(f"{where}: missing {key}")
        return default
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise InstrumentCatalogError(
            f'{where}: {key} must be a decimal string such as "0.01" (not {type(raw).__name__} '
            f"{raw!r}: a JSON float may already have lost the exact value)"
        )
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InstrumentCatalogError(f"{where}: {key} is not a number: {raw!r}") from None
    if not value.is_finite():
        raise InstrumentCatalogError(f"{where}: {key} must be finite, got {raw!r}")
    if positive and value <= 0:
        raise InstrumentCatalogError(f"{where}: {key} must be > 0, got {raw!r}")
    if not positive and not signed and value < 0:
        raise InstrumentCatalogError(f"{where}: {key} must be >= 0, got {raw!r}")
    return value


__all__ = [
    "InstrumentCatalog",
    "InstrumentCatalogError",
    "catalog_to_json",
    "instrument_to_json",
    "load_catalog",
    "load_instruments",
    "parse_catalog",
]
