"""The window's pure pieces: formats, ring buffers, spread maths, ticket parsing, table models."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.instruments import Instrument
from app.core.orders import OrderType, Side, TimeInForce
from app.core.quotes import Quote
from app.engine.api import EngineSnapshot, LoopLag, TaskHealth
from app.ui import bridge as bridge_module
from app.ui import format as fmt
from app.ui.models.limits import LimitRow, LimitsModel, parse_value
from app.ui.models.table import Column, KeyedTableModel
from app.ui.panels.equity_chart import DAY_S, bar_steps, daily_pnl
from app.ui.ring_buffer import RingBuffer
from app.ui.spread_series import Pair, SpreadSeries, spread_point
from app.ui.ticket_form import TicketError, TicketInput, TicketType, build_request
from app.ui.toolbar import StatusToolbar

BTC = Instrument("sim-a", "BTC/USDT", "BTC", "USDT", min_qty=Decimal("0.00001"))


def test_numbers_have_fixed_decimals_separators_and_signs() -> None:
    assert fmt.num(1234567.891, 2) == "1,234,567.89"
    assert fmt.num(Decimal("0.5"), 5) == "0.50000"
    assert fmt.signed(-12.5, 1) == "-12.5"
    assert fmt.signed(3, 2) == "+3.00"
    assert fmt.num(None) == fmt.num(float("nan")) == "—"
    assert fmt.decimals_of(Decimal("0.00001")) == 5
    assert fmt.decimals_of(Decimal("1")) == 0
    assert fmt.pnl_color(Decimal(1)) == fmt.GREEN and fmt.pnl_color(-1.0) == fmt.RED
    assert fmt.pnl_color(0) is None
    assert fmt.age(250) == "250 ms" and fmt.age(2_500) == "2.5 s"


def test_ring_buffer_keeps_the_newest_as_one_contiguous_view() -> None:
    ring = RingBuffer(4, 2)
    ring.extend(np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]))
    ring.extend(np.array([[4.0, 40.0], [5.0, 50.0]]))
    assert ring.column(0).tolist() == [2.0, 3.0, 4.0, 5.0]
    assert ring.column(1).flags["C_CONTIGUOUS"] or ring.column(1).base is not None
    ring.extend(np.array([[float(i), 0.0] for i in range(6, 16)]))
    assert ring.column(0).tolist() == [12.0, 13.0, 14.0, 15.0]
    assert len(ring) == 4 and ring.last(0) == 15.0


def test_a_million_points_fit_without_growing() -> None:
    ring = RingBuffer(1_000_000, 4)
    before = ring.nbytes
    for start in range(0, 1_500_000, 100_000):
        rows = np.arange(start, start + 100_000, dtype=np.float64)
        ring.extend(np.stack([rows, rows, rows, rows], axis=1))
    assert len(ring) == 1_000_000 and ring.nbytes == before
    t = ring.column(0)
    assert t[0] == 500_000 and t[-1] == 1_499_999 and bool((np.diff(t) > 0).all())


def test_spread_points_band_and_history_merge() -> None:
    a = Quote("a", "X", 100.0, 1, 100.2, 1, 1_000_000_000)
    b = Quote("b", "X", 100.3, 1, 100.5, 1, 2_000_000_000)
    t, mid, low, high = spread_point(a, b, 2.0) or (0, 0, 0, 0)
    assert t == 2.0
    assert low < mid < high
    assert mid == pytest.approx((100.4 / 100.1 - 1) * 1e4)
    assert low == pytest.approx((100.3 / 100.2 - 1) * 1e4)  # sell B at its bid, buy A at ask

    series = SpreadSeries(capacity=100)
    series.reset(Pair(("a", "X"), ("b", "X")))
    assert series.add_quotes([a]) == 0  # one leg alone is no spread
    assert series.add_quotes([b, Quote("c", "X", 1, 1, 2, 1, 3)]) == 1
    old_a = Quote("a", "X", 99.0, 1, 99.2, 1, 500_000_000)
    old_b = Quote("b", "X", 99.5, 1, 99.7, 1, 600_000_000)
    assert series.add_history([old_a], [old_b]) == 1
    assert series.column(0).tolist() == [0.6, 2.0]  # history first, then live


def test_daily_pnl_and_its_bars() -> None:
    t = np.array([0.0, 3600.0, DAY_S + 10, DAY_S + 20, 3 * DAY_S])
    equity = np.array([100.0, 110.0, 105.0, 120.0, 90.0])
    days, pnl = daily_pnl(t, equity)
    assert days.tolist() == [0.0, DAY_S, 3 * DAY_S]
    assert pnl.tolist() == [10.0, 10.0, -30.0]
    edges, values = bar_steps(days, pnl)
    assert len(edges) == len(values) + 1 == 6
    assert values.tolist() == [10.0, 0.0, 10.0, 0.0, -30.0]


def test_ticket_input_becomes_a_request_or_names_the_bad_field() -> None:
    form = TicketInput("sim-a", "BTC/USDT", Side.BUY, TicketType.IOC, "0.0100", "90,000.10")
    request = build_request(form, BTC)
    assert request.type is OrderType.LIMIT and request.time_in_force is TimeInForce.IOC
    assert request.price == Decimal("90000.10") and request.quantity == Decimal("0.0100")
    market = build_request(
        TicketInput("sim-a", "BTC/USDT", Side.SELL, TicketType.MARKET, "1", ""), BTC
    )
    assert market.type is OrderType.MARKET and market.price is None
    for qty, price, message in (
        ("", "1", "Quantity: required"),
        ("0", "1", "Quantity: must be greater than 0"),
        ("0.000001", "1", "Quantity: must be a multiple of 0.00001"),
        ("1", "x", "Price: not a number"),
        ("1", "nan", "Price: must be a finite number"),
    ):
        with pytest.raises(TicketError, match=message):
            build_request(
                TicketInput("sim-a", "BTC/USDT", Side.BUY, TicketType.LIMIT, qty, price), BTC
            )
    with pytest.raises(TicketError, match="Instrument"):
        build_request(form, None)
    assert parse_value(" 50,000 ") == Decimal(50000)
    with pytest.raises(ValueError, match="not a number"):
        parse_value("5k")


def test_table_model_signals_changed_rows_only(qtbot: QtBot) -> None:
    model: KeyedTableModel[str, int] = KeyedTableModel(
        [Column("Key", str), Column("Value", lambda v: f"{v:,}", lambda v: v, numeric=True)]
    )
    model.upsert((k, i) for i, k in enumerate("abcdefgh"))
    changed: list[tuple[int, int]] = []
    inserted: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda tl, br, _r: changed.append((tl.row(), br.row())))
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.upsert([("b", 10), ("c", 11), ("g", 12), ("z", 13), ("z", 14)])
    assert changed == [(1, 2), (6, 6)]  # adjacent rows in one signal
    assert inserted == [(8, 8)]  # a key new twice in one batch is one row
    assert model.row("z") == 14 and model.rowCount() == 9
    model.remove(["a", "z"])
    assert model.all_keys() == list("bcdefgh") and model.row("b") == 10


def test_table_model_can_leave_equal_rows_alone(qtbot: QtBot) -> None:
    """Rows re-sent whole at every snapshot (limits, positions): equal ones are not repainted."""
    model: KeyedTableModel[str, int] = KeyedTableModel(
        [Column("Key", str), Column("Value", lambda v: f"{v:,}")], skip_unchanged=True
    )
    model.upsert((k, i) for i, k in enumerate("abcd"))
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda tl, br, _r: changed.append((tl.row(), br.row())))
    model.upsert([("a", 0), ("b", 1), ("c", 20), ("d", 3)])
    assert changed == [(2, 2)]
    assert model.index(2, 1).data() == "20"


def test_table_model_answers_only_the_roles_it_uses(qtbot: QtBot) -> None:
    model: KeyedTableModel[str, int] = KeyedTableModel(
        [Column("Value", lambda v: f"{v:,}", lambda v: v, lambda v: fmt.GREEN, numeric=True)]
    )
    model.upsert([("a", 1234)])
    index = model.index(0, 0)
    assert index.data() == "1,234"
    assert index.data(Qt.ItemDataRole.ForegroundRole) == fmt.GREEN
    assert index.data(int(Qt.ItemDataRole.ForegroundRole)) == fmt.GREEN  # as Qt asks: an int
    assert index.data(Qt.ItemDataRole.UserRole) == 1234  # the sort role
    assert index.data(Qt.ItemDataRole.UserRole + 1) == "a"  # the key
    for role in (
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ToolTipRole,
    ):
        assert index.data(role) is None


def test_the_bridge_flushes_take_turns_one_per_frame() -> None:
    """Charts ~15 Hz, tables ~10 Hz, snapshots ~2 Hz on one frame clock, never two flushes in
    the same frame: their repaints would otherwise land in one long paint of the window."""
    second = round(1000 / bridge_module.FRAME_MS)
    due = [bridge_module.flush_due(frame) for frame in range(10 * second)]
    counts = {name: due.count(name) / 10 for name in ("charts", "tables", "snapshot")}
    assert 14 <= counts["charts"] <= 15.5
    assert 9.5 <= counts["tables"] <= 10.5
    assert 1.9 <= counts["snapshot"] <= 2.1
    assert bridge_module.CHART_HZ > 14 and bridge_module.TABLE_HZ > 9.5


def test_labels_that_change_twice_a_second_have_a_fixed_size(qtbot: QtBot) -> None:
    """A label of fixed size does not make the main window lay out its docks again."""
    bar = StatusToolbar("paper", ["sim-a"])
    qtbot.addWidget(bar)
    lag = bar.lag
    assert lag.minimumSize() == lag.maximumSize()
    size = lag.size()
    lag.setText("lag 1,234.5 ms")
    assert lag.size() == size
    assert lag.fontMetrics().horizontalAdvance(lag.text()) < size.width()


def test_limit_usage_shows_counts_whole_and_amounts_with_decimals(qtbot: QtBot) -> None:
    model = LimitsModel(lambda name, value: None)
    usage = next(c for c in model.columns if c.title == "Usage")
    assert usage.text(LimitRow("max_open_orders", 500, used=3.0)) == "3  (1%)"
    assert usage.text(LimitRow("max_quote_age_ms", 3000, used=2.5)) == "2.50  (0%)"
    assert usage.text(LimitRow("max_gross_exposure", Decimal(1_000_000), used=360_702.4)) == (
        "360,702  (36%)"
    )
    assert usage.text(LimitRow("price_band_bps", 300, note="per order")) == "per order"


def test_the_status_bar_shows_supervised_task_health(qtbot: QtBot) -> None:
    bar = StatusToolbar("paper", ["sim-a"])
    qtbot.addWidget(bar)
    healthy = TaskHealth("feed", "running", False)
    failed = TaskHealth(
        "timer:halts", "failed", True, failures=1, last_error="KeyError: 'x'",
        last_trace_id="task:timer:halts",
    )  # fmt: skip
    snap = EngineSnapshot("paper", True, (), (), (), None, (), LoopLag(1.0, 2.0, 3.0, 10), ())
    bar.set_snapshot(replace(snap, tasks=(healthy,)))
    assert "⚠" not in bar.lag.text()
    assert "feed: running" in bar.lag.toolTip()
    bar.set_snapshot(replace(snap, tasks=(healthy, failed)))
    assert bar.lag.text().endswith("⚠ 1")
    assert "timer:halts: failed, last error KeyError: 'x' [task:timer:halts]" in bar.lag.toolTip()
