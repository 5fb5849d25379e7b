"""``arbdesk record`` as a user runs it (a subprocess) against the loopback fake Binance of this
process: what it writes replays through the product's reader with exactly the quotes the
exchange sent, once each and in order, whichever way the recording ends."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli import exit_codes
from app.venues.replay import ReplayMarket, instruments_beside
from app.venues.replay_file import ReplayFileError
from tests.support.engines import eventually
from tests.support.fake_binance import FakeBinance

Book = tuple[str, float, float, float, float]
BOOKS: list[Book] = [
    ("BTC/USDT", 50000.01, 0.5, 50000.02, 0.25),
    ("ETH/USDT", 3000.5, 2.0, 3000.51, 1.5),
    ("BTC/USDT", 50000.0, 0.75, 50000.01, 0.125),
    ("BTC/USDT", 49999.99, 0.00001, 50000.0, 3.0),
    ("ETH/USDT", 3000.49, 10.0, 3000.5, 0.0001),
]


@dataclass
class Recorder:
    proc: asyncio.subprocess.Process
    out: Path

    async def finish(self, timeout_s: float = 30.0) -> tuple[int, str, str]:
        stdout, stderr = await asyncio.wait_for(self.proc.communicate(), timeout_s)
        assert self.proc.returncode is not None
        return self.proc.returncode, stdout.decode(), stderr.decode()


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    async with FakeBinance() as exchange:
        yield exchange


def settings_file(tmp_path: Path, fake: FakeBinance) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(f'[live.urls.binance]\nrest = "{fake.rest_url}"\nws = "{fake.ws_url}"\n')
    return path


async def arbdesk(tmp_path: Path, fake: FakeBinance, *args: str) -> Recorder:
    env = {**os.environ, "ARBDESK_HOME": str(tmp_path / "home")}
    out = tmp_path / "live.csv.gz"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "record",
        "--settings",
        str(settings_file(tmp_path, fake)),
        *(args or ("--venues", "binance", "--symbols", "BTC/USDT,ETH/USDT", "--out", str(out))),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    return Recorder(proc, out)


async def push_all(fake: FakeBinance) -> None:
    """Each book once, and the last one again as after a reconnect (same update id)."""
    await eventually(lambda: fake.public_subscriptions > 0, 60, what="the recorder's subscription")
    for symbol, bid, bid_qty, ask, ask_qty in BOOKS:
        fake.push_book(symbol, bid, bid_qty, ask, ask_qty)
    fake.resend_last("ETH/USDT")


def replayed(path: Path) -> list[Book]:
    market = ReplayMarket(path, speed=None)
    return [(q.symbol, q.bid, q.bid_qty, q.ask, q.ask_qty) for q in market.quotes]


def replays_all(path: Path) -> bool:
    try:
        return len(replayed(path)) >= len(BOOKS)
    except ReplayFileError:
        return False


async def test_a_recording_replays_exactly_the_quotes_sent(
    tmp_path: Path, fake: FakeBinance
) -> None:
    out = tmp_path / "live.csv.gz"
    rec = await arbdesk(
        tmp_path,
        fake,
        *("--venues", "binance", "--symbols", "BTC/USDT,ETH/USDT", "--out", str(out)),
        *("--duration", "6"),
    )
    await push_all(fake)
    code, stdout, stderr = await rec.finish()
    assert code == exit_codes.OK, stderr
    assert replayed(out) == BOOKS
    market = ReplayMarket(out, speed=None)
    assert {(i.venue, i.symbol) for i in market.instruments()} == {
        ("binance", "BTC/USDT"),
        ("binance", "ETH/USDT"),
    }
    btc = next(i for i in market.instruments() if i.symbol == "BTC/USDT")
    assert str(btc.tick_size) == "0.01" and str(btc.step_size) == "0.00001"
    stamps = [q.received_ns for q in market.quotes]
    assert stamps == sorted(stamps)
    [summary] = stdout.strip().splitlines()
    assert "recorded 5 rows" in summary and str(out) in summary
    assert "binance BTC/USDT 3" in summary and "binance ETH/USDT 2" in summary


async def test_sigterm_stops_cleanly_and_sigkill_keeps_what_was_flushed(
    tmp_path: Path, fake: FakeBinance
) -> None:
    rec = await arbdesk(tmp_path, fake)
    await push_all(fake)
    await eventually(lambda: replays_all(rec.out), 30, what="the rows on disk")
    rec.proc.send_signal(signal.SIGKILL)
    code, _, _ = await rec.finish()
    assert code == -signal.SIGKILL
    assert replayed(rec.out) == BOOKS  # the flushes so far, whole

    again = tmp_path / "again"
    again.mkdir()
    rec = await arbdesk(again, fake)
    await eventually(lambda: fake.public_subscriptions > 1, 60, what="a second subscription")
    rec.proc.send_signal(signal.SIGTERM)
    code, stdout, stderr = await rec.finish()
    assert code == exit_codes.OK, stderr
    assert "recorded 0 rows" in stdout
    assert replayed(rec.out) == []


async def test_an_unknown_symbol_is_a_live_setup_error_naming_it(
    tmp_path: Path, fake: FakeBinance
) -> None:
    out = tmp_path / "x.csv.gz"
    rec = await arbdesk(
        tmp_path, fake, "--venues", "binance", "--symbols", "BTC/USDT,NOPE/USDT", "--out", str(out)
    )
    code, _, stderr = await rec.finish()
    assert code == exit_codes.LIVE_SETUP
    assert "NOPE/USDT" in stderr
    assert not out.exists() and not instruments_beside(out).exists()


async def test_an_unwritable_or_existing_out_fails_clearly(
    tmp_path: Path, fake: FakeBinance
) -> None:
    missing = tmp_path / "no-such-dir" / "x.csv.gz"
    rec = await arbdesk(tmp_path, fake, "--symbols", "BTC/USDT", "--out", str(missing))
    code, _, stderr = await rec.finish()
    assert code == exit_codes.FAILED
    assert f"cannot create {missing}" in stderr

    existing = tmp_path / "old.csv.gz"
    existing.write_bytes(b"keep me")
    rec = await arbdesk(tmp_path, fake, "--symbols", "BTC/USDT", "--out", str(existing))
    code, _, stderr = await rec.finish()
    assert code == exit_codes.FAILED
    assert "exists already" in stderr and existing.read_bytes() == b"keep me"

    rec = await arbdesk(
        tmp_path, fake, "--symbols", "BTC/USDT,BTC/USDT:USDT", "--out", str(tmp_path / "m.csv")
    )
    code, _, stderr = await rec.finish()
    assert code == exit_codes.USAGE and "mixes spot and perpetual" in stderr
