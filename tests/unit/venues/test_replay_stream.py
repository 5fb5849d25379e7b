"""A replay streams its file: quotes arrive before the file's end is read, memory stays flat, and
errors further on are raised where they are met, after every quote before them."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest
from test_replay_support import Recorder

from app.core.events import VenueState
from app.core.quotes import Quote
from app.venues.instrument_catalog import load_catalog
from app.venues.replay import DEFAULT_INSTRUMENTS_FILE, ReplayMarket
from app.venues.replay_file import HEADER, BboStream, ReplayFileError, recorder_markets

MARKETS = recorder_markets(load_catalog(DEFAULT_INSTRUMENTS_FILE))
T0 = 1_723_161_254_000_000_000
STEP_NS = 10_000_000  # 100 quotes a second


def row(i: int) -> str:
    """Row ``i`` (file line ``i + 2``): spot BTC and USD-M ETH in turn."""
    ts = T0 + i * STEP_NS
    if i % 2:
        p = 2600 + i % 50
        return f"{ts},binance_usdm,ETHUSDT,{p}.5,1.25,{p}.75,3.5,{i},{ts // 10**6}"
    return f"{ts},binance_spot,BTCUSDT,{60000 + i % 70}.1,0.5,{60000 + i % 70}.2,0.75,{i},"


def quote(i: int) -> Quote:
    """The quote row ``i`` must become, written out from the format."""
    ts = T0 + i * STEP_NS
    if i % 2:
        p = 2600 + i % 50
        return Quote(
            "binanceusdm", "ETH/USDT:USDT", p + 0.5, 1.25, p + 0.75, 3.5, ts, ts // 10**6 * 10**6
        )
    p = 60000 + i % 70
    return Quote("binance", "BTC/USDT", p + 0.1, 0.5, p + 0.2, 0.75, ts, 0)


def write(path: Path, rows: list[str], *, tail: bytes = b"") -> Path:
    data = ("\n".join([HEADER, *rows]) + "\n").encode() + tail
    path.write_bytes(gzip.compress(data, compresslevel=1) if path.suffix == ".gz" else data)
    return path


def take_until_error(stream: BboStream) -> tuple[list[Quote], ReplayFileError | None]:
    got: list[Quote] = []
    try:
        for q in stream:
            got.append(q)
    except ReplayFileError as exc:
        return got, exc
    return got, None


N = 40_000  # ~3.5 MB of text: about 14 blocks


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_bad_line_near_the_end_comes_after_every_quote_before_it(
    tmp_path: Path, suffix: str
) -> None:
    bad = N - 5  # row index; file line bad + 2
    rows = [row(i) for i in range(N)]
    rows[bad] = (
        rows[bad]
        .replace(",binance_spot,", ",kraken_spot,")
        .replace(",binance_usdm,", ",kraken_spot,")
    )
    path = write(tmp_path / f"long{suffix}", rows)
    with BboStream(path, MARKETS) as stream:
        assert next(stream) == quote(0)  # delivered while the end of the file is unread
        got, error = take_until_error(stream)
    assert [quote(0), *got] == [quote(i) for i in range(bad)]
    assert error is not None and error.line == bad + 2
    assert f"line {bad + 2}: unknown venue 'kraken_spot'" in str(error)


def test_a_backwards_time_across_blocks_is_named(tmp_path: Path) -> None:
    rows = [row(i) for i in range(N)]
    rows[N - 100] = row(10)  # an old time, far from the row before it (another block)
    path = write(tmp_path / "back.csv", rows)
    got, error = take_until_error(BboStream(path, MARKETS, block_bytes=4096))
    assert len(got) == N - 100
    assert error is not None and error.line == N - 100 + 2
    assert "local_ts_ns goes backwards" in str(error)


def test_a_truncated_gzip_delivers_every_whole_line_before_the_damage(tmp_path: Path) -> None:
    path = write(tmp_path / "whole.csv.gz", [row(i) for i in range(N)])
    packed = path.read_bytes()
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed[: len(packed) * 3 // 4])
    with BboStream(cut, MARKETS) as stream:
        got, error = take_until_error(stream)
    assert error is not None and error.line is None
    assert "cut.csv.gz: not a valid gzip file" in str(error)
    assert N // 2 < len(got) < N
    assert got == [quote(i) for i in range(len(got))]
    # every whole line that was decompressed came out: the message names the last of them
    assert f"(after line {len(got) + 1})" in str(error)


def test_bytes_that_are_not_utf8_come_after_the_lines_before_them(tmp_path: Path) -> None:
    rows = [row(i) for i in range(N)]
    path = tmp_path / "binary.csv"
    head = ("\n".join([HEADER, *rows[: N - 10]]) + "\n").encode()
    path.write_bytes(head + b"\xff\xfe\x00\n" + ("\n".join(rows[N - 10 :]) + "\n").encode())
    got, error = take_until_error(BboStream(path, MARKETS))
    assert got == [quote(i) for i in range(N - 10)]
    assert error is not None and error.line == N - 10 + 2
    assert "not UTF-8 text" in str(error)


async def test_a_replay_pushes_the_quotes_before_a_bad_line_then_raises(tmp_path: Path) -> None:
    rows = [row(i) for i in range(N)]
    rows[N - 3] = "garbage"
    path = write(tmp_path / "late.csv.gz", rows)
    market = ReplayMarket(path, speed=None)  # builds: only the start of the file is read
    assert [(i.venue, i.symbol) for i in market.instruments()] == [
        ("binance", "BTC/USDT"),
        ("binanceusdm", "ETH/USDT:USDT"),
    ]
    assert market.clock.now_ns() == T0 and market.first_quote == quote(0)
    rec = Recorder()
    with pytest.raises(ReplayFileError, match=rf"line {N - 1}: expected 9 columns, found 1"):
        await market.run(rec.sink, rec.status)
    assert rec.quotes == [quote(i) for i in range(N - 3)]
    assert market.clock.now_ns() == quote(N - 4).received_ns
    assert rec.statuses[-1] == ("binanceusdm", VenueState.CLOSED, "")


async def test_a_duration_stops_reading_before_a_bad_line_past_it(tmp_path: Path) -> None:
    rows = [row(i) for i in range(N)]
    rows[N - 3] = "garbage"
    path = write(tmp_path / "short.csv", rows)
    market = ReplayMarket(path, speed=None, duration_s=60.0)  # 6,000 quotes of 40,000
    rec = Recorder()
    await market.run(rec.sink, rec.status)
    assert rec.quotes == [quote(i) for i in range(6_000)]


def test_a_bad_start_is_refused_when_the_feed_is_built(tmp_path: Path) -> None:
    rows = [row(i) for i in range(N)]
    rows[7] = "garbage"
    with pytest.raises(ReplayFileError, match=r"line 9: expected 9 columns"):
        ReplayMarket(write(tmp_path / "early.csv.gz", rows))


async def test_a_long_replay_holds_a_bounded_number_of_quotes(tmp_path: Path) -> None:
    """100,000 quotes held at once would take ~25 MB (a quote and its floats, ~250 bytes); the
    stream holds one block's worth (~3,000) at a time."""
    count = 100_000
    path = write(tmp_path / "long.csv.gz", [row(i) for i in range(count)])
    market = ReplayMarket(path, speed=None)
    seen = 0

    def sink(q: Quote) -> None:
        nonlocal seen
        seen += 1

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        await market.run(sink, lambda venue, state, detail: None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 8 * 1024 * 1024, peak
