"""The manual order ticket: limit, market and IOC; shows every risk check before sending.

The checks are the engine's own (``preview_order``: nothing sent, nothing counted), re-run when
the input changes and as the market moves, so what the ticket shows is what the gate will say.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.money import price_for_side, to_decimal
from app.core.orders import Order, OrderRequest, Side
from app.engine.api import CheckResult, JournalWriteFailed, OrderRefused
from app.ui import format as fmt
from app.ui import names
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.ticket_form import TicketError, TicketInput, TicketType, build_request
from app.ui.widgets import message_label, show_message

translate = QCoreApplication.translate


class OrderTicketPanel(QWidget):
    def __init__(self, controller: Controller, bridge: Bridge) -> None:
        super().__init__()
        self._controller = controller
        self._bridge = bridge
        self.venue = QComboBox(self)
        self.venue.addItems(controller.venues())
        self.symbol = QComboBox(self)
        self.buy = QPushButton(self.tr("Buy"), self)
        self.sell = QPushButton(self.tr("Sell"), self)
        self.buy.setObjectName("buyToggle")
        self.sell.setObjectName("sellToggle")
        self.sides = QButtonGroup(self)
        for button in (self.buy, self.sell):
            button.setCheckable(True)
            self.sides.addButton(button)
        self.buy.setChecked(True)
        self.kind = QComboBox(self)
        for kind in TicketType:
            self.kind.addItem(translate("TicketForm", kind.value), kind.value)
        self.quantity = QLineEdit(self)
        self.quantity.setPlaceholderText(self.tr("quantity"))
        self.price = QLineEdit(self)
        self.price.setPlaceholderText(self.tr("limit price"))
        self.touch = QPushButton(self.tr("Touch"), self)
        self.touch.setToolTip(self.tr("Price at the best bid (buy) or best ask (sell)"))
        self.reduce_only = QCheckBox(self.tr("Reduce only"), self)
        self.market = QLabel(self)
        self.market.setObjectName("muted")
        self.notional = QLabel(self)
        self.notional.setObjectName("muted")
        self.checks = QListWidget(self)
        self.checks.setObjectName("riskChecks")
        self.checks.setMinimumHeight(90)
        self.send = QPushButton(self.tr("Send"), self)
        self.send.setObjectName("sendOrder")
        self.send.setDefault(True)
        self.message = message_label(self)
        self.message.hide()

        sides = QHBoxLayout()
        sides.setSpacing(4)
        sides.addWidget(self.buy)
        sides.addWidget(self.sell)
        price_row = QHBoxLayout()
        price_row.setSpacing(4)
        price_row.addWidget(self.price, 1)
        price_row.addWidget(self.touch)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(4)
        form.addRow(self.tr("Venue"), self.venue)
        form.addRow(self.tr("Instrument"), self.symbol)
        form.addRow(self.tr("Side"), sides)
        form.addRow(self.tr("Type"), self.kind)
        form.addRow(self.tr("Quantity"), self.quantity)
        form.addRow(self.tr("Price"), price_row)
        form.addRow("", self.reduce_only)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.market)
        layout.addWidget(self.notional)
        layout.addWidget(QLabel(self.tr("Risk checks"), self))
        layout.addWidget(self.checks, 1)
        layout.addWidget(self.send)
        layout.addWidget(self.message)

        self.venue.currentTextChanged.connect(self._venue_changed)
        for signal in (
            self.symbol.currentTextChanged,
            self.kind.currentIndexChanged,
            self.quantity.textChanged,
            self.price.textChanged,
            self.reduce_only.toggled,
            self.sides.buttonToggled,
        ):
            signal.connect(self.refresh)
        self.touch.clicked.connect(self.price_at_touch)
        self.send.clicked.connect(self.submit)
        self.quantity.returnPressed.connect(self.submit)
        self.price.returnPressed.connect(self.submit)
        bridge.snapshot.connect(lambda _s: self.refresh())
        self._venue_changed(self.venue.currentText())

    # -- input -------------------------------------------------------------------------------------

    @property
    def side(self) -> Side:
        return Side.BUY if self.buy.isChecked() else Side.SELL

    def form(self) -> TicketInput:
        return TicketInput(
            venue=self.venue.currentText(),
            symbol=self.symbol.currentText(),
            side=self.side,
            kind=TicketType(self.kind.currentData() or TicketType.LIMIT.value),
            quantity=self.quantity.text(),
            price=self.price.text(),
            reduce_only=self.reduce_only.isChecked(),
        )

    def request(self) -> OrderRequest:
        form = self.form()
        return build_request(form, self._controller.instrument(form.venue, form.symbol))

    def _venue_changed(self, venue: str) -> None:
        current = self.symbol.currentText()
        self.symbol.blockSignals(True)
        self.symbol.clear()
        self.symbol.addItems(self._controller.symbols(venue))
        if current:
            self.symbol.setCurrentText(current)
        self.symbol.blockSignals(False)
        self.refresh()

    def price_at_touch(self) -> None:
        form = self.form()
        quote = self._bridge.latest_quote(form.venue, form.symbol)
        inst = self._controller.instrument(form.venue, form.symbol)
        if quote is None or inst is None:
            show_message(self.message, self.tr("No quote yet for this instrument."), "error")
            return
        raw = quote.bid if self.side is Side.BUY else quote.ask
        self.price.setText(str(price_for_side(raw, inst.tick_size, self.side.value)))

    # -- preview -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Market line, notional, and the engine's verdict of every check for this input."""
        form = self.form()
        is_market = form.kind is TicketType.MARKET
        self.price.setEnabled(not is_market)
        self.touch.setEnabled(not is_market)
        quote = self._bridge.latest_quote(form.venue, form.symbol)
        d = self._controller.decimals.price(form.venue, form.symbol)
        if quote is not None:
            self.market.setText(
                self.tr("bid {bid}  ·  ask {ask}  ·  {spread} bps").format(
                    bid=fmt.num(quote.bid, d),
                    ask=fmt.num(quote.ask, d),
                    spread=fmt.num(quote.spread_bps, 1),
                )
            )
        send_text = (
            self.tr("Buy {instrument} on {venue}")
            if self.side is Side.BUY
            else self.tr("Sell {instrument} on {venue}")
        ).format(instrument=form.symbol, venue=form.venue)
        if self.send.text() != send_text:
            self.send.setText(send_text)
        if self.send.property("side") != self.side.value:  # re-polishing relayouts the panel
            self.send.setProperty("side", self.side.value)
            self.send.style().unpolish(self.send)
            self.send.style().polish(self.send)
        try:
            request = self.request()
        except (TicketError, ValueError) as exc:
            self._show_checks([])
            self.notional.setText(str(exc) if form.quantity.strip() else "")
            return
        price = request.price
        if price is None and quote is not None:
            price = to_decimal(quote.ask if self.side is Side.BUY else quote.bid)
        inst = self._controller.instrument(form.venue, form.symbol)
        if price is not None and inst is not None:
            value = inst.notional_quote(request.quantity, price)
            self.notional.setText(f"≈ {fmt.num(value, 2)} {inst.quote}")
        self._show_checks(self._controller.preview(request))

    def _show_checks(self, results: list[CheckResult]) -> None:
        """Rows updated in place (the list is refreshed twice a second as the market moves)."""
        if self.checks.count() != len(results):
            self.checks.clear()
            for _ in results:
                self.checks.addItem(QListWidgetItem())
        for i, result in enumerate(results):
            item = self.checks.item(i)
            mark = "✓" if result.passed else "✗"
            text = f"{mark}  {names.name(result.rule)}"
            if result.message:
                text += f" — {result.message}"
            if item.text() != text:
                item.setText(text)
                item.setForeground(QColor(fmt.GREEN if result.passed else fmt.RED))
                item.setToolTip(result.message or self.tr("passes"))
                item.setData(Qt.ItemDataRole.UserRole, result.passed)

    # -- sending -----------------------------------------------------------------------------------

    def submit(self) -> None:
        try:
            request = self.request()
        except (TicketError, ValueError) as exc:
            show_message(self.message, self.tr("Not sent — {error}").format(error=exc), "error")
            return
        show_message(self.message, self.tr("Sending…"), "ok")
        self.send.setEnabled(False)
        self._controller.spawn(self._send(request), "manual order")

    async def _send(self, request: OrderRequest) -> Order | None:
        try:
            order = await self._controller.submit(request)
        except OrderRefused as exc:
            refused = self.tr("Refused by risk — {error}").format(error=exc)
            show_message(self.message, refused, "error")
            return None
        except JournalWriteFailed as exc:  # already an alert; the trader must see it here too
            show_message(self.message, self.tr("Not sent — {error}").format(error=exc), "error")
            return None
        except Exception as exc:
            show_message(self.message, self.tr("Not sent — {error}").format(error=exc), "error")
            raise
        finally:
            self.send.setEnabled(True)
            self.refresh()
        kind = "error" if order.status.value in ("REJECTED", "UNKNOWN") else "ok"
        detail = f" ({order.reason})" if order.reason else ""
        status = names.name(order.status.value)
        show_message(self.message, f"{order.client_order_id}: {status}{detail}", kind)
        return order
