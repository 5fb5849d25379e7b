"""What the shell commands print and which exit code they return, from given results."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.cli import exit_codes, panic, status


def report(**venue: Any) -> dict[str, Any]:
    sim_a = {
        "clean": True,
        "canceled": 2,
        "remaining_orders": [],
        "closed_positions": [],
        "remaining_positions": [],
        "errors": [],
        **venue,
    }
    sim_a["clean"] = not sim_a["remaining_orders"] and not sim_a["remaining_positions"]
    return {
        "source": "offline",
        "clean": sim_a["clean"],
        "reason": "drill",
        "actor": "cli",
        "flatten": True,
        "elapsed_ms": 12.0,
        "bots_stopped": 0,
        "canceled": 2,
        "venues": {"sim-a": sim_a},
        "trading_state": "HALTED",
        "notes": [],
    }


def test_a_clean_panic_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert panic.print_report(report(), as_json=False) == exit_codes.CLEAN
    out = capsys.readouterr().out
    assert "sim-a: 2 canceled, clean" in out and "nothing is left open" in out


def test_what_remains_is_listed_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    left = report(
        remaining_orders=["c-7"],
        remaining_positions=["BTC/USDT:USDT 0.5"],
        errors=["flatten BTC/USDT:USDT: no quote"],
    )
    left["notes"] = ["no quote for sim-a BTC/USDT:USDT within 5 s"]
    assert panic.print_report(left, as_json=False) == exit_codes.NOT_CLEAN
    out = capsys.readouterr().out
    assert "NOT CLEAN" in out and "still open: c-7" in out
    assert "positions left: BTC/USDT:USDT 0.5" in out and "errors: flatten" in out
    assert "note: no quote for sim-a" in out
    assert panic.print_report(left, as_json=True) == exit_codes.NOT_CLEAN
    assert json.loads(capsys.readouterr().out)["venues"]["sim-a"]["remaining_orders"] == ["c-7"]


def test_status_text_names_its_source() -> None:
    shown = status.format_status(
        {
            "source": "store",
            "no_instance": "no endpoint file",
            "mode": "paper",
            "trading_state": "HALTED",
            "reason": "panic: drill",
            "open_orders": {
                "sim-b": [
                    {
                        "client_order_id": "c-1",
                        "symbol": "BTC/USDT",
                        "side": "buy",
                        "type": "limit",
                        "quantity": "0.01",
                        "price": "42000",
                        "filled_qty": "0",
                        "status": "OPEN",
                    }
                ]
            },
            "positions": [{"venue": "sim-a", "symbol": "BTC/USDT:USDT", "qty": "0.1",
                           "avg_entry": "50000"}],
        }
    )  # fmt: skip
    assert "source: the store: no running instance (no endpoint file)" in shown
    assert "trading state: HALTED (panic: drill)" in shown
    assert "c-1 buy limit 0.01 BTC/USDT @ 42000 OPEN" in shown
    assert "sim-a BTC/USDT:USDT 0.1 @ 50000" in shown
