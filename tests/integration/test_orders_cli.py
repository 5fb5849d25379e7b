"""``arbdesk orders show`` as a user runs it, on a store seeded with one order's whole history."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.cli import exit_codes
from app.cli.main import main
from app.core.orders import Fill, Liquidity, Order, OrderEvent, OrderStatus, OrderType, Side
from app.store import repositories as repo
from app.store.engine import sqlite_url
from app.store.store import Store

REPO = Path(__file__).resolve().parents[2]
D = Decimal
S = OrderStatus
T0 = 1_764_748_800_000_000_000  # 2025-12-03T08:00:00Z
ALL = "0.300000000000000000000000001"  # more digits than a float keeps

ORDER = Order(
    client_order_id="ad-1-7",
    venue="sim-a",
    symbol="BTC/USDT",
    side=Side.BUY,
    type=OrderType.LIMIT,
    quantity=D(ALL),
    price=D("65000.10"),
    origin="bot:3",
    status=S.FILLED,
    filled_qty=D(ALL),
    avg_fill_price=D("65000.10"),
    venue_order_id="77",
    reason=None,
    created_ns=T0,
    updated_ns=T0 + 3_000_000,
    trace_id="tr-42",
)
EVENTS = [
    OrderEvent("ad-1-7", T0, "bot:3", "submit", S.PENDING_SUBMIT, D("0")),
    OrderEvent("ad-1-7", T0 + 1_000_000, "venue", "venue_update", S.OPEN, D("0"), "accepted"),
    OrderEvent("ad-1-7", T0 + 2_000_000, "venue", "fill", S.PARTIALLY_FILLED, D("0.10"), "t-1"),
    OrderEvent("ad-1-7", T0 + 3_000_000, "venue", "fill", S.FILLED, D(ALL), "t-2"),
]
FILLS = [
    Fill(
        "sim-a", "t-1", "ad-1-7", "BTC/USDT", Side.BUY, D("65000.10"), D("0.10"), D("0.0001"),
        "BTC", Liquidity.MAKER, T0 + 2_000_000, "77",
    ),
    Fill(
        "sim-a", "t-2", "ad-1-7", "BTC/USDT", Side.BUY, D("65000.10"),
        D("0.200000000000000000000000001"), D("1.30"), "USDT", Liquidity.TAKER, T0 + 3_000_000,
        "77",
    ),
]  # fmt: skip
OTHER = Order(
    client_order_id="ad-1-8",
    venue="sim-b",
    symbol="ETH/USDT",
    side=Side.SELL,
    type=OrderType.MARKET,
    quantity=D("1"),
    price=None,
    status=S.REJECTED,
    reason="insufficient funds",
    created_ns=T0,
    updated_ns=T0,
)


def _seed(conn: Any) -> None:
    repo.journal_order(conn, ORDER, EVENTS[0])
    repo.save_order_events(conn, EVENTS[1:])
    for fill in FILLS:
        repo.save_fill(conn, fill)
    repo.journal_order(
        conn, OTHER, OrderEvent("ad-1-8", T0, "manual", "submit", S.REJECTED, D(0), "no funds")
    )


async def _seed_store(url: str) -> None:
    store = Store(url)
    await store.open()
    try:
        await store.run(_seed)
    finally:
        await store.close()


@pytest.fixture
def seeded(arbdesk_home: Path) -> Path:
    """The engine's database in the ArbDesk home, holding two orders and their histories."""
    path = arbdesk_home / "data" / "arbdesk.sqlite"
    asyncio.run(_seed_store(sqlite_url(path)))
    return path


