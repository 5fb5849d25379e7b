"""The Bots panel, clicked like a user would: create from the generated form (a bad value shown
under its field first), start, pause, resume, stop, edit only when stopped, templates, clone,
delete; and a bot that trades on the manual market shows its orders, fills, steps, cycles and
spread chart.

Everything runs on the qasync loop of ``conftest``: waits are ``until`` polls, dialogs open with
``open()`` (never ``exec()``), and the market is the manual one (market time moves with the
quotes the test pushes, so a bot trades exactly when the test says).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.engine.api import BotStatus
from app.ui.app import Desk
from app.ui.bot_form import BotFormDialog, field_specs, parse_pool
from app.ui.models.bots import exact
from app.ui.panels.bots import BotsPanel
from tests.support.engines import ManualFeed

from .conftest import open_manual_desk, until

W = TypeVar("W", bound=QWidget)


@pytest.fixture(autouse=True)
def collect_between_tests() -> Iterator[None]:
    """Dialogs of one test left in reference cycles are collected here, between tests, not by
    the GC in the middle of the next test's Qt event dispatch (see test_accounts_dialog)."""
    gc.collect()
    yield
    gc.collect()


def visible(parent: QWidget, kind: type[W]) -> list[W]:
    return [w for w in parent.findChildren(kind) if w.isVisible()]


async def child(parent: QWidget, kind: type[W], what: str) -> W:
    await until(lambda: visible(parent, kind), what=what)
    return visible(parent, kind)[-1]


def click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def cell(panel: BotsPanel, bot_id: str, title: str) -> str:
    """The text the list shows for one bot in one column."""
    columns = [c.title for c in panel.bots.columns]
    proxy = panel.bots_proxy
    for row in range(proxy.rowCount()):
        if proxy.index(row, 0).data() == bot_id:
            return str(proxy.index(row, columns.index(title)).data())
    raise AssertionError(f"no row for {bot_id}")


def ids(panel: BotsPanel) -> list[str]:
    proxy = panel.bots_proxy
    return sorted(str(proxy.index(r, 0).data()) for r in range(proxy.rowCount()))


def type_into(qtbot: QtBot, form: BotFormDialog, name: str, text: str) -> None:
    editor = form.field(name)
    assert isinstance(editor, QLineEdit), name
    editor.clear()
    qtbot.keyClicks(editor, text)


def buttons(panel: BotsPanel) -> dict[str, bool]:
    return {
        name: getattr(panel, f"{name}_button").isEnabled()
        for name in ("edit", "clone", "delete", "start", "pause", "resume", "stop")
    }


async def shown_panel(desk: Desk) -> BotsPanel:
    desk.window.docks["bots"].show()
    desk.window.docks["bots"].raise_()
    panel = desk.window.bots
    await until(panel.isVisible, what="the bots panel")
    return panel


DCA = {"leg_a": "sim-a:BTC/USDT", "leg_b": "sim-b:BTC/USDT", "entry": "500", "stop": "800"}


