"""``arbdesk record``: live public quotes to a file the replay reads, so any live session can be
played again (``arbdesk --market replay --file FILE``, ``arbdesk replay FILE --bots ...``).

The quotes come through the same ``CcxtFeed`` the engine trades on (one stream per exchange,
REST polling while it is down, de-duplicated), from the exchanges of ``--venues`` with no keys.
Rows are the replay format (``app/venues/replay_file.py``): the venue column is the ArbDesk
venue (the ccxt id), the symbol the exchange's market id, ``update_id`` the recorder's count per
market (the feed has already de-duplicated by the exchange's own id). The trading rules the
replay needs (tick, step, minimums, fees) go, as they are today, to ``FILE.instruments.json``
beside it, where the replay looks first.

A ``.gz`` file is written as one gzip member per flush (at least every second): members
concatenate into one valid gzip stream, and each is written whole, so a SIGKILL or a full disk
leaves a file that replays up to the last flush.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import logging
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.cli import exit_codes
from app.core.events import VenueState
from app.core.instruments import Instrument
from app.core.quotes import Quote
from app.runtime import paths
from app.runtime.logs import configure_logging
from app.runtime.settings import Settings
from app.runtime.settings_loader import SettingsError, load_settings
from app.venues.instrument_catalog import catalog_to_json
from app.venues.replay import instruments_beside
from app.venues.replay_file import HEADER

log = logging.getLogger(__name__)

#: Seconds between flushes: a SIGKILL loses at most this much (and the rows of one flush).
FLUSH_INTERVAL_S = 0.5


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "record",
        help="live quotes to a replay file",
        description="Record the best bid/ask of live exchanges (public streams, no keys) to a "
        "file that 'arbdesk replay' and '--market replay --file' read, with the instruments' "
        "trading rules beside it (FILE.instruments.json). Stops at --duration, Ctrl-C or "
        "SIGTERM, and prints what it recorded.",
    )
    p.add_argument(
        "--venues", type=_names, help="exchanges (ccxt ids), comma-separated (default: live.venues)"
    )
    p.add_argument(
        "--symbols",
        type=_names,
        help="unified symbols, comma-separated, all spot or all perpetual (default: live.symbols)",
    )
    p.add_argument(
        "--out", required=True, metavar="FILE", help="new file (.csv.gz compressed, or .csv)"
    )
    p.add_argument("--duration", type=_positive, help="stop after S seconds (default: never)")
    p.add_argument("--settings", help="settings file instead of the platform's settings.toml")
    p.set_defaults(func=main)


def _names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"an empty name in {text!r}")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"a name twice in {text!r}")
    return names


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def market_type(symbols: Sequence[str]) -> str | None:
    """``spot`` or ``swap`` from the symbols (a settle currency ``:USDT`` means a derivative);
    None when they mix both, which one ccxt client per exchange cannot stream."""
    derivatives = {":" in symbol for symbol in symbols}
    if len(derivatives) > 1:
        return None
    return "swap" if derivatives == {True} else "spot"


class RecordWriteError(OSError):
    """The output cannot be written; what was flushed before stays readable."""


class QuoteWriter:
    """Rows in the replay format, buffered in memory and appended on ``flush``.

    Each flush is one ``os.write`` of one complete gzip member (or plain CSV text): a kill
    between two flushes loses only the buffer, and a short write (a full disk) is cut back so
    the file ends at the last whole flush."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._gzip = path.name.endswith(".gz")
        self._market_ids: dict[tuple[str, str], str] = {}
        self._rows: list[str] = [HEADER + "\n"]
        self._seq: Counter[tuple[str, str]] = Counter()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.written_rows = 0
        self._pending_rows = 0
        self._last_ns = 0
        self._size = 0
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise RecordWriteError(f"{path} exists already: choose a new name") from None
        except OSError as exc:
            raise RecordWriteError(f"cannot create {path}: {exc.strerror or exc}") from None

    def watch(self, venue: str, symbol: str, market_id: str) -> None:
        """Record ``symbol`` of ``venue`` under the exchange's ``market_id``."""
        if "," in market_id or "\n" in market_id:  # a CSV column; no exchange names one so
            raise ValueError(f"{venue} {symbol}: market id {market_id!r} cannot go in a CSV")
        self._market_ids[(venue, symbol)] = market_id

    def add(self, quote: Quote) -> None:
        key = (quote.venue, quote.symbol)
        market_id = self._market_ids.get(key)
        if market_id is None:
            return
        # the replay cannot move its clock back: a wall clock stepped back keeps the last time
        self._last_ns = stamp = max(quote.received_ns, self._last_ns)
        self._seq[key] += 1
        exch = str(quote.exchange_ns // 1_000_000) if quote.exchange_ns > 0 else ""
        self._rows.append(
            f"{stamp},{quote.venue},{market_id},{quote.bid!r},{quote.bid_qty!r},"
            f"{quote.ask!r},{quote.ask_qty!r},{self._seq[key]},{exch}\n"
        )
        self.counts[key] += 1
        self._pending_rows += 1

    def take(self) -> tuple[bytes, int]:
        """The buffered rows as the bytes to append, and how many rows they hold."""
        if len(self._rows) == 0:
            return b"", 0
        text = "".join(self._rows).encode("utf-8")
        rows, self._rows, self._pending_rows = self._pending_rows, [], 0
        return (gzip.compress(text, compresslevel=6, mtime=0) if self._gzip else text), rows

    def append(self, data: bytes, rows: int) -> None:
        """Write ``data`` whole (runs in a worker thread; one flush at a time)."""
        if not data:
            return
        try:
            view = memoryview(data)
            while view:
                done = os.write(self._fd, view)
                view = view[done:]
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)  # back to the last whole flush
            raise RecordWriteError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._size += len(data)
        self.written_rows += rows

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.fsync(self._fd)
        os.close(self._fd)


