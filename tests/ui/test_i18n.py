"""The window in Simplified Chinese: every visible text translated, the .ts sources complete and
up to date with the code (lupdate run here), the language setting and its menu.

The window walk reads what a trader sees: labels, buttons, menu actions, dock and tab titles,
table headers, and the toolbar's tooltips. A word in Latin letters is allowed only when it is a
symbol, a venue, a unit or a name that stays as it is in Chinese terminals (the allow-list).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDockWidget,
    QLabel,
    QMenu,
    QTableView,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.core.orders import Side
from app.runtime.settings import UiSettings
from app.runtime.settings_loader import DEFAULTS_FILE, read_toml
from app.ui import format as fmt
from app.ui import i18n, i18n_build
from app.ui.app import Desk
from app.ui.date_axis import date_axis
from app.ui.ticket_form import TicketType

from .conftest import open_desk, resting_order
from .test_screenshot import trade

TRADING_S = 5.0

#: Latin words a Chinese window still shows: units, protocol names, the product, key names,
#: and the language menu's "English" (each language is named in its own script).
ALLOWED = {
    "ArbDesk",
    "bps",
    "ms",
    "s",
    "min",
    "h",
    "UTC",
    "p",
    "IOC",
    "API",
    "ID",
    "English",
    "Ctrl",
    "Shift",
    "K",
    "Delete",
    "A",
    "B",
}
#: The README's picture of the Chinese window (replaced with ``ARBDESK_UPDATE_SCREENSHOT=1``).
SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "resources" / "screenshots" / "main_window_zh.png"
)


def _sources(ts: Path) -> set[tuple[str, str]]:
    root = ET.parse(ts).getroot()
    return {
        (ctx.findtext("name", ""), msg.findtext("source", ""))
        for ctx in root.iter("context")
        for msg in ctx.iter("message")
    }


def test_the_ts_file_has_every_source_string_and_every_translation(tmp_path: Path) -> None:
    committed = i18n_build.ts_file("zh_CN")
    fresh = tmp_path / committed.name
    shutil.copyfile(committed, fresh)
    i18n_build.update_ts([fresh])  # lupdate over app/ui into the copy

    assert _sources(fresh) == _sources(committed), "run: python -m app.ui.i18n_build --update"
    root = ET.parse(committed).getroot()
    unfinished = [
        msg.findtext("source")
        for msg in root.iter("message")
        if (tr := msg.find("translation")) is None
        or tr.get("type") in ("unfinished", "obsolete", "vanished")
        or not (tr.text or "").strip()
    ]
    assert unfinished == []


def test_the_qm_is_compiled_from_the_ts_when_missing_or_older(tmp_path: Path) -> None:
    qm = i18n_build.qm_file("zh_CN")
    if qm.exists():
        qm.unlink()
    assert i18n_build.stale("zh_CN")
    i18n_build.compile_stale()
    assert qm.exists() and not i18n_build.stale("zh_CN")


def test_language_defaults_match_the_shipped_settings_file() -> None:
    assert read_toml(DEFAULTS_FILE)["ui"] == UiSettings().model_dump(mode="json")


@pytest.mark.parametrize(
    ("locale", "language"),
    [("zh_CN", "zh_CN"), ("zh_SG", "zh_CN"), ("en_US", "en"), ("de_DE", "en"), ("zh_TW", "en")],
)
def test_auto_follows_the_system_locale(locale: str, language: str) -> None:
    assert i18n.resolve("auto", QLocale(locale)) == language
    assert i18n.resolve("zh_CN", QLocale("en_US")) == "zh_CN"
    assert i18n.resolve("en", QLocale("zh_CN")) == "en"


def test_money_keeps_every_digit_in_the_locales_symbols() -> None:
    from decimal import Decimal

    try:
        fmt.set_locale(QLocale("de_DE"))
        assert fmt.num(Decimal("1234567.123456789"), 9) == "1.234.567,123456789"
        assert fmt.signed(Decimal("-0.000000001"), 9) == "-0,000000001"
        fmt.set_locale(QLocale("zh_CN"))
        assert fmt.num(Decimal("1234567.123456789"), 9) == "1,234,567.123456789"
    finally:
        fmt.set_locale(QLocale("en_US"))


def _menu_texts(menu: QMenu) -> Iterator[str]:
    yield menu.title()
    for action in menu.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        sub = action.menu()
        if isinstance(sub, QMenu):
            yield from _menu_texts(sub)
        else:
            yield action.text()


def visible_texts(desk: Desk) -> list[str]:
    """What the trader reads in the window (and the toolbar's tooltips)."""
    window = desk.window
    texts: list[str] = [window.windowTitle()]
    for menu in window.menuBar().findChildren(QMenu):
        if menu.parent() is window.menuBar():
            texts += _menu_texts(menu)
    texts += [d.windowTitle() for d in window.findChildren(QDockWidget)]
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QTableView):
            model = widget.model()
            texts += [
                str(model.headerData(c, Qt.Orientation.Horizontal))
                for c in range(model.columnCount())
            ]
    for widget in window.toolbar.findChildren(QWidget):
        texts.append(widget.toolTip())
    return texts