async def test_create_start_pause_resume_stop_edit_clone_delete_by_clicking(
    qtbot: QtBot,
) -> None:
    async with open_manual_desk() as (desk, _feed):
        panel = await shown_panel(desk)
        assert ids(panel) == [] and not any(buttons(panel).values())

        click(qtbot, panel.new_button)
        form = await child(panel, BotFormDialog, "the bot form")
        form.kind.setCurrentText("spread_dca")
        # the form is the model's: every field, its default filled in, its bounds shown
        assert list(form.rows) == [s.name for s in field_specs(form.model)]
        assert form.field("leg_a").objectName() == "leg_a"
        assert "≤ 500" in form.rows["slippage_bps"].hint.text()
        assert isinstance(form.field("leg_risk"), QComboBox)
        assert isinstance(form.field("maker_first"), QCheckBox)
        assert form.field("max_adds").text() == "5"  # type: ignore[attr-defined]
        qtbot.keyClicks(form.bot_id, "dca-ui")
        for name, text in DCA.items():
            type_into(qtbot, form, name, text)
        type_into(qtbot, form, "base_qty", "abc")
        type_into(qtbot, form, "take_profit", "600")

        click(qtbot, form.save_button)  # a bad number: under its field, nothing created
        assert "decimal" in form.error_text("base_qty")
        assert form.rows["base_qty"].error.isVisible()
        assert form.error_text("entry") == ""
        assert "see the fields marked" in form.message.text()
        assert form.isVisible() and desk.engine.bots() == ()

        type_into(qtbot, form, "base_qty", "0.001")
        click(qtbot, form.save_button)  # a check of several fields: under the first it names
        assert "must be below entry" in form.error_text("take_profit")
        assert form.error_text("base_qty") == ""
        type_into(qtbot, form, "take_profit", "100")
        type_into(qtbot, form, "adds", "600, 700")

        qtbot.keyClicks(form.template_name, "wide")  # the form saved as a template
        click(qtbot, form.save_template_button)
        await until(lambda: form.templates.count() == 1, what="the template in the list")
        assert form.templates.currentText() == "wide (spread_dca)"

        click(qtbot, form.save_button)
        await until(lambda: panel.form is None, what="the form to close")
        await until(lambda: ids(panel) == ["dca-ui"], what="the new bot in the list")
        assert cell(panel, "dca-ui", "State") == "stopped"
        assert cell(panel, "dca-ui", "Position") == "flat"
        assert cell(panel, "dca-ui", "Fees") == "0.00"
        assert desk.engine.bot("dca-ui").params["adds"] == [600.0, 700.0]
        assert panel.selected() is not None and panel.selected().id == "dca-ui"  # type: ignore[union-attr]
        assert buttons(panel) == {
            "edit": True,
            "clone": True,
            "delete": True,
            "start": True,
            "pause": False,
            "resume": False,
            "stop": False,
        }
        # its levels on its spread chart: entry, the two adds, take-profit, stop; both sides
        labels = [level.label for level in panel.chart.levels]
        assert "entry 500 (sell B)" in labels and "add 2 700 (sell A)" in labels
        assert len(panel.chart.level_lines) == 10

        click(qtbot, panel.start_button)
        await until(lambda: cell(panel, "dca-ui", "State") == "running", what="running")
        assert desk.engine.bot("dca-ui").status is BotStatus.RUNNING
        assert buttons(panel) == {
            "edit": False,
            "clone": True,
            "delete": False,
            "start": False,
            "pause": True,
            "resume": False,
            "stop": True,
        }
        click(qtbot, panel.edit_button)  # disabled while running: no form
        await asyncio.sleep(0.1)
        assert panel.form is None and not visible(panel, BotFormDialog)

        click(qtbot, panel.pause_button)
        await until(lambda: cell(panel, "dca-ui", "State") == "paused", what="paused")
        assert buttons(panel)["resume"] and not buttons(panel)["pause"]
        click(qtbot, panel.resume_button)
        await until(lambda: cell(panel, "dca-ui", "State") == "running", what="running again")
        click(qtbot, panel.stop_button)
        await until(lambda: cell(panel, "dca-ui", "State") == "stopped", what="stopped")
        assert "stopped" in cell(panel, "dca-ui", "Last event")

        click(qtbot, panel.edit_button)  # stopped: the form, filled with its parameters
        edit = await child(panel, BotFormDialog, "the edit form")
        assert not edit.kind.isEnabled() and not edit.bot_id.isEnabled()
        assert edit.field("leg_b").text() == "sim-b:BTC/USDT"  # type: ignore[attr-defined]
        assert edit.field("adds").text() == "600.0, 700.0"  # type: ignore[attr-defined]
        type_into(qtbot, edit, "entry", "450")
        click(qtbot, edit.save_button)
        await until(lambda: panel.form is None, what="the edit form to close")
        assert desk.engine.bot("dca-ui").params["entry"] == 450.0
        await until(
            lambda: "entry 450 (sell B)" in [lv.label for lv in panel.chart.levels],
            what="the chart's new entry level",
        )

        click(qtbot, panel.new_button)  # a template fills a new form
        again = await child(panel, BotFormDialog, "a new form")
        await until(lambda: again.templates.count() == 1, what="the templates")
        click(qtbot, again.load_template_button)
        assert again.field("leg_a").text() == "sim-a:BTC/USDT"  # type: ignore[attr-defined]
        assert again.field("entry").text() == "500.0"  # type: ignore[attr-defined]
        assert "Loaded template 'wide'" in again.message.text()
        again.reject()
        await until(lambda: panel.form is None, what="the form to go")

        click(qtbot, panel.clone_button)
        await until(lambda: len(ids(panel)) == 2, what="the clone")
        clone = next(i for i in ids(panel) if i != "dca-ui")
        assert cell(panel, clone, "State") == "stopped"
        assert desk.engine.bot(clone).params == desk.engine.bot("dca-ui").params
        assert panel.selected().id == clone  # type: ignore[union-attr]

        click(qtbot, panel.delete_button)
        box = await child(panel, QMessageBox, "the confirmation")
        assert clone in box.text() and "cannot be undone" in box.text()
        click(qtbot, box.button(QMessageBox.StandardButton.Yes))
        await until(lambda: ids(panel) == ["dca-ui"], what="the clone deleted")
        assert [b.id for b in desk.engine.bots()] == ["dca-ui"]