def main(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {}
    if args.venues:
        overrides["venues"] = args.venues
    if args.symbols:
        overrides["symbols"] = args.symbols
    try:
        settings = load_settings(
            Path(args.settings) if args.settings else None, {"live": overrides}
        )
    except SettingsError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.BAD_SETTINGS
    kind = market_type(settings.live.symbols)
    if kind is None:
        print(
            "arbdesk: --symbols mixes spot and perpetual symbols; record each kind to its own file",
            file=sys.stderr,
        )
        return exit_codes.USAGE
    settings = settings.model_copy(
        update={"live": settings.live.model_copy(update={"market_type": kind})}
    )
    out = Path(args.out).expanduser()
    if out.name.endswith(".instruments.json"):
        print(
            f"arbdesk: {out} is the name of an instrument file; name the data file", file=sys.stderr
        )
        return exit_codes.USAGE
    configure_logging(settings.logging.level, paths.log_dir(), console=False)
    try:
        return asyncio.run(record(settings, out, args.duration))
    except KeyboardInterrupt:  # before the handlers were installed
        return exit_codes.FAILED


async def record(settings: Settings, out: Path, duration_s: float | None) -> int:
    """Connect, record until the duration, a signal or a write error, and say what was done."""
    from app.engine.live_errors import LiveSetupError
    from app.engine.live_market import public_sources
    from app.venues.ccxt_feed import CcxtFeed

    try:
        writer = QuoteWriter(out)
    except RecordWriteError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.FAILED
    try:
        sources = await public_sources(settings)
    except LiveSetupError as exc:
        _discard(writer)
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.LIVE_SETUP
    except BaseException:
        _discard(writer)
        raise
    live = settings.live
    feed = CcxtFeed(
        sources,
        stale_after_s=live.stale_after_ms / 1000,
        poll_interval_s=live.poll_interval_ms / 1000,
    )
    entries: list[tuple[Instrument, str | None]] = []
    for source in sources:
        for inst in source.instruments:
            market_id = str(source.exchange.markets[inst.symbol]["id"])
            writer.watch(inst.venue, inst.symbol, market_id)
            entries.append((inst, market_id))
    try:
        _write_catalog(instruments_beside(out), entries)
    except OSError as exc:
        await feed.close()
        _discard(writer)
        print(
            f"arbdesk: cannot write {instruments_beside(out)}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return exit_codes.FAILED
    return await _run(feed, writer, duration_s)


async def _run(feed: Any, writer: QuoteWriter, duration_s: float | None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    failure: list[RecordWriteError] = []

    def status(venue: str, state: VenueState, detail: str) -> None:
        if state is VenueState.DOWN:
            print(f"arbdesk: {venue}: {detail}", file=sys.stderr)
        log.info("%s %s %s", venue, state.value, detail)

    async def flusher() -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            await _flush(writer)

    started = time.monotonic()
    streams = asyncio.create_task(feed.run(writer.add, status), name="record:feed")
    flushing = asyncio.create_task(flusher(), name="record:flush")
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait(
            {streams, flushing, stopper}, timeout=duration_s, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        stopper.cancel()
        flushing.cancel()
        [flushed] = await asyncio.gather(flushing, return_exceptions=True)
        if isinstance(flushed, RecordWriteError):
            failure.append(flushed)
        elif isinstance(flushed, Exception):
            raise flushed
        await feed.close()
        await asyncio.gather(streams, return_exceptions=True)
        if not failure:
            try:
                await _flush(writer)
            except RecordWriteError as exc:
                failure.append(exc)
        writer.close()
    seconds = time.monotonic() - started
    if failure:
        print(f"arbdesk: {failure[0]}; {_summary(writer, seconds)}", file=sys.stderr)
        return exit_codes.FAILED
    print(_summary(writer, seconds))
    return exit_codes.OK


async def _flush(writer: QuoteWriter) -> None:
    data, rows = writer.take()
    await asyncio.to_thread(writer.append, data, rows)


def _summary(writer: QuoteWriter, seconds: float) -> str:
    per = ", ".join(f"{venue} {symbol} {n}" for (venue, symbol), n in sorted(writer.counts.items()))
    return (
        f"recorded {writer.written_rows} rows in {seconds:.1f} s to {writer.path} "
        f"({per or 'no quotes'})"
    )


def _write_catalog(path: Path, entries: list[tuple[Instrument, str | None]]) -> None:
    """The instruments as the replay reads them (written whole, then renamed into place)."""
    data = catalog_to_json(entries)
    data = {
        "description": "Trading rules of the recorded markets as ccxt listed them when "
        "'arbdesk record' started (fees: the exchange's default tier).",
        "as_of": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **data,
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _discard(writer: QuoteWriter) -> None:
    """Nothing was recorded: leave no empty file behind."""
    writer.close()
    with contextlib.suppress(OSError):
        writer.path.unlink()
