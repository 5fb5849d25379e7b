"""Loading recorded best bid/ask files (the hftbacktest-derived format of the bundled sample).

Format: CSV, optionally gzip-compressed (detected by content, not by name), with the header
``local_ts_ns,venue,symbol,bid_px,bid_qty,ask_px,ask_qty,update_id,exch_ts_ms`` and rows sorted
by ``local_ts_ns``. ``venue`` is the recorder's name of the Binance API (``binance_spot``,
``binance_usdm``, ``binance_coinm``) or, in files ``arbdesk record`` writes, the ArbDesk venue
(the ccxt id: ``binance``, ``okx``), ``symbol`` the exchange's market id (``BTCUSDT``,
``BTCUSD_PERP``, ``BTC-USDT``); both are mapped to ccxt ids and unified symbols through an
instrument catalog (``market_id`` entries). ``exch_ts_ms`` is empty where the venue does not
stamp it (spot).

A file is streamed (``BboStream``): one block of whole lines at a time is decompressed, decoded
and parsed, so memory stays flat whatever the file's length (a day of quotes is ~20 million rows).
Speed matters, so the happy path of a block is one tight loop whose checks cost next to nothing:
unpacking checks the column count, ``float``/``int`` check the numbers, a dict lookup checks the
market. When anything fails, a slow pass over the offending line says exactly what is wrong and
where; the error is raised where it is met, after every quote before it. Timestamps going
backwards are an error: the format is time-sorted, and a replay cannot move its clock back.
"""

from __future__ import annotations

import gc
import gzip
import zlib
from bisect import bisect_left
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO, Final, cast

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
#: Decompressed bytes parsed at a time: a few thousand rows, a few milliseconds of work, so a
#: replay at real time holds the event loop no longer than that at a block's start.
DEFAULT_BLOCK_BYTES: Final = 256 * 1024
_received_ns = attrgetter("received_ns")

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
    """Every quote of a BBO file in a list; raises ``ReplayFileError`` naming the first bad line.

    For tests and small files: a replay streams (``BboStream``) and never holds the file.
    """
    with BboStream(path, markets) as stream:
        return list(stream)


class BboStream:
    """The quotes of a BBO file, read block by block, so memory does not grow with the file.

    Opening reads the header (a missing file, a bad gzip header or a wrong header raise
    ``ReplayFileError`` here). Iterating decompresses, decodes and parses one block of about
    ``block_bytes`` at a time; a problem further on (a bad row, a truncated gzip, bytes that
    are not UTF-8) is raised when it is met, after every quote before it has been delivered.
    ``until_ns``: stop before the first quote received at or after it (a replay's duration).
    Iterating twice continues where the first iteration stopped: it is one pass over the file.
    """

    def __init__(
        self,
        path: Path | str,
        markets: MarketMap,
        *,
        until_ns: int | None = None,
        block_bytes: int = DEFAULT_BLOCK_BYTES,
    ) -> None:
        if block_bytes < 1:
            raise ValueError(f"block_bytes must be >= 1, got {block_bytes}")
        self.path = Path(path)
        self._markets = markets
        self._until = until_ns
        self._file = _open_binary(self.path)
        try:
            self._blocks = _line_blocks(self.path, self._file, block_bytes)
            self._crlf, rest = self._read_header()
        except BaseException:
            self._file.close()
            raise
        self._quotes = self._parse(rest)

    def __iter__(self) -> Iterator[Quote]:
        # The generator itself, not ``self``: a ``for`` loop then pays no Python-level
        # ``__next__`` call per quote.
        return self._quotes

    def __next__(self) -> Quote:
        return next(self._quotes)

    def __enter__(self) -> BboStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the file (also mid-way: the rest is never read)."""
        self._quotes.close()
        self._blocks.close()
        self._file.close()

    def _read_header(self) -> tuple[bool, _Block]:
        first = next(self._blocks, None)
        if first is not None and first.error is not None and not first.data:
            raise first.error
        cut = first.data.find(b"\n") if first is not None else -1
        header_bytes = b"" if first is None else first.data if cut < 0 else first.data[:cut]
        try:
            header = header_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReplayFileError(self.path, f"not UTF-8 text: {exc.reason}", 1) from None
        crlf = header.endswith("\r")
        header = header.rstrip("\r").lstrip("\ufeff")
        if first is None or header == "":
            raise ReplayFileError(self.path, f"empty file, expected the header {HEADER}", 1)
        if header.split(",") != list(COLUMNS):
            got = header[:200]
            raise ReplayFileError(self.path, f"expected the header {HEADER}, got {got!r}", 1)
        rest = first.data[cut + 1 :] if cut >= 0 else b""
        return crlf, _Block(rest, 2, first.final, first.error)

    def _parse(self, first: _Block | None) -> Generator[Quote]:
        """The quotes, block by block; an error is raised after the quotes before it."""
        path = self.path
        markets = self._markets
        until = self._until
        crlf = self._crlf
        previous = 0
        blocks = self._blocks
        block = first
        while block is not None:
            text, error = _decode(path, block)
            if text:
                if crlf:
                    text = text.replace("\r\n", "\n").rstrip("\r")
                lines = text.split("\n")
                out: list[Quote] = []
                gc_was_enabled = gc.isenabled()
                # Thousands of new objects would trigger useless collections: none of them can be
                # garbage yet. Collection resumes (and catches up) right after the block.
                gc.disable()
                try:
                    previous = _parse_rows(lines, markets, out, previous)
                except (ValueError, KeyError):
                    bad = len(out)
                    if until is not None and out and out[-1].received_ns >= until:
                        yield from out[: bisect_left(out, until, key=_received_ns)]
                        return
                    yield from out
                    before = out[-1].received_ns if out else previous
                    line_no = block.first_line + bad
                    _diagnose(path, lines[bad], line_no, markets, before)
                    raise ReplayFileError(path, "malformed row", line_no) from None
                finally:
                    if gc_was_enabled:
                        gc.enable()
                if until is not None and previous >= until:
                    yield from out[: bisect_left(out, until, key=_received_ns)]
                    return
                yield from out
                del out, lines
            if error is not None:
                raise error
            block = next(blocks, None)


@dataclass(frozen=True, slots=True)
class _Block:
    """Complete lines of the file (no final newline), the file's line number of the first one,
    whether it is the end of the file, and the error met right after it, if any."""

    data: bytes
    first_line: int
    final: bool = False
    error: ReplayFileError | None = None


def _line_blocks(path: Path, raw: BinaryIO, block_bytes: int) -> Generator[_Block]:
    """The file as blocks of whole lines; a read error comes with the lines before it."""
    reader: BinaryIO = raw
    head = raw.read(2)
    raw.seek(0)
    if head == _GZIP_MAGIC:
        reader = cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb"))
    line_no = 1
    pending = b""
    while True:
        try:
            data = reader.read(block_bytes)
        except (OSError, EOFError, zlib.error) as exc:
            where = f" (after line {line_no - 1})" if line_no > 1 else ""
            error = ReplayFileError(path, f"not a valid gzip file: {exc}{where}")
            # the incomplete line before the damage is dropped: it is not a row
            yield _Block(b"", line_no, True, error)
            return
        if not data:
            if pending:
                yield _Block(pending, line_no, True)
            return
        cut = data.rfind(b"\n")
        if cut < 0:
            pending += data
            continue
        chunk = pending + data[:cut] if pending else data[:cut]
        pending = data[cut + 1 :]
        yield _Block(chunk, line_no)
        line_no += chunk.count(b"\n") + 1


def _decode(path: Path, block: _Block) -> tuple[str, ReplayFileError | None]:
    """The block's text; bytes that are not UTF-8 end it at the line before them."""
    try:
        return block.data.decode("utf-8"), block.error
    except UnicodeDecodeError as exc:
        line_start = block.data.rfind(b"\n", 0, exc.start) + 1
        line_no = block.first_line + block.data.count(b"\n", 0, exc.start)
        error = ReplayFileError(path, f"not UTF-8 text: {exc.reason}", line_no)
        good = block.data[: max(line_start - 1, 0)].decode("utf-8") if line_start else ""
        return good, error


