"""Risk limits edited in place, log and alerts, the bridge under a storm, layout and shortcuts."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QTableWidget
from pytestqt.qtbot import QtBot

from app.core.orders import OrderRequest, Side
from app.core.quotes import Quote
from app.engine.api import OrderRefused
from app.ui.dialogs.help import HelpDialog
from app.ui.models.limits import VALUE_COLUMN
from app.ui.shortcuts import SHORTCUTS

from .conftest import open_desk, open_manual_desk, until


async def edit_limit(qtbot: QtBot, view: object, row: int, text: str) -> None:
    """Open the value cell's editor, type, press Enter: as a trader would. The delegate commits
    on the next turn of the loop, so the loop runs once after."""
    from PySide6.QtWidgets import QTableView

    assert isinstance(view, QTableView)
    index = view.model().index(row, VALUE_COLUMN)
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    await asyncio.sleep(0.05)


async def test_risk_limits_are_edited_in_place_and_invalid_values_refused_visibly(
    qtbot: QtBot,
) -> None:
    async with open_desk() as desk:
        panel = desk.window.risk
        names = panel.limits.all_keys()
        row = names.index("max_order_notional")
        assert panel.limits.index(row, VALUE_COLUMN).data() == "50,000"

        await edit_limit(qtbot, panel.limits_view, row, "-5")
        assert panel.message.isVisible()
        assert panel.message.property("kind") == "error"
        assert "Max order notional" in panel.message.text()
        assert "greater than 0" in panel.message.text()
        assert desk.engine.risk_limits().max_order_notional == Decimal(50_000)
        assert panel.limits.index(row, VALUE_COLUMN).data() == "50,000"

        await edit_limit(qtbot, panel.limits_view, names.index("max_open_orders"), "2.5")
        assert "whole number" in panel.message.text()

        await edit_limit(qtbot, panel.limits_view, row, "20,000")
        assert panel.message.property("kind") == "ok"
        assert desk.engine.risk_limits().max_order_notional == Decimal(20_000)
        assert panel.limits.index(row, VALUE_COLUMN).data() == "20,000"
        # the order ticket's preview now uses the new limit
        ticket = desk.window.ticket
        ticket.quantity.setText("0.3")  # ~27,000 USDT
        qtbot.mouseClick(ticket.touch, Qt.MouseButton.LeftButton)
        failing = [
            ticket.checks.item(i).text()
            for i in range(ticket.checks.count())
            if not ticket.checks.item(i).data(Qt.ItemDataRole.UserRole)
        ]
        assert any("max_order_notional" in text for text in failing)

        # usage and rejection counts
        def gross_used() -> float:
            row = panel.limits.row("max_gross_exposure")
            return (row.used or 0.0) if row is not None else 0.0

        await until(lambda: gross_used() > 0, what="the gross exposure's usage")
        await desk.engine.panic("test")  # nothing open: no rejection, but a state change
        await until(lambda: "HALTED" in panel.state.text(), what="the state in the risk panel")


async def test_log_records_and_alerts_are_shown_filtered_and_notified(qtbot: QtBot) -> None:
    async with open_desk(risk={"halts": {"reject_storm_count": 3}}) as desk:
        panel = desk.window.log_panel
        quote = desk.bridge.latest_quote("sim-a", "BTC/USDT")
        assert quote is not None
        far = Decimal(str(quote.ask)).quantize(Decimal("0.01")) * 2  # outside the price band
        for _ in range(3):  # a storm of rejections: the risk engine halts, with an alert
            with pytest.raises(OrderRefused):
                await desk.engine.submit_manual_order(
                    OrderRequest("sim-a", "BTC/USDT", Side.BUY, Decimal("0.001"), far)
                )
        await until(
            lambda: any(e.alert for e in panel.model.rows()), what="the alert in the log panel"
        )
        title, text = desk.window.notifications[-1]
        assert title == "ArbDesk critical"
        assert text.startswith("risk: automatic halt: rejection storm: 3 rejections")
        panel.alerts.setChecked(True)
        assert panel.proxy.rowCount() == 1
        assert panel.proxy.index(0, 1).data() == "ALERT CRITICAL"
        panel.alerts.setChecked(False)
        panel.filter.setText("automatic halt")
        assert panel.proxy.rowCount() == 1
        panel.filter.setText("")
        logger = logging.getLogger("app.test")
        logger.setLevel(logging.INFO)  # whatever the root's level in this run
        logger.warning("venue sim-b slow to answer")
        await until(
            lambda: any(e.message == "venue sim-b slow to answer" for e in panel.model.rows()),
            what="the log record",
        )
        panel.filter.setText("slow to answer")
        assert panel.proxy.rowCount() == 1
        assert panel.proxy.index(0, 2).data() == "app.test"
        assert panel.proxy.index(0, 1).data() == "WARNING"
        panel.filter.setText("")
        panel.level.setCurrentIndex(3)  # errors only: the critical alert stays, the warning goes
        shown = [panel.proxy.index(r, 3).data() for r in range(panel.proxy.rowCount())]
        assert any("rejection storm" in text for text in shown)
        assert "venue sim-b slow to answer" not in shown


async def test_a_quote_storm_becomes_one_batched_signal_per_flush(qtbot: QtBot) -> None:
    async with open_manual_desk() as (desk, feed):
        bridge = desk.bridge
        batches: list[int] = []
        bridge.quotes.connect(lambda quotes: batches.append(len(quotes)))
        bridge.flush_tables()
        batches.clear()
        last: dict[str, Quote] = {}
        for i in range(20_000):  # pushed between two flushes: nothing else runs meanwhile
            venue = ("sim-a", "sim-b", "sim-c")[i % 3]
            bid = 50_000.0 + i % 7
            last[venue] = feed.push(venue, "BTC/USDT", bid, bid + 1, qty=1.0)
        bridge.flush_tables()
        assert batches == [3]  # 20,000 updates of 3 books: one signal with the 3 latest
        row = desk.window.market.model.row(("sim-c", "BTC/USDT"))
        assert row is not None and row.received_ns == last["sim-c"].received_ns


async def test_layout_and_columns_are_kept_between_runs(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        view = desk.window.market.view
        view.setColumnWidth(1, 211)
        desk.window.docks["risk"].hide()
    async with open_desk() as again:
        assert again.window.market.view.columnWidth(1) == 211
        assert not again.window.docks["risk"].isVisible()
        again.window.reset_layout()
        assert again.window.docks["risk"].isVisible()


async def test_keyboard_shortcuts_are_bound_and_listed(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        dialog = HelpDialog(desk.window)
        qtbot.addWidget(dialog)
        table = dialog.table
        assert isinstance(table, QTableWidget)
        listed = {table.item(r, 0).text() for r in range(table.rowCount())}
        assert listed == {s.keys for s in SHORTCUTS.values()}
        bound = {a.shortcut().toString() for a in desk.window.actions()}
        assert {"Ctrl+Shift+K", "Ctrl+Shift+R", "F1", "Ctrl+Q"} <= bound
        assert desk.window.docks["log"].toggleViewAction().shortcut().toString() == "Ctrl+7"
        assert desk.window.toolbar.isVisible() and not desk.window.toolbar.isMovable()
        assert desk.window.toolbar.mode.text() == "PAPER"
        menus = {a.text(): a.menu() for a in desk.window.menuBar().actions()}
        file_actions = [a.text() for a in menus["&File"].actions()]
        assert "Accounts…" in file_actions  # the credentials helper's dialog, when present
