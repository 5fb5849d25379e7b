"""A venue wrapper that injects faults, to drive the OMS down its ambiguous paths.

``FaultyVenue`` wraps any ``Venue`` and stands between it and the engine in both directions:
requests go through it to the inner venue, and the inner venue's reports (orders, fills, balances,
positions) come back through it to the engine's listener. Faults are queued per operation and each
call takes the next one (no fault queued: the call passes straight through):

- ``TIMEOUT_AFTER_SEND``: the request reaches the venue and is carried out, the answer is lost
  (``AmbiguousOutcome``). With ``drop_reports`` the venue's own reports from that call are lost
  too, so only asking the venue can tell what happened.
- ``LOST_REQUEST``: the connection fails before the venue reads the request (``AmbiguousOutcome``,
  nothing reached the venue).
- ``REJECT``: a definitive refusal (``OrderRejected``); nothing reached the venue.
- ``TRANSIENT``: a safe-to-retry failure (``TransientError``); nothing reached the venue.
- ``KILL_BEFORE_SEND`` / ``KILL_AFTER_SEND``: the process dies by SIGKILL before the request
  leaves, or after the venue carried it out and saved it but before the answer is returned (with
  ``drop_reports``, before anything the venue pushed meanwhile reached the engine).
- Cancels and cancel-all take ``LOST_REQUEST``, ``TRANSIENT`` (cancel-all) and
  ``TIMEOUT_AFTER_SEND`` the same way.
- ``LATE_FILLS`` (cancels): the venue's reports held back by ``hold_reports()`` are delivered
  only after the cancel's acknowledgement has returned: fills, balances and positions arrive late;
  order updates older than the acknowledgement are dropped (the acknowledgement superseded them).

- ``UNEXPECTED`` (creates): the venue carries the request out and its answer cannot be read: an
  exception outside the venue error taxonomy (a parse error), as a buggy adapter would raise.
- ``NOT_FOUND`` / ``REJECT`` (cancels): the venue says it does not know the order
  (``OrderNotFound``), or refuses the cancel (``OrderRejected``); nothing reaches it.
- ``fail_fetch``: the next ``fetch_order`` calls fail with ``TRANSIENT`` (``TransientError``).
- ``fail_fetch_fills(KILL_BEFORE_SEND)``: the process dies when fills are asked for.
- ``HANG`` (creates): the request reaches the venue and is carried out; its answer is held back
  until ``answer()``, while the venue's reports flow as usual.
- ``inject_fill``: a fill the venue reports for an order of its own choosing (one we never sent);
  ``inject_order``: likewise an order report.
- ``SLOW_REJECT`` (creates): the venue takes its time (until ``answer()``), then refuses.
- ``NOT_FOUND`` (``fetch_order``): the venue answers that it does not know the order (None)
  without being asked; (``fetch_open_orders``): its list lags and shows no order at all.
- ``fail_close(HANG)``: ``close`` never returns until ``answer()`` (a venue that hangs up badly).

Calls are counted: ``create_calls``, ``cancel_calls`` and ``close_calls`` (every request the
engine made), ``fetch_calls`` (per client order id, every ``fetch_order``).

``inner_creates`` counts, per client order id, the create requests that really reached the inner
venue: the proof that nothing was sent twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter, deque
from collections.abc import Awaitable, Sequence
from enum import StrEnum

from app.core.accounting import Balance, Position
from app.core.events import FundingPaid
from app.core.instruments import Instrument
from app.core.orders import Fill, Order
from app.venues.base import Venue, VenueListener
from app.venues.errors import AmbiguousOutcome, OrderNotFound, OrderRejected, TransientError

Report = Order | Fill | FundingPaid | tuple[str, Balance] | tuple[str, Position]


class Fault(StrEnum):
    TIMEOUT_AFTER_SEND = "timeout_after_send"
    LOST_REQUEST = "lost_request"
    REJECT = "reject"
    TRANSIENT = "transient"
    KILL_BEFORE_SEND = "kill_before_send"
    KILL_AFTER_SEND = "kill_after_send"
    LATE_FILLS = "late_fills"
    UNEXPECTED = "unexpected"
    HANG = "hang"
    SLOW_SEND = "slow_send"
    NOT_FOUND = "not_found"
    SLOW_REJECT = "slow_reject"


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class FaultyVenue:
    """A ``Venue`` around ``inner`` with programmable faults; see the module docstring."""

    def __init__(self, inner: Venue, *, drop_reports: bool = False) -> None:
        self.inner = inner
        self.drop_reports = drop_reports
        self.create_faults: deque[Fault] = deque()
        self.cancel_faults: deque[Fault] = deque()
        self.cancel_all_faults: deque[Fault] = deque()
        self.fetch_faults: deque[Fault] = deque()
        self.fetch_fills_faults: deque[Fault] = deque()
        self.fetch_open_faults: deque[Fault] = deque()
        self.close_faults: deque[Fault] = deque()
        self._answer = asyncio.Event()
        self.create_calls = 0  # requests the engine made
        self.inner_creates: Counter[str] = Counter()  # requests that reached the inner venue
        self.cancel_calls = 0
        self.inner_cancels: Counter[str] = Counter()
        self.fetch_calls: Counter[str] = Counter()
        self.close_calls = 0
        self.reports_dropped = 0
        self.on_sent: list[str] = []  # client order ids, in the order they reached the venue
        self._listener: VenueListener | None = None
        self._muted = False
        self._holding = False
        self._held: list[Report] = []

    # -- programming faults ------------------------------------------------------------------

    def fail_create(self, *faults: Fault) -> None:
        self.create_faults.extend(faults)

    def fail_cancel(self, *faults: Fault) -> None:
        self.cancel_faults.extend(faults)

    def fail_cancel_all(self, *faults: Fault) -> None:
        self.cancel_all_faults.extend(faults)

    def fail_fetch(self, *faults: Fault) -> None:
        self.fetch_faults.extend(faults)

    def fail_fetch_open(self, *faults: Fault) -> None:
        self.fetch_open_faults.extend(faults)

    def fail_fetch_fills(self, *faults: Fault) -> None:
        self.fetch_fills_faults.extend(faults)

    def fail_close(self, *faults: Fault) -> None:
        self.close_faults.extend(faults)

    def answer(self) -> None:
        """Let every ``HANG``, ``SLOW_SEND`` and ``SLOW_REJECT`` call go on (for good)."""
        self._answer.set()

    def inject_fill(self, fill: Fill) -> None:
        self._forward(fill)

    def inject_order(self, order: Order) -> None:
        """An order report the venue pushes of its own accord (a late, stale or illegal one)."""
        self._forward(order)

    def hold_reports(self) -> None:
        """Hold the inner venue's reports back until a ``LATE_FILLS`` cancel (or ``release``)."""
        self._holding = True

    def release(self, superseded: Order | None = None) -> None:
        """Deliver what was held; order updates of ``superseded``'s order are dropped."""
        held, self._held, self._holding = self._held, [], False
        for report in held:
            if (
                superseded is not None
                and isinstance(report, Order)
                and report.client_order_id == superseded.client_order_id
            ):
                self.reports_dropped += 1
                continue
            self._forward(report)

    # -- Venue: identity and lifecycle -------------------------------------------------------

    @property
    def name(self) -> str:
        return self.inner.name

    def instruments(self) -> Sequence[Instrument]:
        return self.inner.instruments()

    def set_listener(self, listener: VenueListener) -> None:
        self._listener = listener
        self.inner.set_listener(self)

    async def connect(self) -> None:
        await self.inner.connect()

    async def close(self) -> None:
        self.close_calls += 1
        if self.close_faults and self.close_faults.popleft() is Fault.HANG:
            await self._answer.wait()
        await self.inner.close()

    # -- Venue: orders -----------------------------------------------------------------------

    async def create_order(self, order: Order) -> Order:
        self.create_calls += 1
        fault = self.create_faults.popleft() if self.create_faults else None
        cid = order.client_order_id
        if fault is Fault.KILL_BEFORE_SEND:
            _die()
        if fault is Fault.LOST_REQUEST:
            raise AmbiguousOutcome(f"connection reset before {self.name} read {cid}")
        if fault is Fault.REJECT:
            raise OrderRejected(f"{self.name} refused {cid}: injected rejection")
        if fault is Fault.SLOW_REJECT:
            await self._answer.wait()
            raise OrderRejected(f"{self.name} refused {cid}: injected, after a while")
        if fault is Fault.TRANSIENT:
            raise TransientError(f"{self.name} busy: injected, {cid} not sent")
        self.inner_creates[cid] += 1
        self.on_sent.append(cid)
        if fault is Fault.TIMEOUT_AFTER_SEND:
            await self._quietly(self.inner.create_order(order))
            raise AmbiguousOutcome(f"timeout waiting for {self.name} to answer {cid}")
        if fault is Fault.KILL_AFTER_SEND:
            await self._quietly(self.inner.create_order(order))
            _die()
        if fault is Fault.SLOW_SEND:
            await self._answer.wait()
        if fault is Fault.HANG:
            ack = await self.inner.create_order(order)
            await self._answer.wait()
            return ack
        if fault is Fault.UNEXPECTED:
            await self._quietly(self.inner.create_order(order))
            raise ValueError(f"could not parse {self.name}'s answer to {cid}")
        return await self.inner.create_order(order)

    async def cancel_order(self, client_order_id: str, symbol: str) -> Order:
        self.cancel_calls += 1
        fault = self.cancel_faults.popleft() if self.cancel_faults else None
        if fault is Fault.LOST_REQUEST:
            raise AmbiguousOutcome(f"disconnected before {self.name} read the cancel")
        if fault is Fault.NOT_FOUND:
            raise OrderNotFound(f"{self.name} does not know {client_order_id}")
        if fault is Fault.REJECT:
            raise OrderRejected(f"{self.name} refused to cancel {client_order_id}: injected")
        self.inner_cancels[client_order_id] += 1
        if fault is Fault.TIMEOUT_AFTER_SEND:
            await self._quietly(self.inner.cancel_order(client_order_id, symbol))
            raise AmbiguousOutcome(f"disconnected before {self.name} answered the cancel")
        ack = await self.inner.cancel_order(client_order_id, symbol)
        if fault is Fault.LATE_FILLS:
            asyncio.get_running_loop().call_soon(self.release, ack)
        return ack

    async def cancel_all(self, symbol: str | None = None) -> list[Order]:
        fault = self.cancel_all_faults.popleft() if self.cancel_all_faults else None
        if fault is Fault.LOST_REQUEST:
            raise AmbiguousOutcome(f"disconnected before {self.name} read cancel-all")
        if fault is Fault.TRANSIENT:
            raise TransientError(f"{self.name} busy: injected, cancel-all not sent")
        if fault is Fault.TIMEOUT_AFTER_SEND:
            await self._quietly(self.inner.cancel_all(symbol))
            raise AmbiguousOutcome(f"disconnected before {self.name} answered cancel-all")
        return await self.inner.cancel_all(symbol)

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        fault = self.fetch_open_faults.popleft() if self.fetch_open_faults else None
        if fault is Fault.HANG:
            await self._answer.wait()
        if fault is Fault.NOT_FOUND:
            return []
        return await self.inner.fetch_open_orders(symbol)

    async def fetch_order(self, client_order_id: str, symbol: str) -> Order | None:
        self.fetch_calls[client_order_id] += 1
        fault = self.fetch_faults.popleft() if self.fetch_faults else None
        if fault is Fault.TRANSIENT:
            raise TransientError(f"{self.name} busy: injected, {client_order_id} not fetched")
        if fault is Fault.NOT_FOUND:
            return None
        return await self.inner.fetch_order(client_order_id, symbol)

    async def fetch_fills(self, since_ns: int = 0, symbol: str | None = None) -> list[Fill]:
        if self.fetch_fills_faults and self.fetch_fills_faults.popleft() is Fault.KILL_BEFORE_SEND:
            _die()
        return await self.inner.fetch_fills(since_ns, symbol)

    async def fetch_balances(self) -> dict[str, Balance]:
        return await self.inner.fetch_balances()

    async def fetch_positions(self) -> list[Position]:
        return await self.inner.fetch_positions()

    # -- VenueListener: what the inner venue reports -------------------------------------------

    def on_order(self, order: Order) -> None:
        self._report(order)

    def on_fill(self, fill: Fill) -> None:
        self._report(fill)

    def on_balance(self, venue: str, balance: Balance) -> None:
        self._report((venue, balance))

    def on_position(self, venue: str, position: Position) -> None:
        self._report((venue, position))

    def on_funding(self, payment: FundingPaid) -> None:
        self._report(payment)

    # -- internals -----------------------------------------------------------------------------

    async def _quietly(self, call: Awaitable[object]) -> None:
        """Await ``call``; with ``drop_reports`` what the venue pushes meanwhile is lost."""
        self._muted = self.drop_reports
        try:
            await call
        finally:
            self._muted = False

    def _report(self, report: Report) -> None:
        if self._muted:
            self.reports_dropped += 1
        elif self._holding:
            self._held.append(report)
        else:
            self._forward(report)

    def _forward(self, report: Report) -> None:
        listener = self._listener
        if listener is None:
            return
        if isinstance(report, Order):
            listener.on_order(report)
        elif isinstance(report, Fill):
            listener.on_fill(report)
        elif isinstance(report, FundingPaid):
            listener.on_funding(report)
        elif isinstance(report[1], Balance):
            listener.on_balance(report[0], report[1])
        else:
            listener.on_position(report[0], report[1])
