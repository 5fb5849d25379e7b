"""``arbdesk headless`` as a user runs it: a subprocess, its output and its exit code."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli import exit_codes

REQUIRED = {
    "quotes_total",
    "quotes_per_venue",
    "quote_updates_per_s",
    "stale_events",
    "opportunities_per_kind",
    "orders_total",
    "fills_total",
    "equity",
    "duration_s",
}


def arbdesk(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARBDESK_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def last_json(stdout: str) -> dict[str, object]:
    lines = stdout.strip().splitlines()
    assert lines, "no output"
    data = json.loads(lines[-1])
    assert isinstance(data, dict)
    return data


def test_arbdesk_help_prints_usage(arbdesk_home: Path) -> None:
    # plain ``arbdesk`` opens the window (tests/ui/test_cli_gui.py); ``--help`` explains itself
    result = arbdesk("--help", home=arbdesk_home)
    assert result.returncode == 0
    assert "headless" in result.stdout and "--market" in result.stdout


def test_replay_to_the_end_prints_the_json_summary(arbdesk_home: Path) -> None:
    result = arbdesk(
        "headless", "--market", "replay", "--speed", "max", "--json", home=arbdesk_home
    )
    assert result.returncode == exit_codes.OK, result.stderr
    summary = last_json(result.stdout)
    assert summary.keys() >= REQUIRED
    per_venue = summary["quotes_per_venue"]
    assert isinstance(per_venue, dict)
    assert set(per_venue) == {"binance", "binanceusdm", "binancecoinm"}
    assert summary["quotes_total"] == sum(per_venue.values())
    kinds = summary["opportunities_per_kind"]
    assert isinstance(kinds, dict) and "basis" in kinds
    equity = summary["equity"]
    assert isinstance(equity, dict) and set(equity) >= {"USDT"}
    for amount in equity.values():  # money: a decimal string, never a float
        assert isinstance(amount, str) and Decimal(amount) > 0
    assert (arbdesk_home / "data" / "arbdesk.sqlite").exists()
    assert (arbdesk_home / "data" / "paper.sqlite").exists()
    assert (arbdesk_home / "logs" / "arbdesk.log").exists()


def test_sim_with_duration_and_seed(arbdesk_home: Path) -> None:
    args = ("headless", "--market", "sim", "--speed", "max", "--duration", "20", "--json")
    one = last_json(arbdesk(*args, "--seed", "3", home=arbdesk_home).stdout)
    two = last_json(arbdesk(*args, "--seed", "3", home=arbdesk_home / "b").stdout)
    assert one["quotes_per_venue"] == two["quotes_per_venue"]
    assert set(one["quotes_per_venue"]) == {"sim-a", "sim-b", "sim-c"}  # type: ignore[arg-type]


def test_unknown_market_lists_the_valid_ones(arbdesk_home: Path) -> None:
    result = arbdesk("headless", "--market", "kraken", home=arbdesk_home)
    assert result.returncode == exit_codes.USAGE
    assert "'sim'" in result.stderr and "'replay'" in result.stderr


def test_missing_file_is_refused_with_its_path(arbdesk_home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv.gz"
    result = arbdesk("headless", "--market", "replay", "--file", str(missing), home=arbdesk_home)
    assert result.returncode == exit_codes.BAD_DATA
    assert str(missing) in result.stderr


def test_malformed_file_names_the_first_bad_line(arbdesk_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv.gz"
    header = "local_ts_ns,venue,symbol,bid_px,bid_qty,ask_px,ask_qty,update_id,exch_ts_ms\n"
    good = "1723161253000000000,binance_spot,BTCUSDT,60000.0,1.0,60000.1,2.0,1,\n"
    with gzip.open(bad, "wt") as fh:
        fh.write(header + good + good.replace("60000.0", "sixty"))
    result = arbdesk("headless", "--market", "replay", "--file", str(bad), home=arbdesk_home)
    assert result.returncode == exit_codes.BAD_DATA
    assert str(bad) in result.stderr
    assert "line 3" in result.stderr


def test_invalid_settings_file_stops_before_starting(arbdesk_home: Path, tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text("[market_data]\nmax_quote_age_ms = -5\n")
    result = arbdesk("headless", "--settings", str(f), home=arbdesk_home)
    assert result.returncode == exit_codes.BAD_SETTINGS
    assert "market_data.max_quote_age_ms = -5" in result.stderr
    assert not (arbdesk_home / "data" / "arbdesk.sqlite").exists()


def test_live_mode_on_a_simulated_market_is_refused(arbdesk_home: Path, tmp_path: Path) -> None:
    # a LIVE banner over simulated venues would be a lie: live mode needs the live source
    f = tmp_path / "s.toml"
    f.write_text('mode = "live"\n')
    for command in (["headless", "--settings", str(f)], ["keys", "--settings", str(f), "list"]):
        result = arbdesk(*command, home=arbdesk_home)
        assert result.returncode == exit_codes.BAD_SETTINGS, (command, result.stderr)
        assert 'trades real money on the exchanges of market.source = "live"' in result.stderr
    assert not (arbdesk_home / "data" / "arbdesk.sqlite").exists()


def test_live_mode_headless_needs_live_on_the_command_line(
    arbdesk_home: Path, tmp_path: Path
) -> None:
    f = tmp_path / "s.toml"
    f.write_text('mode = "live"\n[market]\nsource = "live"\n[live]\naccounts = ["main"]\n')
    result = arbdesk("headless", "--settings", str(f), home=arbdesk_home)
    assert result.returncode == exit_codes.LIVE_NOT_CONFIRMED, result.stderr
    assert "real orders with real money on main" in result.stderr
    assert "--live" in result.stderr
    # confirmed, the next problem is named: no such account (nothing reached any exchange)
    result = arbdesk("headless", "--settings", str(f), "--live", home=arbdesk_home)
    assert result.returncode == exit_codes.LIVE_SETUP, result.stderr
    assert "no account 'main'" in result.stderr


@pytest.mark.parametrize("bad", [["--speed", "0"], ["--duration", "-1"], ["--file", "x.csv"]])
def test_bad_arguments_are_usage_errors(arbdesk_home: Path, bad: list[str]) -> None:
    result = arbdesk("headless", *bad, home=arbdesk_home)
    assert result.returncode == exit_codes.USAGE
    assert result.stderr


def test_sigterm_ends_a_live_run_with_a_summary(arbdesk_home: Path) -> None:
    env = {**os.environ, "ARBDESK_HOME": str(arbdesk_home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "headless", "--market", "sim", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        import time

        deadline = time.monotonic() + 30
        log = arbdesk_home / "logs" / "arbdesk.log"
        while time.monotonic() < deadline:
            if log.exists() and "engine started" in log.read_text():
                break
            time.sleep(0.1)
        time.sleep(1.0)
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == exit_codes.OK, err
    summary = last_json(out)
    assert isinstance(summary["quotes_total"], int) and summary["quotes_total"] > 0