def markets_in_file(
    path: Path | str, markets: MarketMap, *, block_bytes: int = DEFAULT_BLOCK_BYTES
) -> set[tuple[str, str]]:
    """Which ``(venue, symbol)`` of ``markets`` have rows in the file, without parsing them.

    A byte search per block for the markets not seen yet; it stops as soon as every market
    was seen, so it costs one block when the file has them all, and a decompression of the
    file when some market never appears. A damaged file ends the search quietly: the replay
    reports the damage where it meets it.
    """
    path = Path(path)
    wanted: dict[tuple[str, str], list[bytes]] = {}
    for (venue, market_id), target in markets.items():
        wanted.setdefault(target, []).append(f",{venue},{market_id},".encode())
    found: set[tuple[str, str]] = set()
    with _open_binary(path) as raw:
        for block in _line_blocks(path, raw, block_bytes):
            data = block.data
            for target in [t for t, needles in wanted.items() if any(n in data for n in needles)]:
                found.add(target)
                del wanted[target]
            if not wanted or block.error is not None:
                break
    return found


def _parse_rows(
    lines: Sequence[str],
    names: Mapping[tuple[str, str], tuple[str, str]],
    out: list[Quote],
    previous: int,
) -> int:
    """The hot loop: raises ValueError/KeyError at the first row that is not right; returns the
    last row's time."""
    append = out.append
    inf = _INF
    for line in lines:
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
    return previous


def _diagnose(
    path: Path,
    line: str,
    line_no: int,
    names: Mapping[tuple[str, str], tuple[str, str]],
    previous: int,
) -> None:
    """Raise the precise error for ``line``, the file's line ``line_no``; ``previous`` is the
    time of the row before it (0 for the first)."""
    fields = line.split(",")
    if len(fields) != len(COLUMNS):
        raise ReplayFileError(
            path,
            f"expected {len(COLUMNS)} columns, found {len(fields)}: {line[:200]!r}",
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
    if received < previous:
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


def _open_binary(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise ReplayFileError(path, "file not found") from None
    except IsADirectoryError:
        raise ReplayFileError(path, "is a directory, not a replay file") from None
    except OSError as exc:
        raise ReplayFileError(path, f"cannot read: {exc.strerror or exc}") from exc
