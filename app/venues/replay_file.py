"""Loading recorded best bid/ask files (the hftbacktest-derived format of the bundled sample).

Format: CSV, optionally gzip-compressed (detected by content, not by name), with the header
``local_ts_ns,venue,symbol,bid_px,bid_qty,ask_px,ask_qty,update_id,exch_ts_ms`` and rows sorted
by ``local_ts_ns``. ``venue`` is the recorder's name of the Binance API (``binance_spot``,
``binance_usdm``, ``binance_coinm``) or, in files ``arbdesk record`` writes, the ArbDesk venue
(the ccxt id: ``binance``, ``okx``), ``symbol`` the exchange's market id (``BTCUSDT``,
``BTCUSD_PERP``, ``BTC-USDT``); both are mapped to ccxt ids and unified symbols through an
instrument catalog (``market_id`` entries). ``exch_ts_ms`` is empty where the venue does not
stamp it (spot).

Speed matters (the full 336k-line file is a benchmark input), so the happy path is one tight loop
whose checks cost next to nothing: unpacking checks the column count, ``float``/``int`` check the
numbers, a dict lookup checks the market. When anything fails, a slow pass over the offending line
says exactly what is wrong and where. Timestamps going backwards are an error: the format is
time-sorted, and a replay cannot move its clock back.
"""

from __future__ import annotations

import gc
import gzip
import zlib
from collections.abc import Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Final

from app.core.quotes import Quote
from app.venues.instrument_catalog import InstrumentCatalog

COLUMNS: Final = (
    "local_ts_ns",
    "venue",
    "symbol",
    "bid_px",
    "bid_qty",
    "ask_px",
    "ask_qty",
    "update_id",
    "exch_ts_ms",
)
HEADER: Final = ",".join(COLUMNS)

#: The recorder's venue names and the ccxt exchange ids they stand for.
RECORDER_VENUES: Final[Mapping[str, str]] = {
    "binance_spot": "binance",
    "binance_usdm": "binanceusdm",
    "binance_coinm": "binancecoinm",
}

_INF: Final = float("inf")
_GZIP_MAGIC: Final = b"\x1f\x8b"

#: ``(recorder venue, market id) -> (ccxt venue, unified symbol)``
MarketMap = Mapping[tuple[str, str], tuple[str, str]]


class ReplayFileError(ValueError):
    """A replay file is missing or malformed. ``line`` is 1-based (the header is line 1)."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        where = f"{path}: line {line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {reason}")
        self.path = Path(path)
        self.line = line
        self.reason = reason


def recorder_markets(
    catalog: InstrumentCatalog, venues: Mapping[str, str] = RECORDER_VENUES
) -> dict[tuple[str, str], tuple[str, str]]:
    """The market map of a catalog: each recorder venue's market ids to (venue, symbol); a
    catalog venue's own name stands for itself too (``arbdesk record`` writes those)."""
    markets: dict[tuple[str, str], tuple[str, str]] = {}
    for recorder_venue, venue in venues.items():
        for (cat_venue, market_id), symbol in catalog.market_ids.items():
            if cat_venue == venue:
                markets[(recorder_venue, market_id)] = (venue, symbol)
    for (cat_venue, market_id), symbol in catalog.market_ids.items():
        markets.setdefault((cat_venue, market_id), (cat_venue, symbol))
    return markets


def load_bbo_file(path: Path | str, markets: MarketMap) -> list[Quote]:
    """Every quote of a BBO file, time-sorted; raises ``ReplayFileError`` naming the first bad line.

    Quotes of one market share their venue and symbol strings, so memory goes to the numbers.
    """
    path = Path(path)
    text = _read_text(path)
    lines = text.split("\n")
    del text
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0].rstrip("\r") == "":
        raise ReplayFileError(path, f"empty file, expected the header {HEADER}", 1)
    header = lines[0].rstrip("\r").lstrip("\ufeff")
    if header.split(",") != list(COLUMNS):
        raise ReplayFileError(path, f"expected the header {HEADER}, got {header[:200]!r}", 1)
    if "\r" in lines[0]:
        lines = [line.rstrip("\r") for line in lines]
    quotes: list[Quote] = []
    gc_was_enabled = gc.isenabled()
    # Hundreds of thousands of new objects would trigger many useless collections: none of them
    # can be garbage yet. Collection resumes (and catches up) right after.
    gc.disable()
    try:
        _parse_rows(lines, markets, quotes)
    except (ValueError, KeyError):
        # The failing row is the first one that did not become a quote.
        _diagnose(path, lines, len(quotes) + 1, markets)
        raise ReplayFileError(path, "malformed row", len(quotes) + 2) from None
    finally:
        if gc_was_enabled:
            gc.enable()
    return quotes


