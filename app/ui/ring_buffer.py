"""Fixed-size numpy ring buffers whose contents are always one contiguous view.

Each value is written twice, at ``i`` and ``i + capacity``, so the last ``capacity`` values are
the slice ``[head, head + capacity)`` without a copy: a chart of a million points hands pyqtgraph
views, not fresh arrays, on every frame, and memory never grows after the buffer is full.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


class RingBuffer:
    """``columns`` float64 series of at most ``capacity`` points each (time in column 0)."""

    def __init__(self, capacity: int, columns: int) -> None:
        if capacity < 1 or columns < 1:
            raise ValueError("capacity and columns must be >= 1")
        self.capacity = capacity
        self._data = np.zeros((columns, 2 * capacity), dtype=np.float64)
        self._head = 0  # index of the oldest value
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        """Memory the buffer holds: fixed at construction, whatever is appended."""
        return int(self._data.nbytes)

    def extend(self, rows: Array) -> None:
        """Append rows shaped ``(n, columns)``, dropping the oldest beyond capacity."""
        n = len(rows)
        if n == 0:
            return
        cap = self.capacity
        if n > cap:
            rows = rows[-cap:]
            n = cap
        values = rows.T
        end = (self._head + self._size) % cap
        first = min(n, cap - end)
        data = self._data
        data[:, end : end + first] = values[:, :first]
        data[:, end + cap : end + cap + first] = values[:, :first]
        rest = n - first
        if rest:
            data[:, :rest] = values[:, first:]
            data[:, cap : cap + rest] = values[:, first:]
        overflow = self._size + n - cap
        if overflow > 0:
            self._head = (self._head + overflow) % cap
            self._size = cap
        else:
            self._size += n

    def column(self, i: int) -> Array:
        """The series of column ``i``, oldest first (a view: do not keep it across appends)."""
        return self._data[i, self._head : self._head + self._size]

    def drop_oldest(self, n: int) -> None:
        """Forget the ``n`` oldest rows (a chart folds them into a coarser level first)."""
        n = max(0, min(n, self._size))
        self._head = (self._head + n) % self.capacity
        self._size -= n
        if not self._size:
            self._head = 0

    def last(self, i: int) -> float | None:
        if not self._size:
            return None
        return float(self._data[i, self._head + self._size - 1])

    def clear(self) -> None:
        self._head = 0
        self._size = 0
