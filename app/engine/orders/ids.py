"""Client order id blocks, reserved in the store before any id of them is used.

A fresh store starts from the current time in milliseconds, so ids stay unique even against a
venue that still remembers orders from a store that was deleted.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection

from app.core.client_ids import IdBlock
from app.store import repositories as repo
from app.store.store import Store

NEXT_KEY = "oms.next_id_seq"
BLOCK = 1000


def _reserve(conn: Connection, size: int, floor: int) -> int:
    saved = repo.get_setting(conn, NEXT_KEY)
    start = max(int(saved) if saved is not None else 0, floor)
    repo.set_setting(conn, NEXT_KEY, start + size)
    return start


class OrderIds:
    def __init__(self, store: Store, block: int = BLOCK) -> None:
        self._store = store
        self._size = block
        self._block: IdBlock | None = None

    async def next(self) -> str:
        block = self._block
        if block is None or block.exhausted:
            floor = time.time_ns() // 1_000_000
            start = await self._store.run(_reserve, self._size, floor)
            block = self._block = IdBlock(start, start + self._size)
        return block.take()
