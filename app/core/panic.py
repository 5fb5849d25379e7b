"""What the kill switch did, venue by venue, and what it could not do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VenuePanicResult:
    venue: str
    canceled: int
    remaining_orders: tuple[str, ...] = ()
    closed_positions: tuple[str, ...] = ()
    remaining_positions: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.remaining_orders and not self.remaining_positions


@dataclass(frozen=True, slots=True)
class PanicReport:
    """Published on the bus and returned by ``Engine.panic``."""

    reason: str
    actor: str
    flatten: bool
    started_ns: int
    elapsed_ms: float
    bots_stopped: int
    venues: tuple[VenuePanicResult, ...]

    @property
    def clean(self) -> bool:
        """Nothing left open anywhere (errors on the way may still have happened)."""
        return all(v.clean for v in self.venues)

    def summary(self) -> str:
        lines = [
            f"PANIC ({self.actor}): {self.reason}",
            f"{sum(v.canceled for v in self.venues)} orders canceled in {self.elapsed_ms:.0f} ms; "
            f"{self.bots_stopped} bots stopped",
        ]
        for v in self.venues:
            state = "clean" if v.clean else "NOT CLEAN"
            line = f"  {v.venue}: {v.canceled} canceled, {state}"
            if v.remaining_orders:
                line += f"; still open: {', '.join(v.remaining_orders)}"
            if v.closed_positions:
                line += f"; closed: {', '.join(v.closed_positions)}"
            if v.remaining_positions:
                line += f"; positions left: {', '.join(v.remaining_positions)}"
            if v.errors:
                line += f"; errors: {'; '.join(v.errors)}"
            lines.append(line)
        return "\n".join(lines)
