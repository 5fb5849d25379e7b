"""The kill switch and the resume when no instance runs: done by the shell itself, from the
stored accounts.

The panic opens only what cancelling needs (``Engine.panic_offline``): the store, the trading
state and the journal. ``HALTED`` is persisted before anything else, so even a panic that cannot
reach a single venue leaves the next start halted; then each venue is connected and cancelled on
its own, and one that cannot be reached fails alone, named in the report with its error.
Flattening at market needs positions and quotes: after the cancels, the venues are reconciled and,
only when positions exist, the feed runs for a few seconds, then the same ``Engine.panic`` as the
button closes them (a position with no quote in time is reported as not closed). It runs only when
every venue was reached: otherwise the report says why nothing was flattened.

The resume opens everything but the feed and the timers (``Engine.open_offline``) and runs
``Engine.reset_halt``: a fresh reconciliation, ``ACTIVE`` only if every venue agrees, audited as
the window's "Resume trading…" is.

Covered venues: those the settings define. Today these are the paper venues (their books are in
the data folder); live exchange accounts, once they exist, join here through the same engine.
``make_engine`` builds the engine from the settings (tests hand one over venues they built).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.core.panic import PanicReport, VenuePanicResult
from app.engine.api import Engine, ReconciliationReport
from app.runtime.settings import Settings

REASON = "arbdesk panic (no running instance)"
QUOTE_WAIT_S = 5.0
#: How the kill switch names a venue it could not connect (``Engine.panic_offline``).
NOT_REACHED = "could not connect"

MakeEngine = Callable[[Settings], Engine]


@dataclass(frozen=True, slots=True)
class OfflinePanic:
    report: PanicReport
    trading_state: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OfflineResume:
    report: ReconciliationReport
    trading_state: str

    @property
    def resumed(self) -> bool:
        return self.report.ok and self.trading_state == "ACTIVE"


async def panic_offline(
    settings: Settings,
    *,
    flatten: bool = False,
    reason: str = REASON,
    quote_wait_s: float = QUOTE_WAIT_S,
    actor: str = "cli",
    make_engine: MakeEngine | None = None,
) -> OfflinePanic:
    """Halt, cancel everything venue by venue and verify (and flatten); always closes what it
    opened. Without ``flatten`` the engine has no quotes (``Engine.for_orders``: a replay's
    file is not read); flattening at market needs them."""
    if make_engine is not None:
        engine = make_engine(settings)
    else:
        engine = await Engine.create(settings, quotes=flatten)
    notes: list[str] = []
    try:
        report = await engine.panic_offline(reason, actor=actor)
        if flatten:
            report = await _flatten(engine, report, quote_wait_s, notes)
        state = engine.trading_state.value
    finally:
        await engine.stop()
    return OfflinePanic(report, state, tuple(notes))


async def resume_offline(
    settings: Settings, actor: str = "cli", *, make_engine: MakeEngine | None = None
) -> OfflineResume:
    """Reconcile afresh and leave HALTED only if every venue agrees; always closes what it
    opened. Raises when the engine cannot open (a venue that does not connect)."""
    if make_engine is not None:
        engine = make_engine(settings)
    else:
        engine = await Engine.create(settings, quotes=False)
    try:
        await engine.open_offline()
        report = await engine.reset_halt(confirm=True, actor=actor)
        state = engine.trading_state.value
    finally:
        await engine.stop()
    return OfflineResume(report, state)


def _not_reached(result: VenuePanicResult) -> bool:
    return any(error.startswith(NOT_REACHED) for error in result.errors)


async def _flatten(
    engine: Engine, canceled: PanicReport, quote_wait_s: float, notes: list[str]
) -> PanicReport:
    """Close positions at market after the cancels (``canceled``, HALTED already persisted);
    the report is the flattening panic's, with the first pass's cancels and errors added."""
    missed = sorted(v.venue for v in canceled.venues if _not_reached(v))
    if missed:
        notes.append(
            f"nothing was flattened: {', '.join(missed)} could not be reached; "
            "run `arbdesk panic --flatten` again once it can"
        )
        return replace(canceled, flatten=True)
    await engine.reconcile()  # the positions, as the venues hold them
    wanted = {(v.venue, v.position.instrument_id.symbol) for v in engine.snapshot().positions}
    if wanted:
        engine.start_feed()
        missing = await _wait_for_quotes(engine, wanted, quote_wait_s)
        notes.extend(
            f"no quote for {venue} {symbol} within {quote_wait_s:g} s: "
            "it cannot be closed at market"
            for venue, symbol in sorted(missing)
        )
    flattened = await engine.panic(canceled.reason, flatten=True, actor=canceled.actor)
    first = {v.venue: v for v in canceled.venues}
    venues = tuple(_merged(first[v.venue], v) if v.venue in first else v for v in flattened.venues)
    return replace(
        flattened,
        started_ns=canceled.started_ns,
        elapsed_ms=canceled.elapsed_ms + flattened.elapsed_ms,
        venues=venues,
    )


def _merged(first: VenuePanicResult, then: VenuePanicResult) -> VenuePanicResult:
    return replace(
        then, canceled=first.canceled + then.canceled, errors=(*first.errors, *then.errors)
    )


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