def english_words(text: str, allowed: set[str]) -> list[str]:
    plain = re.sub(r"<[^>]+>|&nbsp;|\(&\w\)", " ", text)  # markup and mnemonics
    plain = re.sub(r"(?m)^  [\w:.-]+: ", " ", plain)  # the toolbar's task names (identifiers)
    return [w for w in re.findall(r"[A-Za-z]+", plain) if w not in allowed]


async def test_the_chinese_window_shows_no_english(tmp_path: Path) -> None:
    async with open_desk(ui={"language": "zh_CN"}, market={"speed": 6.0}, sim={"seed": 7}) as desk:
        for side, away in ((Side.BUY, "0.012"), (Side.SELL, "0.015"), (Side.BUY, "0.02")):
            await resting_order(desk, side, away)
        await trade(desk, TRADING_S)
        ticket = desk.window.ticket
        ticket.kind.setCurrentIndex(ticket.kind.findData(TicketType.LIMIT.value))
        ticket.quantity.setText("0.05")
        ticket.price_at_touch()
        await asyncio.sleep(0.6)  # one more snapshot and chart frame
        image = desk.window.grab().toImage()
        out = tmp_path / "main_window_zh.png"
        assert image.save(str(out))
        desk.window.show_help()
        desk.window.request_resume()  # not HALTED: a status message, no dialog
        allowed = set(ALLOWED)
        for inst in desk.controller.instruments.values():
            allowed |= set(re.findall(r"[A-Za-z]+", f"{inst.venue} {inst.symbol}"))
        texts = visible_texts(desk)
        found = {t: words for t in texts if (words := english_words(t, allowed))}
        assert found == {}
        assert "紧急停止" in desk.window.toolbar.panic.text()
        logging.getLogger("app.test").warning("a warning for the log panel")
        await asyncio.sleep(0.3)  # the bridge's next flush
        log = desk.window.log_panel.proxy
        levels = {log.index(row, 1).data() for row in range(log.rowCount())}
        assert "警告" in levels
        assert desk.window.docks["positions"].windowTitle() == "仓位与敞口"
    if os.environ.get("ARBDESK_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(out, SCREENSHOT)
    # the next window (English, as every other test) gets no Chinese
    async with open_desk() as desk:
        assert desk.window.toolbar.panic.text() == "PANIC"


async def test_the_language_menu_saves_the_choice_for_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARBDESK_HOME", str(tmp_path))
    async with open_desk() as desk:
        menu = desk.window.language_menu
        assert "restart" in menu.title()
        checked = [a.objectName() for a in menu.actions() if a.isChecked()]
        assert checked == ["language_en"]
        chinese = next(a for a in menu.actions() if a.objectName() == "language_zh_CN")
        chinese.trigger()
        assert "starts again" in desk.window.statusBar().currentMessage()
    saved = read_toml(tmp_path / "config" / "settings.toml")
    assert saved["ui"] == {"language": "zh_CN"}


def test_chart_dates_name_months_and_weekdays_in_the_locale(qtbot: QtBot) -> None:
    axis = date_axis()
    day = 86_400.0
    jan_2 = 1_767_312_000.0  # 2026-01-02 00:00 UTC, a Friday
    try:
        QLocale.setDefault(QLocale("zh_CN"))
        levels = {s.format: (z, s.spacing) for z in axis.zoomLevels.values() for s in z.tickSpecs}
        axis.zoomLevel, spacing = levels["%b"]  # months
        assert axis.tickStrings([jan_2], 1.0, spacing) == ["1月"]
        axis.zoomLevel, day = levels["%a %d"]  # weekdays
        weekdays = axis.tickStrings([jan_2], 1.0, day)
        assert weekdays in (["2日 周五"], ["2日 星期五"])
        QLocale.setDefault(QLocale("en_US"))
        assert axis.tickStrings([jan_2], 1.0, day) == ["Fri 2"]
    finally:
        QLocale.setDefault(QLocale("en_US"))
