"""Orders and fills: open orders (cancel from the context menu or with Delete), history, fills.

One model holds every order; the open tab is a filter of it, so an order moves from open to
history by its status alone. The text filter applies to every tab.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.orders import Fill, Order
from app.engine.api import OrderRefused
from app.ui import names
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.models.fills import FillsModel
from app.ui.models.orders import OrdersModel
from app.ui.models.table import SORT_ROLE
from app.ui.widgets import message_label, proxy, show_message, table


class _OpenOnly(QSortFilterProxyModel):
    """Orders that could still trade."""

    def __init__(self, model: OrdersModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._orders = model
        self.setSourceModel(model)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self._orders.row_at(source_row).status.is_open:
            return False
        return super().filterAcceptsRow(source_row, source_parent)


class OrdersPanel(QWidget):
    def __init__(self, controller: Controller, bridge: Bridge) -> None:
        super().__init__()
        self._controller = controller
        self.orders = OrdersModel(controller.decimals)
        self.fills = FillsModel(controller.decimals)
        self.open_proxy = _OpenOnly(self.orders, self)
        self.history_proxy = proxy(self.orders, self)
        self.fills_proxy = proxy(self.fills, self)
        self.open_view = table("openOrdersTable", self.open_proxy, self)
        self.history_view = table("orderHistoryTable", self.history_proxy, self)
        self.fills_view = table("fillsTable", self.fills_proxy, self)
        for view in (self.open_view, self.history_view, self.fills_view):
            view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
            for column, width in enumerate((90, 50, 100, 40, 58, 60, 74, 60, 74, 80, 56)):
                view.setColumnWidth(column, width)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.open_view, self.tr("Open"))
        self.tabs.addTab(self.history_view, self.tr("History"))
        self.tabs.addTab(self.fills_view, self.tr("Fills"))

        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter (venue, instrument, status, id)…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.count = QLabel(self)
        self.count.setObjectName("muted")
        self.cancel_button = QPushButton(self.tr("Cancel selected"), self)
        self.cancel_button.setToolTip(self.tr("Cancel the selected open orders (Delete)"))
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.message = message_label(self)
        self.message.hide()

        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.count)
        bar.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)

        self.cancel_action = QAction(self.tr("Cancel order"), self.open_view)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        self.cancel_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.cancel_action.triggered.connect(self.cancel_selected)
        self.open_view.addAction(self.cancel_action)
        self.open_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.open_view.customContextMenuRequested.connect(self._menu)

        bridge.orders.connect(self.on_orders)
        bridge.fills.connect(self.on_fills)
        self._update_count()

    # -- updates ---------------------------------------------------------------------------------

    def on_orders(self, orders: list[Order]) -> None:
        # the open tab re-filters changed rows itself (dynamic filter): a status change moves
        # an order out of it without re-sorting everything
        self.orders.upsert((o.client_order_id, o) for o in orders)
        self._update_count()

    def on_fills(self, fills: list[Fill]) -> None:
        self.fills.upsert((f.key, f) for f in fills)

    def _filter(self, text: str) -> None:
        for p in (self.open_proxy, self.history_proxy, self.fills_proxy):
            p.setFilterFixedString(text)

    def _update_count(self) -> None:
        n = self.open_proxy.rowCount()
        self.count.setText(self.tr("{n} open").format(n=n))
        self.tabs.setTabText(0, self.tr("Open ({n})").format(n=n))

    # -- cancelling --------------------------------------------------------------------------------

    def selected_open(self) -> list[str]:
        view: QTableView = self.open_view
        rows = {i.row() for i in view.selectionModel().selectedRows()}
        if not rows and view.currentIndex().isValid():
            rows = {view.currentIndex().row()}
        ids = []
        for r in sorted(rows):
            source = self.open_proxy.mapToSource(self.open_proxy.index(r, 0))
            if source.isValid():
                ids.append(self.orders.key_at(source.row()))
        return ids

    def cancel_selected(self) -> None:
        ids = self.selected_open()
        if not ids:
            show_message(self.message, self.tr("Select an open order to cancel."), "error")
            return
        for cid in ids:
            self._controller.spawn(self._cancel(cid), f"cancel {cid}")

    async def _cancel(self, cid: str) -> None:
        try:
            order = await self._controller.cancel(cid)
        except OrderRefused as exc:
            refused = self.tr("Cancel of {order} refused: {error}")
            show_message(self.message, refused.format(order=cid, error=exc), "error")
            return
        except Exception as exc:
            failed = self.tr("Cancel of {order} failed: {error}")
            show_message(self.message, failed.format(order=cid, error=exc), "error")
            raise
        show_message(self.message, f"{cid}: {names.name(order.status.value)}", "ok")

    def context_menu(self, pos: QPoint) -> QMenu | None:
        """The menu for a right click at `pos` in the open-orders view; None off the rows."""
        if not self.open_view.indexAt(pos).isValid():
            return None
        menu = QMenu(self)
        menu.addAction(self.cancel_action)
        return menu

    def _menu(self, pos: QPoint) -> None:
        menu = self.context_menu(pos)
        if menu is not None:
            menu.popup(self.open_view.viewport().mapToGlobal(pos))
