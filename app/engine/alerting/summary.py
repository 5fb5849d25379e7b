"""The daily summary: when it is due (local wall time) and what it says.

It reads the engine's report (``Engine.day_report``): the orders, fills and halts stored since
the previous summary (a day, when the app ran through it), PnL per currency since the equity
baseline and the trading state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any


def seconds_until(hhmm: str, now: datetime) -> float:
    """Seconds from ``now`` (local, aware or naive) to the next ``HH:MM``; a full day when it
    is that minute now, so one summary is sent per day."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return (target - now).total_seconds()


def summary_text(report: Mapping[str, Any], day: str) -> str:
    """One message; money as the engine's decimal strings."""
    halts: Sequence[str] = report.get("halts") or ()
    pnl = report.get("pnl") or {}
    pnl_text = ", ".join(f"{amount} {currency}" for currency, amount in pnl.items()) or "n/a"
    lines = [
        f"ArbDesk daily summary {day} ({report.get('mode', '?')}, {report.get('market', '?')})",
        f"PnL since the baseline: {pnl_text}",
        f"orders: {report.get('orders', 0)}, fills: {report.get('fills', 0)}",
        f"trading state: {report.get('trading_state', '?')}",
        f"halts: {len(halts)}" + "".join(f"\n- {reason}" for reason in halts),
    ]
    return "\n".join(lines)