def dca_params(**over: Any) -> dict[str, Any]:
    """Spot on sim-a against the perpetual on sim-b: opens at 20 bps, takes profit at 5 bps."""
    params: dict[str, Any] = {
        "leg_a": "sim-a:BTC/USDT",
        "leg_b": "sim-b:BTC/USDT:USDT",
        "direction": "b_rich",
        "base_qty": "0.01",
        "entry": 20,
        "adds": [40],
        "max_adds": 1,
        "take_profit": 5,
        "stop": 120,
        "cooldown_ms": 0,
    }
    params.update(over)
    return params


def legs(feed: ManualFeed, spot: float, perp: float) -> None:
    feed.push("sim-a", "BTC/USDT", spot - 0.5, spot + 0.5)
    feed.push("sim-b", "BTC/USDT:USDT", perp - 0.5, perp + 0.5)


async def settle(desk: Desk) -> None:
    """Until no bot step is in flight."""
    await asyncio.wait_for(desk.engine.order_gate.idle(), 10)


async def test_a_trading_bot_shows_its_orders_fills_steps_cycles_and_chart(
    qtbot: QtBot,
) -> None:
    async with open_manual_desk() as (desk, feed):
        panel = await shown_panel(desk)
        legs(feed, 50_000, 50_000)
        await desk.engine.create_bot("spread_dca", dca_params(), "dca")
        await until(lambda: ids(panel) == ["dca"], what="the bot in the list")
        assert panel.select("dca")
        assert panel.chart.title.text().startswith("dca: sim-b:BTC/USDT:USDT  vs  sim-a:BTC/USDT")
        assert [lv.label for lv in panel.chart.levels] == [
            "entry 20",
            "add 1 40",
            "take profit 5",
            "stop 120",
        ]
        click(qtbot, panel.start_button)
        await until(lambda: cell(panel, "dca", "State") == "running", what="running")

        legs(feed, 50_000, 50_150)  # 28 bps: the bot opens
        await settle(desk)
        await until(lambda: cell(panel, "dca", "Phase") == "open", what="the open position")
        await until(lambda: panel.orders.rowCount() == 2, what="its two orders")
        await until(lambda: panel.fills.rowCount() >= 2, what="its fills")
        await until(
            lambda: [(r.action, r.status) for r in panel.steps.rows()] == [("open", "done")],
            what="its first step, done",
        )
        assert {o.origin for o in panel.orders.rows()} == {"bot:dca"}
        assert {o.trace_id for o in panel.orders.rows()} == {"dca:1:1"}
        assert "long sim-a BTC/USDT" in cell(panel, "dca", "Position")

        legs(feed, 50_000, 50_010)  # closing spread ~2 bps: takes profit
        await settle(desk)
        await until(lambda: panel.cycles.rowCount() == 1, what="the finished cycle")
        await until(lambda: panel.steps.rowCount() == 2, what="the closing step")
        await until(lambda: cell(panel, "dca", "Position") == "flat", what="flat again")
        view = desk.engine.bot("dca")
        record = panel.cycles.row_at(0)
        assert record.exit_reason == "take_profit" and record.pnl == view.cycles[0].pnl
        assert panel.cycles.index(0, 6).data() == exact(record.pnl)
        # money to the last decimal, as the engine holds it
        assert view.pnl.fees > 0
        await until(lambda: cell(panel, "dca", "Fees") == exact(view.pnl.fees, signed=False))
        assert cell(panel, "dca", "Realized") == exact(desk.engine.bot("dca").pnl.realized)
        assert Decimal(cell(panel, "dca", "Fees").replace(",", "")) == view.pnl.fees
        await until(lambda: panel.orders.rowCount() == 4, what="the closing orders")
        assert panel.fills.rowCount() >= 4
        # the fills on the chart: two entries and two exits
        await until(lambda: panel.chart.marker_count() >= 4, what="the fill markers")
        assert len(panel.chart.series) > 0


def test_pool_lines_and_exact_money() -> None:
    pool, problems = parse_pool("sim-a:USDT=5000\n\n sim-b:USDT = 2500.5 \nnonsense")
    assert pool == {"sim-a:USDT": "5000", "sim-b:USDT": "2500.5"}
    assert problems == ["line 4 ('nonsense'): write \"venue:ASSET=amount\""]
    assert exact(Decimal("-0.000123")) == "-0.000123"
    assert exact(Decimal("1234.5")) == "+1,234.50"
    assert exact(Decimal("0")) == "+0.00"
