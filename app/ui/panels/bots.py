"""Bots: the list (state, cycle, position, PnL, last event), the buttons that drive them, and for
the selected bot its spread chart, orders, fills, finished cycles and steps.

Rows change when the engine announces a bot (``BotUpdated``, coalesced by the bridge) and twice a
second while the panel is visible (unrealized PnL moves with the market, not with the bot). The
buttons follow the selected bot's state: edit and delete only while it is stopped, pause while it
runs, resume while paused. Every action is the engine's call; its refusal is shown here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.orders import Fill, Order
from app.engine.api import BotError, BotStatus, BotView
from app.ui import names
from app.ui.async_dialogs import Confirm, ask, confirm_box
from app.ui.bot_form import BotFormDialog
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.models.bots import BotsModel, CyclesModel, StepsModel
from app.ui.models.fills import FillsModel
from app.ui.models.orders import OrdersModel
from app.ui.panels.bot_chart import BotChart
from app.ui.widgets import message_label, proxy, show_message, table

log = logging.getLogger(__name__)

MAX_FILLS_PER_BOT = 5_000
WIDE_RATIO = 2.5  # wider than this times the height: the list and the details side by side

#: What each button may do in each state (the engine refuses the rest anyway).
ENABLED: dict[str, frozenset[BotStatus]] = {
    "edit": frozenset({BotStatus.STOPPED}),
    "delete": frozenset({BotStatus.STOPPED}),
    "clone": frozenset(BotStatus),
    "start": frozenset({BotStatus.STOPPED}),
    "pause": frozenset({BotStatus.RUNNING}),
    "resume": frozenset({BotStatus.PAUSED}),
    "stop": frozenset({BotStatus.RUNNING, BotStatus.PAUSED}),
}


def bot_of(origin: str) -> str | None:
    """``"bot:dca-1"`` -> ``"dca-1"``; None for a manual or panic order."""
    return origin[4:] if origin.startswith("bot:") else None


class BotsPanel(QWidget):
    def __init__(
        self, controller: Controller, bridge: Bridge, *, confirm: Confirm = confirm_box
    ) -> None:
        super().__init__()
        self._controller = controller
        self._bridge = bridge
        self._confirm = confirm
        self._selected = ""
        self._bot_of_order: dict[str, str] = {}  # client order id -> bot id
        self._fills: dict[str, list[Fill]] = {}  # bot id -> its fills seen by the window
        self._history_dirty = False
        self._history_task: asyncio.Task[None] | None = None
        self.tasks: set[asyncio.Task[Any]] = set()
        self.last_task: asyncio.Task[Any] | None = None
        self.form: BotFormDialog | None = None

        self.bots = BotsModel()
        self.bots_proxy = proxy(self.bots, self)
        self.view = table("botsTable", self.bots_proxy, self)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        for column, width in enumerate((90, 78, 64, 60, 44, 200, 90, 90, 80, 80, 90, 50, 56)):
            self.view.setColumnWidth(column, width)
        self.view.doubleClicked.connect(lambda _: self.edit_clicked())

        self.orders = OrdersModel(controller.decimals)
        self.fills = FillsModel(controller.decimals)
        self.cycles = CyclesModel()
        self.steps = StepsModel()
        self.orders_view = table("botOrdersTable", proxy(self.orders, self), self)
        self.fills_view = table("botFillsTable", proxy(self.fills, self), self)
        self.cycles_view = table("botCyclesTable", proxy(self.cycles, self), self)
        self.steps_view = table("botStepsTable", proxy(self.steps, self), self)
        for view in (self.orders_view, self.fills_view, self.cycles_view, self.steps_view):
            view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.chart = BotChart(controller, bridge.latest_quote, self)
        self.details = QTabWidget(self)
        self.details.setDocumentMode(True)
        self.details.addTab(self.chart, self.tr("Spread"))
        self.details.addTab(self.orders_view, self.tr("Orders"))
        self.details.addTab(self.fills_view, self.tr("Fills"))
        self.details.addTab(self.cycles_view, self.tr("Cycles"))
        self.details.addTab(self.steps_view, self.tr("Steps"))

        self.new_button = self._button(
            self.tr("New…"), "newBot", self.new_clicked, self.tr("Create a bot")
        )
        self.edit_button = self._button(
            self.tr("Edit…"),
            "editBot",
            self.edit_clicked,
            self.tr("Change a stopped bot's parameters"),
        )
        self.clone_button = self._button(
            self.tr("Clone"),
            "cloneBot",
            self.clone_clicked,
            self.tr("A stopped copy with the same parameters"),
        )
        self.delete_button = self._button(
            self.tr("Delete…"),
            "deleteBot",
            self.delete_clicked,
            self.tr("Delete a stopped bot and its steps"),
        )
        self.start_button = self._button(self.tr("Start"), "startBot", self.start_clicked)
        self.pause_button = self._button(
            self.tr("Pause"), "pauseBot", self.pause_clicked, self.tr("No new step; resume later")
        )
        self.resume_button = self._button(self.tr("Resume"), "resumeBot", self.resume_clicked)
        self.stop_button = self._button(
            self.tr("Stop"),
            "stopBot",
            self.stop_clicked,
            self.tr("No new step; what it holds stays"),
        )
        self.count = QLabel(self)
        self.count.setObjectName("muted")
        self.message = message_label(self)
        self.message.hide()

        bar = QHBoxLayout()
        bar.setSpacing(4)
        for button in (self.new_button, self.edit_button, self.clone_button, self.delete_button):
            bar.addWidget(button)
        bar.addSpacing(12)
        for button in (self.start_button, self.pause_button, self.resume_button, self.stop_button):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.count)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.message)

        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        bridge.bots.connect(self.on_bots)
        bridge.orders.connect(self.on_orders)
        bridge.fills.connect(self.on_fills)
        bridge.quotes.connect(self.chart.add_quotes)
        bridge.table_tick.connect(self.chart.redraw)
        bridge.snapshot.connect(lambda _s: self.revalue())
        self._update_buttons()

    def _button(
        self, text: str, name: str, slot: Callable[[], object], tip: str = ""
    ) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        if tip:
            button.setToolTip(tip)
        button.clicked.connect(lambda _=False: slot())
        return button

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Side by side in a wide, low dock (the bottom one), one above the other otherwise."""
        size = event.size()
        wide = size.width() > WIDE_RATIO * max(size.height(), 1)
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            total = size.width() if wide else size.height()
            share = 0.55 if wide else 0.4  # the list's
            self.splitter.setSizes([int(total * share), int(total * (1 - share))])
        super().resizeEvent(event)

    # -- the list ------------------------------------------------------------------------------

    def load(self) -> None:
        """Every bot the engine has (once it runs), and the bots' orders it knows."""
        views = self._controller.bots()
        self.bots.remove(k for k in self.bots.all_keys() if k not in {v.id for v in views})
        self.bots.upsert((v.id, v) for v in views)
        self._note_orders(self._controller.orders())
        self._after_change()

    def on_bots(self, changed: list[BotView], gone: list[str]) -> None:
        self.bots.upsert((v.id, v) for v in changed)
        if gone:
            self.bots.remove(gone)
            for bot_id in gone:
                self._fills.pop(bot_id, None)
        if self._selected and any(v.id == self._selected for v in changed):
            self._history_dirty = True
            self._refresh_history()
        self._after_change()

    def revalue(self) -> None:
        """Unrealized PnL follows the market: re-read the bots while the panel is seen."""
        if self.isVisible() and len(self.bots):
            self.bots.upsert((v.id, v) for v in self._controller.bots())
            self._after_change(selection_only=True)

    def _after_change(self, *, selection_only: bool = False) -> None:
        selected = self.selected()
        if selected is None and self._selected:
            self._show(None)
        elif selected is not None:
            if selected.id != self._selected:
                self._show(selected)
            else:
                self.cycles.upsert((c.cycle, c) for c in selected.cycles)
                self.chart.show_bot(selected)
        if not selection_only:
            n = len(self.bots)
            running = sum(1 for v in self.bots.rows() if v.status is BotStatus.RUNNING)
            text = (
                self.tr("1 bot, {running} running")
                if n == 1
                else self.tr("{n} bots, {running} running")
            )
            self.count.setText(text.format(n=n, running=running))
        self._update_buttons()

    def selected(self) -> BotView | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.bots.row_at(self.bots_proxy.mapToSource(rows[0]).row())

    def select(self, bot_id: str) -> bool:
        for at in range(len(self.bots)):
            if self.bots.key_at(at) == bot_id:
                index = self.bots_proxy.mapFromSource(self.bots.index(at, 0))
                flags = (
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows
                )
                self.view.selectionModel().select(index, flags)
                self.view.setCurrentIndex(index)
                return True
        return False

    def _selection_changed(self) -> None:
        selected = self.selected()
        if (selected.id if selected else "") != self._selected:
            self._show(selected)
        self._update_buttons()

    def _update_buttons(self) -> None:
        selected = self.selected()
        status = selected.status if selected is not None else None
        for name, button in (
            ("edit", self.edit_button),
            ("delete", self.delete_button),
            ("clone", self.clone_button),
            ("start", self.start_button),
            ("pause", self.pause_button),
            ("resume", self.resume_button),
            ("stop", self.stop_button),
        ):
            button.setEnabled(status is not None and status in ENABLED[name])

    # -- the selected bot ------------------------------------------------------------------------

    def _show(self, view: BotView | None) -> None:
        self._selected = view.id if view is not None else ""
        self.orders.clear()
        self.fills.clear()
        self.cycles.clear()
        self.steps.clear()
        self.chart.show_bot(view)
        if view is None:
            return
        self.cycles.upsert((c.cycle, c) for c in view.cycles)
        fills = self._fills.get(view.id, [])
        self.fills.upsert((f.key, f) for f in fills)
        self.chart.set_fills(fills)
        self._spawn(self._load_orders(view.id), f"orders of bot {view.id}")
        self._history_dirty = True
        self._refresh_history()

    async def _load_orders(self, bot_id: str) -> None:
        """The bot's orders and fills of every run, from the store."""
        orders = await self._controller.bot_orders(bot_id)
        fills = await self._controller.bot_fills(bot_id)
        self._note_orders(orders)
        seen = {f.key for f in self._fills.get(bot_id, [])}
        kept = [f for f in fills if f.key not in seen] + self._fills.get(bot_id, [])
        self._fills[bot_id] = kept[-MAX_FILLS_PER_BOT:]
        if bot_id == self._selected:  # rows the bridge brought meanwhile are newer: kept
            shown = set(self.orders.all_keys())
            self.orders.upsert(
                (o.client_order_id, o) for o in orders if o.client_order_id not in shown
            )
            self.fills.upsert((f.key, f) for f in self._fills[bot_id])
            self.chart.set_fills(self._fills[bot_id])

    def _note_orders(self, orders: Iterable[Order]) -> None:
        for order in orders:
            bot_id = bot_of(order.origin)
            if bot_id is not None:
                self._bot_of_order[order.client_order_id] = bot_id

    def on_orders(self, orders: list[Order]) -> None:
        mine = [o for o in orders if bot_of(o.origin) is not None]
        if not mine:
            return
        self._note_orders(mine)
        selected = [o for o in mine if bot_of(o.origin) == self._selected]
        if selected:
            self.orders.upsert((o.client_order_id, o) for o in selected)

    def on_fills(self, fills: list[Fill]) -> None:
        touched = False
        for fill in fills:
            bot_id = self._bot_of_order.get(fill.client_order_id)
            if bot_id is None:
                continue
            kept = self._fills.setdefault(bot_id, [])
            kept.append(fill)
            del kept[:-MAX_FILLS_PER_BOT]
            if bot_id == self._selected:
                self.fills.upsert([(fill.key, fill)])
                touched = True
        if touched:
            self.chart.set_fills(self._fills[self._selected])

    def _refresh_history(self) -> None:
        """The selected bot's steps, read again; one read at a time, the last change wins."""
        if not self._selected or (self._history_task and not self._history_task.done()):
            return
        self._history_dirty = False
        self._history_task = self._spawn(self._history(self._selected), "bot steps")

    async def _history(self, bot_id: str) -> None:
        try:
            rows = await self._controller.bot_history(bot_id)
        except BotError:
            return  # deleted meanwhile
        if bot_id == self._selected:
            self.steps.upsert((r.trace_id, r) for r in rows)
        if self._history_dirty:
            self._history_task = None
            self._refresh_history()

    # -- actions ---------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        task = self._controller.spawn(self._guarded(coro, what), what)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        self.last_task = task
        return task

    async def _guarded(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        try:
            await coro
        except BotError as exc:
            show_message(self.message, f"{what}: {exc}", "error")  # the engine's words
        except Exception as exc:
            if self._controller.running:
                failed = self.tr("{what} failed: {error}").format(
                    what=what, error=f"{type(exc).__name__}: {exc}"
                )
                show_message(self.message, failed, "error")
                raise
        finally:
            self._update_buttons()

    def _act(self, verb: str, call: Callable[[str], Awaitable[BotView]]) -> None:
        selected = self.selected()
        if selected is None:
            show_message(self.message, self.tr("Select a bot first."), "error")
            return
        self._spawn(self._acting(verb, selected.id, call), f"{verb} {selected.id}")

    async def _acting(
        self, verb: str, bot_id: str, call: Callable[[str], Awaitable[BotView]]
    ) -> None:
        view = await call(bot_id)
        self.bots.upsert([(view.id, view)])
        self._after_change()
        show_message(self.message, f"{view.id}: {names.name(view.status.value)}", "ok")

    def start_clicked(self) -> None:
        self._act("start", self._controller.start_bot)

    def pause_clicked(self) -> None:
        self._act("pause", self._controller.pause_bot)

    def resume_clicked(self) -> None:
        self._act("resume", self._controller.resume_bot)

    def stop_clicked(self) -> None:
        self._act("stop", self._controller.stop_bot)

    def clone_clicked(self) -> None:
        selected = self.selected()
        if selected is not None:
            self._spawn(self._clone(selected.id), f"clone {selected.id}")

    async def _clone(self, bot_id: str) -> None:
        view = await self._controller.clone_bot(bot_id)
        self.bots.upsert([(view.id, view)])
        self.select(view.id)
        self._after_change()
        show_message(
            self.message,
            self.tr("{bot}: a stopped copy of {source}").format(bot=view.id, source=bot_id),
            "ok",
        )

    def delete_clicked(self) -> None:
        selected = self.selected()
        if selected is not None:
            self._spawn(self._delete(selected), f"delete {selected.id}")

    async def _delete(self, view: BotView) -> None:
        text = self.tr(
            "Delete the bot {bot} ({kind}) with its steps and cycles?\n\n"
            "Its orders stay in the journal; a position it holds stays open. "
            "This cannot be undone."
        ).format(bot=repr(view.id), kind=view.kind)
        if not await self._confirm(self, self.tr("Delete bot"), text):
            show_message(self.message, self.tr("Kept {bot}.").format(bot=view.id), "ok")
            return
        await self._controller.delete_bot(view.id)
        self.bots.remove([view.id])
        self._fills.pop(view.id, None)
        self._after_change()
        show_message(self.message, self.tr("Deleted {bot}.").format(bot=view.id), "ok")

    def new_clicked(self) -> None:
        self._spawn(self._form(None), "new bot")

    def edit_clicked(self) -> None:
        selected = self.selected()
        if selected is None:
            return
        if selected.status is not BotStatus.STOPPED:
            show_message(
                self.message, self.tr("Stop {bot} to edit it.").format(bot=selected.id), "error"
            )
            return
        self._spawn(self._form(selected), f"edit {selected.id}")

    async def _form(self, view: BotView | None) -> None:
        form = BotFormDialog(self._controller, bot=view, parent=self)
        self.form = form
        result = await ask(form)
        saved = form.saved
        form.deleteLater()
        self.form = None
        if result != QDialog.DialogCode.Accepted or saved is None:
            return
        self.bots.upsert([(saved.id, saved)])
        self.select(saved.id)
        self._after_change()
        done = (
            self.tr("{bot} created ({status}).")
            if view is None
            else self.tr("{bot} saved ({status}).")
        )
        show_message(
            self.message, done.format(bot=saved.id, status=names.name(saved.status.value)), "ok"
        )
