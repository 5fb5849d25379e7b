"""Which market a stored baseline belongs to: trading mode, market source (with the replay
file's identity) and the set of venues.

The equity baseline PnL is measured from, the day's starting equity and the peak equity are
figures of one market. Carried into another in the same data folder (``--market sim`` then
``--market replay``) they showed a loss of 94,885 USDT with no trade and a drawdown close to a
halt. So each is stored under its key suffixed with the market's id: a market not seen before
starts flat, and going back to one finds its figures again.

A replay file is known by its name, size and the hash of its first 64 KiB, not by its path: the
bundled sample lives in a different folder per installation (and per run in a one-file build).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class MarketScope:
    mode: str
    source: str
    venues: tuple[str, ...]
    replay: str = ""

    @classmethod
    def of(
        cls, mode: str, source: str, venues: Iterable[str], replay_file: Path | None = None
    ) -> MarketScope:
        replay = replay_identity(replay_file) if replay_file is not None else ""
        return cls(mode, source, tuple(sorted(set(venues))), replay)

    @property
    def id(self) -> str:
        """16 hex digits, stable across runs, versions and machines."""
        text = json.dumps(
            [self.mode, self.source, list(self.venues), self.replay], separators=(",", ":")
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def key(self, base: str) -> str:
        """``base`` (a settings key of the store) for this market only."""
        return f"{base}@{self.id}"

    def __str__(self) -> str:
        replay = f" {self.replay}" if self.replay else ""
        return f"{self.mode} {self.source}{replay} on {', '.join(self.venues)}"


def replay_identity(path: Path) -> str:
    """Name, size and head hash of a replay file (its name alone if it cannot be read)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
        size = path.stat().st_size
    except OSError:
        return path.name
    return f"{path.name}:{size}:{hashlib.sha256(head).hexdigest()[:16]}"
