"""``arbdesk replay`` as a user runs it: a subprocess on the bundled sample with the example
bots, its JSON report, the same report twice, and the exit codes of bad input."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.cli import exit_codes
from app.cli.replay import TIMING_FIELDS, table

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample_data" / "binance-2024-08-08-bbo-sample.csv.gz"
EXAMPLE = ROOT / "resources" / "examples" / "bots.toml"
MONEY = (
    "volume_quote",
    "fees",
    "funding",
    "realized_pnl",
    "unrealized_pnl",
    "pnl",
    "max_drawdown",
    "peak_exposure",
)
COUNTS = ("cycles", "orders", "trades", "leg_risk_events")


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
        cwd=ROOT,
    )


def last_json(stdout: str) -> dict[str, Any]:
    lines = stdout.strip().splitlines()
    assert lines, "no output"
    data = json.loads(lines[-1])
    assert isinstance(data, dict)
    return data


def replay(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return arbdesk("replay", *args, home=home)


def test_two_runs_of_the_sample_report_the_same_bots(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runs = []
    for _ in range(2):
        result = replay(str(SAMPLE), "--bots", str(EXAMPLE), "--json", home=home)
        assert result.returncode == exit_codes.OK, result.stderr
        runs.append(last_json(result.stdout))
    first, second = runs

    assert first["updates"] == 84_102  # every row of the sample
    assert isinstance(first["updates_per_s"], float) and first["updates_per_s"] > 0
    assert first["currency"] == "USDT"
    bots = first["bots"]
    assert isinstance(bots, list)
    assert [b["id"] for b in bots] == ["carry-eth", "cross", "dca-btc"]
    assert {b["kind"] for b in bots} == {"spread_dca", "cash_carry", "cross_arb"}
    for bot in bots:
        status, _, phase = bot["state"].partition(":")
        assert status in {"running", "paused", "stopped"} and phase
        for key in COUNTS:
            assert isinstance(bot[key], int) and bot[key] >= 0, key
        for key in MONEY:  # money: a decimal string, never a float
            assert isinstance(bot[key], str), key
            Decimal(bot[key])
        total = Decimal(bot["realized_pnl"]) + Decimal(bot["unrealized_pnl"])
        total += Decimal(bot["funding"]) - Decimal(bot["fees"])
        assert abs(total - Decimal(bot["pnl"])) <= Decimal("0.00000004")  # each rounded to 8
        assert Decimal(bot["max_drawdown"]) >= 0 and Decimal(bot["peak_exposure"]) >= 0
    traded = [b for b in bots if b["orders"] > 0]
    assert traded, bots
    assert all(b["trades"] > 0 and Decimal(b["volume_quote"]) > 0 for b in traded)
    assert first["orders_total"] == sum(b["orders"] for b in bots)

    for key in TIMING_FIELDS:
        first.pop(key)
        second.pop(key)
    assert first == second

    # nothing of the run is left in the user's data folder: the run had its own
    assert not (home / "data" / "arbdesk.sqlite").exists()
    assert not (home / "data" / "paper.sqlite").exists()
    assert (home / "logs" / "replay" / "arbdesk.log").exists()

    text = table({**first, "updates_per_s": 1.0, "duration_s": 1.0})
    for bot in bots:
        assert bot["id"] in text and bot["state"] in text


def test_an_automatic_halt_mid_replay_stops_every_bot_the_same_way_each_run(
    tmp_path: Path,
) -> None:
    # a daily loss limit the sample's price moves pass: the kill switch runs in a task beside
    # the feed, and the report waits for it
    settings = tmp_path / "settings.toml"
    settings.write_text("[risk.halts]\ndaily_loss_limit = 5\n")
    runs = []
    for _ in range(2):
        args = (str(SAMPLE), "--bots", str(EXAMPLE), "--settings", str(settings), "--json")
        result = replay(*args, home=tmp_path)
        assert result.returncode == exit_codes.OK, result.stderr
        data = last_json(result.stdout)
        for key in TIMING_FIELDS:
            data.pop(key)
        runs.append(data)
    first, second = runs
    assert first == second
    assert first["trading_state"] == "HALTED"
    for bot in first["bots"]:
        assert bot["state"].startswith("stopped:"), bot
        assert bot["last_event"] == "stopped: panic"


def test_the_readable_report_has_a_row_per_bot(tmp_path: Path) -> None:
    config = tmp_path / "one.toml"
    config.write_text(
        '[[bots]]\nid = "idle"\nkind = "cross_arb"\nmax_qty = "0.01"\nsymbols = ["BTC/USDT"]\n'
    )
    result = replay(str(SAMPLE), "--bots", str(config), home=tmp_path)
    assert result.returncode == exit_codes.OK, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("updates 84,102 at ")
    row = next(line for line in lines if line.startswith("idle "))
    assert row.split()[:4] == ["idle", "cross_arb", "running:flat", "0"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            '[[bots]]\nid = "dca"\nkind = "spread_dca"\nleg_a = "binance:BTC/USDT"\n'
            'leg_b = "binanceusdm:BTC/USDT:USDT"\nbase_qty = -1\nentry = 5.0\n'
            "take_profit = 3.0\nstop = 9.0\n",
            "bot 'dca' (bots[0], spread_dca): base_qty = -1: Input should be greater than 0",
        ),
        (
            '[[bots]]\nid = "g"\nkind = "grid"\n',
            "bot 'g' (bots[0]): kind = 'grid': unknown bot kind; "
            "allowed: cash_carry, cross_arb, spread_dca",
        ),
        (
            '[[bots]]\nid = "c"\nkind = "cash_carry"\nspot = "binance:SOL/USDT"\n'
            'perp = "binanceusdm:BTC/USDT:USDT"\nbase_qty = "0.01"\nentry_bps = 5.0\n'
            "exit_bps = 1.0\n",
            "bot 'c' (bots[0], cash_carry): spot = 'binance:SOL/USDT': not an instrument of "
            "this recording; there are: binance:BTC/USDT",
        ),
        ('[[bots]]\nid = "a"\nkind = \n', "not valid TOML: Invalid value (at line 3, column 8)"),
    ],
    ids=["bad-value", "unknown-kind", "unknown-instrument", "toml-syntax"],
)
def test_a_bad_bots_file_exits_3_naming_bot_key_value_and_what_is_allowed(
    tmp_path: Path, text: str, named: str
) -> None:
    config = tmp_path / "bots.toml"
    config.write_text(text)
    result = replay(str(SAMPLE), "--bots", str(config), "--json", home=tmp_path)
    assert result.returncode == exit_codes.BAD_SETTINGS, result.stderr
    assert named in result.stderr
    assert result.stdout == ""


def test_a_missing_bots_file_exits_3(tmp_path: Path) -> None:
    result = replay(str(SAMPLE), "--bots", str(tmp_path / "none.toml"), home=tmp_path)
    assert result.returncode == exit_codes.BAD_SETTINGS
    assert "none.toml: no such bots file" in result.stderr


def test_a_missing_recording_exits_4(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.csv.gz"
    result = replay(str(missing), "--bots", str(EXAMPLE), "--json", home=tmp_path)
    assert result.returncode == exit_codes.BAD_DATA
    assert f"{missing}: file not found" in result.stderr


def test_a_malformed_recording_exits_4_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv.gz"
    with gzip.open(SAMPLE, "rt") as src:
        head = [next(src) for _ in range(3)]
    bad.write_bytes(gzip.compress(("".join(head) + "not,a,row\n").encode()))
    result = replay(str(bad), "--bots", str(EXAMPLE), home=tmp_path)
    assert result.returncode == exit_codes.BAD_DATA
    assert f"{bad}: line 4" in result.stderr
