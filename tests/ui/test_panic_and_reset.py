"""The panic button halts, cancels everything and shows the report; leaving HALTED asks first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.orders import OrderStatus, Side
from app.core.trading_state import TradingState

from .conftest import open_desk, resting_order, status_of, until


async def test_panic_button_halts_cancels_everything_and_shows_the_report(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        first = await resting_order(desk, Side.BUY, "0.02")
        second = await resting_order(desk, Side.SELL, "0.025")
        await until(lambda: desk.window.orders.open_proxy.rowCount() == 2, what="two open orders")
        assert len(desk.engine.open_orders()) == 2

        qtbot.mouseClick(
            desk.window.toolbar.panic, Qt.MouseButton.LeftButton
        )  # one click, no dialog

        await until(lambda: desk.window.panic_dialog is not None, what="the panic report")
        dialog = desk.window.panic_dialog
        assert dialog is not None and dialog.isVisible()
        assert desk.engine.trading_state is TradingState.HALTED
        assert desk.engine.open_orders() == []
        for order in (first, second):
            assert status_of(desk, order.client_order_id) is OrderStatus.CANCELED
        assert "2 orders canceled" in dialog.headline.text()
        assert "Everything canceled" in dialog.headline.text()
        assert "sim-a: 2 canceled, clean" in dialog.details.toPlainText()
        await until(lambda: desk.window.toolbar.state.text() == "HALTED", what="HALTED shown")
        assert desk.window.toolbar.resume.isVisible()
        await until(lambda: desk.window.orders.open_proxy.rowCount() == 0, what="open tab emptied")


async def test_panic_from_the_tray_menu_and_the_shortcut(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        assert desk.window.tray_panic in desk.window.tray_menu.actions()
        assert desk.window.panic_action.shortcut().toString() == "Ctrl+Shift+K"
        desk.window.tray_panic.trigger()
        await until(lambda: desk.window.panic_dialog is not None, what="the panic report")
        assert desk.engine.trading_state is TradingState.HALTED


async def test_leaving_halted_asks_first_and_says_what_will_happen(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        await desk.engine.panic("test", actor="test")
        await until(lambda: desk.window.toolbar.resume.isVisible(), what="the resume button")

        qtbot.mouseClick(desk.window.toolbar.resume, Qt.MouseButton.LeftButton)
        dialog = desk.window.reset_dialog
        assert dialog is not None and dialog.isVisible()
        text = dialog.text.text()
        assert "reconcile with every venue" in text
        assert "ACTIVE" in text and "not restart any bot" in text
        qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)  # "Stay halted"
        assert not dialog.isVisible()
        assert desk.engine.trading_state is TradingState.HALTED

        qtbot.mouseClick(desk.window.toolbar.resume, Qt.MouseButton.LeftButton)
        dialog = desk.window.reset_dialog
        assert dialog is not None
        qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
        await until(lambda: dialog.report is not None, what="the reconciliation")
        assert dialog.report is not None and dialog.report.ok
        assert "trading is ACTIVE" in dialog.message.text()
        assert desk.engine.trading_state is TradingState.ACTIVE
        await until(lambda: desk.window.toolbar.state.text() == "ACTIVE", what="ACTIVE shown")
        assert not desk.window.toolbar.resume.isVisible()
