"""``arbdesk scan``: the scanners over a snapshot file, in process."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.cli import exit_codes
from app.cli.main import main

TRIANGLE = [
    {
        "venue": "x",
        "symbol": "BTC/USDT",
        "base": "BTC",
        "quote": "USDT",
        "bid": 100.0,
        "ask": 100.0,
        "bid_qty": 0.5,
        "ask_qty": 0.5,
    },
    {
        "venue": "x",
        "symbol": "ETH/USDT",
        "base": "ETH",
        "quote": "USDT",
        "bid": 10.0,
        "ask": 10.0,
        "bid_qty": 3,
        "ask_qty": 3,
    },
    {
        "venue": "x",
        "symbol": "ETH/BTC",
        "base": "ETH",
        "quote": "BTC",
        "bid": 0.11,
        "ask": 0.11,
        "bid_qty": 2,
        "ask_qty": 2,
    },
]


def write(tmp_path: Path, data: Any, name: str = "snap.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=1))
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["scan", *argv, "--json"]) == exit_codes.OK
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_triangular_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(
        capsys, str(write(tmp_path, TRIANGLE)), "--kind", "triangular", "--fee-bps", "10"
    )
    (opp,) = out["opportunities"]
    assert opp["kind"] == "triangular"
    assert opp["edge_bps"] == pytest.approx((0.999**3 * 1.1 - 1) * 10_000)
    assert opp["size_quote"] == "20.02002002"  # money: a decimal string at 8 places
    assert float(Decimal(opp["size_quote"])) == pytest.approx(2 / 0.999 * 10)
    assert [(leg["symbol"], leg["side"]) for leg in opp["legs"]] == [
        ("ETH/USDT", "buy"),
        ("ETH/BTC", "sell"),
        ("BTC/USDT", "sell"),
    ]
    assert set(opp["legs"][0]) >= {"venue", "symbol", "side", "price", "qty"}
    for leg in opp["legs"]:  # an order's price and quantity: decimal strings, plain notation
        assert isinstance(leg["price"], str) and isinstance(leg["qty"], str)
        assert Decimal(leg["price"]) > 0 and Decimal(leg["qty"]) > 0
        assert "E" not in leg["price"] + leg["qty"]
    assert opp["legs"][0]["price"] == "10.0"  # the ask of ETH/USDT, as the snapshot gave it
    assert isinstance(opp["edge_bps"], float)  # a ratio of market data stays a number
    assert out["markets"] == 3
    high = run_json(
        capsys, str(write(tmp_path, TRIANGLE)), "--kind", "triangular", "--min-edge-bps", "1000"
    )
    assert high["opportunities"] == []


def test_cycles_and_cross_and_basis(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write(tmp_path, TRIANGLE))
    assert len(run_json(capsys, path, "--kind", "cycles", "--max-len", "3")["opportunities"]) == 1
    two_venues = [
        {**TRIANGLE[0], "venue": "a", "bid": 99.0, "ask": 100.0},
        {**TRIANGLE[0], "venue": "b", "bid": 101.0, "ask": 102.0},
    ]
    out = run_json(capsys, str(write(tmp_path, two_venues)), "--kind", "cross", "--fee-bps", "5")
    assert [o["legs"][0]["venue"] for o in out["opportunities"]] == ["a"]
    basis = [
        {**TRIANGLE[0], "bid": 99.9, "ask": 100.0},
        {
            **TRIANGLE[0],
            "symbol": "BTC/USDT:USDT-991231",
            "kind": "future",
            "expiry": "2099-12-31",
            "bid": 101.0,
            "ask": 101.1,
        },
        {
            **TRIANGLE[0],
            "symbol": "BTC/USDT:USDT",
            "kind": "perp",
            "funding_rate": 0.0003,
            "bid": 100.5,
            "ask": 100.6,
        },
    ]
    out = run_json(capsys, str(write(tmp_path, basis)), "--kind", "basis", "--fee-bps", "5")
    by_symbol = {o["legs"][1]["symbol"]: o for o in out["opportunities"]}
    assert set(by_symbol) == {"BTC/USDT:USDT-991231", "BTC/USDT:USDT"}
    assert by_symbol["BTC/USDT:USDT"]["funding_rate"] == 0.0003
    assert 0 < by_symbol["BTC/USDT:USDT-991231"]["annualized_bps"] < 10
    assert by_symbol["BTC/USDT:USDT"]["annualized_bps"] is None


def test_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(write(tmp_path, TRIANGLE)), "--kind", "triangular"]) == 0
    text = capsys.readouterr().out
    assert "1 triangular opportunities in 3 markets" in text
    assert "buy x:ETH/USDT@10" in text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[\n {"venue": "x",}\n]', "line 2: not valid JSON"),
        ('{"venue": "x"}', "expected a JSON list of markets"),
        (
            [TRIANGLE[0], {**TRIANGLE[1], "bid": "1"}],
            "market 1: line 12: field 'bid': must be a number",
        ),
        (
            [TRIANGLE[0], {**TRIANGLE[1], "ask": -1}],
            "market 1: line 12: field 'ask': must be finite and > 0",
        ),
        ([{**TRIANGLE[0], "bid_qty": float("nan")}], "field 'bid_qty'"),
        (
            [{k: v for k, v in TRIANGLE[0].items() if k != "quote"}],
            "market 0: line 2: field 'quote': missing",
        ),
        ([{**TRIANGLE[0], "bid_qyt": 1}], "field 'bid_qyt': unknown field"),
        ([{**TRIANGLE[0], "kind": "option"}], "field 'kind': must be one of spot, perp, future"),
        ([{**TRIANGLE[0], "expiry": "soon"}], "field 'expiry'"),
        ([{**TRIANGLE[0], "bid": 101.0}], "field 'bid': bid 101.0 is above ask 100.0"),
        (
            [TRIANGLE[0], TRIANGLE[0]],
            "market 1: line 12: field 'symbol': x BTC/USDT is already market 0",
        ),
        (["BTC"], "market 0: line 2: expected an object"),
    ],
)
def test_bad_files_name_the_market_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, expected: str
) -> None:
    path = write(tmp_path, content)
    assert main(["scan", str(path), "--kind", "cross"]) == exit_codes.BAD_DATA
    err = capsys.readouterr().err
    assert str(path) in err
    assert expected in err


def test_missing_file_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path / "nope.json"), "--kind", "cross"]) == exit_codes.BAD_DATA
    assert "no such file" in capsys.readouterr().err
    for argv in (
        ["--kind", "pairs"],
        ["--kind", "cycles", "--max-len", "9"],
        ["--kind", "cross", "--fee-bps", "x"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(["scan", str(write(tmp_path, TRIANGLE)), *argv])
        assert exc.value.code == exit_codes.USAGE


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """``arbdesk scan FILE | head -1``: the pipe closes under the writer; no BrokenPipe noise."""
    import subprocess
    import sys

    many = [
        {**row, "venue": f"v{i}"} for i in range(3000) for row in TRIANGLE
    ]  # 3,000 venues: far more output than a pipe buffers
    path = write(tmp_path, many)
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli.main", "scan", str(path), "--kind", "triangular"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what ``head -1`` does after its line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert b"triangular opportunities" in first
    assert "Traceback" not in err and "BrokenPipe" not in err
