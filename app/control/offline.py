"""The kill switch when no instance runs: done by the shell itself, from the stored accounts.

It builds the engine the settings describe, opens its store and venues and reconciles (no feed,
no timers), then runs the same ``Engine.panic`` as the button: ``HALTED`` is persisted first and
stays, so the next start is halted until someone deliberately resets it. Flattening at market
needs quotes, so only then, and only when positions exist, the feed runs for a few seconds first;
a position with no quote in time is reported as not closed.

Covered venues: those the settings define. Today these are the paper venues (their books are in
the data folder); live exchange accounts, once they exist, join here through the same engine.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from app.core.panic import PanicReport
from app.engine.api import Engine
from app.runtime.settings import Settings

REASON = "arbdesk panic (no running instance)"
QUOTE_WAIT_S = 5.0


@dataclass(frozen=True, slots=True)
class OfflinePanic:
    report: PanicReport
    trading_state: str
    notes: tuple[str, ...] = ()


async def panic_offline(
    settings: Settings,
    *,
    flatten: bool = False,
    reason: str = REASON,
    quote_wait_s: float = QUOTE_WAIT_S,
) -> OfflinePanic:
    """Halt, cancel everything and verify (and flatten); always closes what it opened."""
    engine = Engine(settings)
    notes: list[str] = []
    try:
        await engine.open_offline()
        if flatten:
            wanted = {
                (v.venue, v.position.instrument_id.symbol) for v in engine.snapshot().positions
            }
            if wanted:
                engine.start_feed()
                missing = await _wait_for_quotes(engine, wanted, quote_wait_s)
                notes.extend(
                    f"no quote for {venue} {symbol} within {quote_wait_s:g} s: "
                    "it cannot be closed at market"
                    for venue, symbol in sorted(missing)
                )
        report = await engine.panic(reason, flatten=flatten, actor="cli")
        state = engine.trading_state.value
    finally:
        await engine.stop()
    return OfflinePanic(report, state, tuple(notes))


async def _wait_for_quotes(
    engine: Engine, wanted: set[tuple[str, str]], wait_s: float
) -> set[tuple[str, str]]:
    """Which of ``wanted`` still have no quote after at most ``wait_s``."""
    deadline = time.monotonic() + wait_s
    while True:
        seen = {(q.venue, q.symbol) for q in engine.snapshot().quotes}
        missing = wanted - seen
        if not missing or time.monotonic() >= deadline:
            return missing
        await asyncio.sleep(0.05)