def show(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["orders", "show", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_order_its_events_in_order_and_its_fills(
    seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = show(capsys, "ad-1-7", "--json")
    assert code == exit_codes.OK, err
    data = json.loads(out)
    order = data["order"]
    assert order["client_order_id"] == "ad-1-7"
    assert (order["venue"], order["symbol"], order["side"], order["type"]) == (
        "sim-a",
        "BTC/USDT",
        "buy",
        "limit",
    )
    assert (order["origin"], order["trace_id"], order["reason"]) == ("bot:3", "tr-42", None)
    assert order["status"] == "FILLED"
    # money is a decimal string, every digit kept
    assert order["quantity"] == order["filled_qty"] == ALL
    assert order["price"] == order["avg_fill_price"] == "65000.10"
    assert [(e["actor"], e["action"], e["status"], e["detail"]) for e in data["events"]] == [
        ("bot:3", "submit", "PENDING_SUBMIT", ""),
        ("venue", "venue_update", "OPEN", "accepted"),
        ("venue", "fill", "PARTIALLY_FILLED", "t-1"),
        ("venue", "fill", "FILLED", "t-2"),
    ]
    assert [e["filled_qty"] for e in data["events"]] == ["0", "0", "0.10", ALL]
    assert [e["ts_ns"] for e in data["events"]] == [e.ts_ns for e in EVENTS]
    fills = [
        (f["trade_id"], f["qty"], f["price"], f["fee"], f["fee_currency"]) for f in data["fills"]
    ]
    assert fills == [
        ("t-1", "0.10", "65000.10", "0.0001", "BTC"),
        ("t-2", "0.200000000000000000000000001", "65000.10", "1.30", "USDT"),
    ]
    money = [order[k] for k in ("quantity", "price", "filled_qty", "avg_fill_price")]
    money += [e["filled_qty"] for e in data["events"]]
    money += [f[k] for f in data["fills"] for k in ("qty", "price", "fee")]
    assert all(isinstance(m, str) for m in money)


def test_text_lists_the_order_events_and_fills(
    seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = show(capsys, "ad-1-7")
    assert code == exit_codes.OK
    lines = out.splitlines()
    assert lines[0] == "order ad-1-7"
    assert "  venue: sim-a  symbol: BTC/USDT" in lines
    assert "  origin: bot:3  trace id: tr-42" in lines
    assert "status: FILLED" in out and "avg price: 65000.10" in out
    events = lines[lines.index("events: 4") + 2 : lines.index("fills: 2")]
    assert [line.split()[1:4] for line in events] == [
        ["bot:3", "submit", "PENDING_SUBMIT"],
        ["venue", "venue_update", "OPEN"],
        ["venue", "fill", "PARTIALLY_FILLED"],
        ["venue", "fill", "FILLED"],
    ]
    assert events[0].split()[0] == "2025-12-03T08:00:00.000000Z"
    fills = lines[lines.index("fills: 2") + 2 :]
    second = ["t-2", "0.200000000000000000000000001", "65000.10", "1.30", "USDT"]
    assert fills[1].split()[:5] == second


def test_a_market_order_without_fills(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = show(capsys, "ad-1-8")
    assert code == exit_codes.OK
    assert "sell market GTC 1 @ market" in out
    assert "reason: insufficient funds" in out and "fills: 0" in out
    data = json.loads(show(capsys, "ad-1-8", "--json")[1])
    assert data["order"]["price"] is None and data["fills"] == []
    assert [e["detail"] for e in data["events"]] == ["no funds"]


def test_no_such_order_exits_1(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = show(capsys, "ad-9-9")
    assert code == exit_codes.NO_SUCH_ORDER == 1
    assert out == "" and "no order 'ad-9-9'" in err


def test_no_database_exits_2_and_creates_none(
    arbdesk_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = show(capsys, "ad-1-7", "--json")
    assert code == exit_codes.COULD_NOT_RUN == 2
    assert out == "" and "no database" in err
    assert not (arbdesk_home / "data" / "arbdesk.sqlite").exists()


def test_settings_file_chooses_the_store(
    seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(f'[store]\nurl = "{sqlite_url(tmp_path / "empty.sqlite")}"\n')
    assert show(capsys, "ad-1-7", "--settings", str(elsewhere))[0] == exit_codes.NO_SUCH_ORDER
    bad = tmp_path / "bad.toml"
    bad.write_text("[market]\nspeed = -1\n")
    code, _, err = show(capsys, "ad-1-7", "--settings", str(bad))
    assert code == exit_codes.COULD_NOT_RUN and "market.speed" in err


def test_the_console_command(seeded: Path, arbdesk_home: Path) -> None:
    """As a user runs it: ``python -m app orders show ... --json`` in a shell."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    result = subprocess.run(
        [sys.executable, "-m", "app", "orders", "show", "ad-1-7", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ARBDESK_HOME": str(arbdesk_home), "PYTHONPATH": path},
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == exit_codes.OK, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["order"]["filled_qty"] == ALL
    assert len(data["events"]) == 4 and len(data["fills"]) == 2
