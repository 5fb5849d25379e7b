"""Every keyboard shortcut of the window in one table: bound from here, listed from here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Shortcut:
    keys: str
    text: str


SHORTCUTS: dict[str, Shortcut] = {
    "panic": Shortcut("Ctrl+Shift+K", "PANIC: halt, stop bots, cancel every open order"),
    "resume": Shortcut("Ctrl+Shift+R", "Resume trading (leave HALTED, after confirmation)"),
    "ticket": Shortcut("Ctrl+T", "Focus the order ticket"),
    "send": Shortcut("Return", "Send the ticket's order (in its quantity or price field)"),
    "cancel": Shortcut("Delete", "Cancel the selected open orders"),
    "spread": Shortcut("Ctrl+1", "Show the spread chart"),
    "opportunities": Shortcut("Ctrl+2", "Show the opportunities"),
    "orders": Shortcut("Ctrl+3", "Show orders and fills"),
    "positions": Shortcut("Ctrl+4", "Show positions"),
    "market": Shortcut("Ctrl+5", "Show the market watch"),
    "risk": Shortcut("Ctrl+6", "Show risk"),
    "log": Shortcut("Ctrl+7", "Show log and alerts"),
    "equity": Shortcut("Ctrl+8", "Show the equity chart"),
    "bots": Shortcut("Ctrl+9", "Show the bots"),
    "reset_layout": Shortcut("Ctrl+Shift+L", "Restore the default layout"),
    "fullscreen": Shortcut("F11", "Full screen"),
    "help": Shortcut("F1", "This list"),
    "quit": Shortcut("Ctrl+Q", "Quit (orderly shutdown)"),
}
