"""Every keyboard shortcut of the window in one table: bound from here, listed from here."""

from __future__ import annotations

from dataclasses import dataclass

from app.ui.names import QT_TRANSLATE_NOOP


@dataclass(frozen=True, slots=True)
class Shortcut:
    keys: str
    text: str


SHORTCUTS: dict[str, Shortcut] = {
    "panic": Shortcut(
        "Ctrl+Shift+K",
        QT_TRANSLATE_NOOP("Shortcuts", "PANIC: halt, stop bots, cancel every open order"),
    ),
    "resume": Shortcut(
        "Ctrl+Shift+R",
        QT_TRANSLATE_NOOP("Shortcuts", "Resume trading (leave HALTED, after confirmation)"),
    ),
    "ticket": Shortcut("Ctrl+T", QT_TRANSLATE_NOOP("Shortcuts", "Focus the order ticket")),
    "send": Shortcut(
        "Return",
        QT_TRANSLATE_NOOP("Shortcuts", "Send the ticket's order (in its quantity or price field)"),
    ),
    "cancel": Shortcut("Delete", QT_TRANSLATE_NOOP("Shortcuts", "Cancel the selected open orders")),
    "spread": Shortcut("Ctrl+1", QT_TRANSLATE_NOOP("Shortcuts", "Show the spread chart")),
    "opportunities": Shortcut("Ctrl+2", QT_TRANSLATE_NOOP("Shortcuts", "Show the opportunities")),
    "orders": Shortcut("Ctrl+3", QT_TRANSLATE_NOOP("Shortcuts", "Show orders and fills")),
    "positions": Shortcut("Ctrl+4", QT_TRANSLATE_NOOP("Shortcuts", "Show positions")),
    "market": Shortcut("Ctrl+5", QT_TRANSLATE_NOOP("Shortcuts", "Show the market watch")),
    "risk": Shortcut("Ctrl+6", QT_TRANSLATE_NOOP("Shortcuts", "Show risk")),
    "log": Shortcut("Ctrl+7", QT_TRANSLATE_NOOP("Shortcuts", "Show log and alerts")),
    "equity": Shortcut("Ctrl+8", QT_TRANSLATE_NOOP("Shortcuts", "Show the equity chart")),
    "bots": Shortcut("Ctrl+9", QT_TRANSLATE_NOOP("Shortcuts", "Show the bots")),
    "reset_layout": Shortcut(
        "Ctrl+Shift+L", QT_TRANSLATE_NOOP("Shortcuts", "Restore the default layout")
    ),
    "fullscreen": Shortcut("F11", QT_TRANSLATE_NOOP("Shortcuts", "Full screen")),
    "help": Shortcut("F1", QT_TRANSLATE_NOOP("Shortcuts", "This list")),
    "quit": Shortcut("Ctrl+Q", QT_TRANSLATE_NOOP("Shortcuts", "Quit (orderly shutdown)")),
}
