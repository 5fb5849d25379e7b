"""The manual ticket sends through risk and shows its checks; orders cancel from the table."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from app.core.orders import OrderStatus, Side
from app.ui.panels.ticket import OrderTicketPanel
from app.ui.ticket_form import TicketType

from .conftest import open_desk, resting_order, status_of, until


def fill_ticket(
    qtbot: QtBot, ticket: OrderTicketPanel, *, qty: str, kind: TicketType, side: Side
) -> None:
    ticket.venue.setCurrentText("sim-a")
    ticket.symbol.setCurrentText("BTC/USDT")
    ticket.kind.setCurrentIndex(ticket.kind.findData(kind.value))
    qtbot.mouseClick(ticket.buy if side is Side.BUY else ticket.sell, Qt.MouseButton.LeftButton)
    ticket.quantity.clear()
    qtbot.keyClicks(ticket.quantity, qty)


def checks(ticket: OrderTicketPanel) -> dict[str, bool]:
    out = {}
    for i in range(ticket.checks.count()):
        item = ticket.checks.item(i)
        rule = item.text().split("  ", 1)[1].split(" — ", 1)[0]
        out[rule] = bool(item.data(Qt.ItemDataRole.UserRole))
    return out


async def test_a_limit_order_from_the_ticket_shows_its_checks_and_rests(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        ticket = desk.window.ticket
        fill_ticket(qtbot, ticket, qty="0.002", kind=TicketType.LIMIT, side=Side.BUY)
        qtbot.mouseClick(ticket.touch, Qt.MouseButton.LeftButton)  # price at the best bid
        assert ticket.price.text()
        verdicts = checks(ticket)
        assert verdicts and all(verdicts.values()), verdicts
        assert "max_order_notional" in verdicts
        assert ticket.send.text() == "Buy BTC/USDT on sim-a"

        qtbot.mouseClick(ticket.send, Qt.MouseButton.LeftButton)

        await until(
            lambda: desk.window.orders.orders.rowCount() == 1, what="the order in the table"
        )
        order = desk.window.orders.orders.row_at(0)
        assert order.origin == "manual" and order.side is Side.BUY
        assert str(order.quantity) == "0.002"
        await until(lambda: order.client_order_id in ticket.message.text(), what="the verdict")
        assert ticket.message.isVisible()
        assert status_of(desk, order.client_order_id) in (
            OrderStatus.OPEN,
            OrderStatus.FILLED,
            OrderStatus.PARTIALLY_FILLED,
        )


async def test_a_market_order_fills_and_appears_in_the_fills_tab(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        ticket = desk.window.ticket
        fill_ticket(qtbot, ticket, qty="0.001", kind=TicketType.MARKET, side=Side.SELL)
        assert not ticket.price.isEnabled()
        qtbot.keyClick(ticket.quantity, Qt.Key.Key_Return)  # Return sends
        await until(lambda: desk.window.orders.fills.rowCount() >= 1, what="a fill")
        fill = desk.window.orders.fills.row_at(0)
        assert fill.side is Side.SELL and fill.symbol == "BTC/USDT"
        assert "FILLED" in ticket.message.text()


async def test_invalid_ticket_input_is_refused_with_a_visible_message(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        ticket = desk.window.ticket
        fill_ticket(qtbot, ticket, qty="abc", kind=TicketType.LIMIT, side=Side.BUY)
        qtbot.mouseClick(ticket.send, Qt.MouseButton.LeftButton)
        assert ticket.message.isVisible()
        assert "Quantity: not a number" in ticket.message.text()
        assert ticket.message.property("kind") == "error"

        ticket.quantity.setText("0.001")
        ticket.price.setText("-5")
        qtbot.mouseClick(ticket.send, Qt.MouseButton.LeftButton)
        assert "Price: must be greater than 0" in ticket.message.text()

        ticket.price.setText("90000.005")
        qtbot.mouseClick(ticket.send, Qt.MouseButton.LeftButton)
        assert "Price: must be a multiple of 0.01" in ticket.message.text()
        assert desk.engine.orders() == ()


async def test_an_order_risk_would_refuse_shows_the_failing_rule_and_is_refused(
    qtbot: QtBot,
) -> None:
    async with open_desk() as desk:
        ticket = desk.window.ticket
        fill_ticket(qtbot, ticket, qty="5", kind=TicketType.LIMIT, side=Side.BUY)
        qtbot.mouseClick(ticket.touch, Qt.MouseButton.LeftButton)
        verdicts = checks(ticket)
        assert verdicts["max_order_notional"] is False  # 5 BTC is ~450,000 USDT
        qtbot.mouseClick(ticket.send, Qt.MouseButton.LeftButton)
        await until(lambda: "Refused by risk" in ticket.message.text(), what="the refusal")
        assert "max_order_notional" in ticket.message.text()
        assert desk.engine.orders() == ()


async def test_cancelling_an_order_from_the_table_with_delete_and_the_menu(qtbot: QtBot) -> None:
    async with open_desk() as desk:
        first = await resting_order(desk, Side.BUY, "0.02")
        second = await resting_order(desk, Side.BUY, "0.025")
        panel = desk.window.orders
        view = panel.open_view
        await until(lambda: panel.open_proxy.rowCount() == 2, what="two open orders")

        row = next(
            r
            for r in range(panel.open_proxy.rowCount())
            if panel.open_proxy.index(r, 11).data() == first.client_order_id
        )
        view.selectRow(row)
        view.setFocus()
        qtbot.keyClick(view, Qt.Key.Key_Delete)
        await until(
            lambda: status_of(desk, first.client_order_id) is OrderStatus.CANCELED,
            what="the cancel",
        )
        await until(lambda: panel.open_proxy.rowCount() == 1, what="one open order left")

        # the context menu offers the same action on the remaining order
        # (built, not popped up: a real popup runs its own modal loop inside the qasync loop)
        view.selectRow(0)
        rect = view.visualRect(panel.open_proxy.index(0, 1))
        assert panel.context_menu(QPoint(rect.center().x(), view.viewport().height() + 50)) is None
        menu = panel.context_menu(rect.center())
        assert menu is not None
        assert [a.text() for a in menu.actions()] == ["Cancel order"]
        menu.actions()[0].trigger()
        await until(
            lambda: status_of(desk, second.client_order_id) is OrderStatus.CANCELED,
            what="the second cancel",
        )
        await until(lambda: panel.open_proxy.rowCount() == 0, what="no open order")
        assert panel.history_proxy.rowCount() == 2