def _parse_rows(
    lines: Sequence[str], names: Mapping[tuple[str, str], tuple[str, str]], out: list[Quote]
) -> None:
    """The hot loop: raises ValueError/KeyError at the first row that is not right."""
    append = out.append
    inf = _INF
    previous = 0
    for line in islice(lines, 1, None):
        ts, venue, symbol, bid_s, bid_qty_s, ask_s, ask_qty_s, update_id, exch = line.split(",")
        name, unified = names[venue, symbol]
        received = int(ts)
        bid = float(bid_s)
        bid_qty = float(bid_qty_s)
        ask = float(ask_s)
        ask_qty = float(ask_qty_s)
        if not (
            received >= previous
            and 0.0 < bid < inf
            and 0.0 < ask < inf
            and 0.0 <= bid_qty < inf
            and 0.0 <= ask_qty < inf
            and update_id.isdigit()
        ):
            raise ValueError(line)
        previous = received
        append(
            Quote(
                name,
                unified,
                bid,
                bid_qty,
                ask,
                ask_qty,
                received,
                int(exch) * 1_000_000 if exch else 0,
            )
        )


def _diagnose(
    path: Path, lines: Sequence[str], index: int, names: Mapping[tuple[str, str], tuple[str, str]]
) -> None:
    """Raise the precise error for ``lines[index]`` (the header is index 0, line 1)."""
    line_no = index + 1
    fields = lines[index].split(",")
    if len(fields) != len(COLUMNS):
        raise ReplayFileError(
            path,
            f"expected {len(COLUMNS)} columns, found {len(fields)}: {lines[index][:200]!r}",
            line_no,
        )
    ts, venue, symbol, bid, bid_qty, ask, ask_qty, update_id, exch = fields
    if venue not in {rv for rv, _ in names}:
        known = ", ".join(sorted({rv for rv, _ in names})) or "none"
        raise ReplayFileError(path, f"unknown venue {venue!r} (known: {known})", line_no)
    if (venue, symbol) not in names:
        known = ", ".join(sorted(mid for rv, mid in names if rv == venue))
        raise ReplayFileError(
            path,
            f"unknown symbol {symbol!r} on {venue} (known: {known}; add it to the instrument file)",
            line_no,
        )
    received = _integer(path, line_no, "local_ts_ns", ts)
    for column, text, allow_zero in (
        ("bid_px", bid, False),
        ("bid_qty", bid_qty, True),
        ("ask_px", ask, False),
        ("ask_qty", ask_qty, True),
    ):
        try:
            value = float(text)
        except ValueError:
            raise ReplayFileError(path, f"{column} is not a number: {text!r}", line_no) from None
        if not (0.0 <= value < _INF) or (value == 0.0 and not allow_zero):
            bound = ">= 0" if allow_zero else "> 0"
            raise ReplayFileError(
                path, f"{column} must be finite and {bound}, got {text!r}", line_no
            )
    if not update_id.isdigit():
        raise ReplayFileError(
            path, f"update_id is not a non-negative integer: {update_id!r}", line_no
        )
    if exch:
        _integer(path, line_no, "exch_ts_ms", exch)
    if index > 1:
        previous = lines[index - 1].split(",", 1)[0]
        if received < int(previous):
            raise ReplayFileError(
                path,
                f"local_ts_ns goes backwards ({received} after {previous}); "
                "the file must be sorted by time",
                line_no,
            )


def _integer(path: Path, line_no: int, column: str, text: str) -> int:
    if not text.isdigit():
        raise ReplayFileError(path, f"{column} is not a non-negative integer: {text!r}", line_no)
    return int(text)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReplayFileError(path, "file not found") from None
    except IsADirectoryError:
        raise ReplayFileError(path, "is a directory, not a replay file") from None
    except OSError as exc:
        raise ReplayFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ReplayFileError(path, f"not a valid gzip file: {exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ReplayFileError(path, f"not UTF-8 text: {exc.reason}", line) from None
