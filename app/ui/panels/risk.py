"""Risk: limits editable in place (validated by the engine), their usage, rejections per rule."""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QSplitter, QVBoxLayout, QWidget

from app.core.money import to_float
from app.core.orders import Order
from app.core.trading_state import TradingState
from app.engine.api import EngineSnapshot
from app.ui import names
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.models.limits import LimitRow, LimitsModel
from app.ui.models.rejections import RejectionsModel
from app.ui.risk_usage import usage
from app.ui.widgets import message_label, show_message, table


class RiskPanel(QWidget):
    def __init__(self, controller: Controller, bridge: Bridge) -> None:
        super().__init__()
        self._controller = controller
        self._snapshot: EngineSnapshot | None = None
        self._open: dict[str, Order] = {}
        self._order_times: deque[int] = deque(maxlen=2_000)
        self.state = QLabel(self)
        self.state.setObjectName("riskState")
        self.state.setWordWrap(True)
        self.limits = LimitsModel(self._apply)
        self.limits_view = table("riskLimitsTable", self.limits, self)
        self.limits_view.setSortingEnabled(False)
        self.limits_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.limits_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for column, width in enumerate((190, 90, 44)):
            self.limits_view.setColumnWidth(column, width)
        self.message = message_label(self)
        self.message.hide()
        self.rejections = RejectionsModel()
        self.rejections_view = table("riskRejectionsTable", self.rejections, self)
        self.rejections_view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.rejections_view.setColumnWidth(0, 220)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setObjectName("riskSplit")
        split.addWidget(self.limits_view)
        split.addWidget(self.rejections_view)
        split.setSizes([230, 90])
        self.rejections_view.setMinimumHeight(64)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.state)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        self.limits.refused.connect(lambda text: show_message(self.message, text, "error"))
        self.limits.accepted.connect(lambda text: show_message(self.message, text, "ok"))
        bridge.snapshot.connect(self.on_snapshot)
        bridge.orders.connect(self.on_orders)
        bridge.trading_state.connect(self.on_state)
        self.reload()

    def reload(self) -> None:
        """Limits as the engine has them now, with their usage; rejection counts."""
        limits = self._controller.limits().model_dump()
        used = usage(
            self._snapshot,
            list(self._open.values()),
            self._order_times,
            self._controller.now_ns(),
        )
        self.limits.upsert(
            (name, LimitRow(name, value, *used.get(name, (None, ""))))
            for name, value in limits.items()
        )
        counts = self._controller.rejections()
        self.rejections.upsert((rule, (rule, n)) for rule, n in sorted(counts.items()))

    def _apply(self, name: str, value: Decimal) -> None:
        current = getattr(self._controller.limits(), name)
        typed: Any = value
        if isinstance(current, bool):
            raise ValueError(self.tr("not a number"))
        if isinstance(current, int):
            if value != value.to_integral_value():
                raise ValueError(self.tr("must be a whole number, got {value}").format(value=value))
            typed = int(value)
        elif isinstance(current, float):
            typed = to_float(value)
        self._controller.update_limits(**{name: typed})

    def on_snapshot(self, snap: EngineSnapshot) -> None:
        self._snapshot = snap
        if self.limits_view.state() != QAbstractItemView.State.EditingState:
            self.reload()

    def on_orders(self, orders: list[Order]) -> None:
        for order in orders:
            if order.client_order_id not in self._open and order.status.is_open:
                self._order_times.append(order.created_ns)
            if order.status.is_open:
                self._open[order.client_order_id] = order
            else:
                self._open.pop(order.client_order_id, None)

    def on_state(self, state: TradingState, reason: str) -> None:
        text = self.tr("Trading {state}").format(state=f"<b>{names.name(state.value)}</b>")
        if reason:
            text += f" — {reason}"
        self.state.setText(text)
