"""The order manager: the only way an order reaches a venue, and the record of every order.

- Write-ahead: an order is in the store as PENDING_SUBMIT before the request leaves.
- A definitive refusal becomes REJECTED with the venue's reason. A timeout or disconnect after
  sending makes the order UNKNOWN; it is settled by asking the venue (by client order id, with
  backoff), never by sending it again.
- Every change goes through the transition table; what a venue reports that the table forbids is
  recorded as an anomaly, never raised into the loop.
- Fills are de-duplicated by (venue, trade id); a fill that would overfill its order is refused
  and raises an alert.

Writes after the journal (order updates, fills, balances, positions) are not awaited: they are
collected and handed to the store as one job per loop pass (``app.engine.orders.writes``).

Edge cases:
- A cancel asked for an order still in flight (journaled, not yet answered) cannot reach the venue
  yet: it is remembered and sent as soon as the venue reports the order open (it is dropped if
  the order ends first).
- A cancel the venue refuses (``OrderRejected``) puts the order back in its open state
  (``PENDING_CANCEL -> OPEN`` or ``PARTIALLY_FILLED``), then asks the venue for its real state.
- "The venue does not know this order" settles an order as REJECTED only after
  ``NOT_FOUND_TO_REJECT`` consecutive such answers, counted per order by ``note_not_found``,
  whether they came from the settle loop or from reconciliation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from app.core.accounting import Balance, Position
from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import (
    Alert,
    AlertLevel,
    BalanceChanged,
    FillReceived,
    OrderAnomaly,
    OrderUpdated,
    PositionChanged,
)
from app.core.frozen import evolve
from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO
from app.core.orders import Fill, Order, OrderRequest, OrderStatus, can_transition
from app.core.trading_state import TradingState
from app.engine.audit import AuditLog
from app.engine.orders.holds import OrderHolds
from app.engine.orders.ids import OrderIds
from app.engine.orders.risk import Rejection, RiskEngine
from app.engine.orders.writes import OrderWrites
from app.runtime.risk_settings import OmsSettings
from app.store import repositories as repo
from app.store.store import Store
from app.venues.base import Venue
from app.venues.errors import (
    AmbiguousOutcome,
    OrderNotFound,
    OrderRejected,
    TransientError,
    VenueError,
)

log = logging.getLogger(__name__)
S = OrderStatus
# Consecutive "no such order" answers before an order believed sent (UNKNOWN, or PENDING_SUBMIT
# not being sent) is REJECTED as never having reached the venue; shared by the settle loop and
# reconciliation (``OrderManager.note_not_found``).
NOT_FOUND_TO_REJECT = 3
_CANCELABLE = frozenset({S.OPEN, S.PARTIALLY_FILLED})


def _open_orders(conn: Connection) -> list[Order]:
    return repo.load_orders(conn, open_only=True)


def _fills_of(conn: Connection, cids: list[str]) -> list[Fill]:
    return [f for cid in cids for f in repo.load_fills(conn, client_order_id=cid)]


class OrderRefused(Exception):
    """Risk refused the request; nothing was sent or recorded as an order."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(str(rejection))
        self.rejection = rejection


class JournalWriteFailed(Exception):
    """The write-ahead journal could not be written (disk full, store closed): nothing was sent,
    and the order is forgotten as if never asked."""


class OrderManager:
    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        store: Store,
        audit: AuditLog,
        risk: RiskEngine,
        venues: Mapping[str, Venue],
        instruments: Mapping[InstrumentId, Instrument],
        settings: OmsSettings,
        leverage: Decimal,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._store = store
        self._audit = audit
        self._risk = risk
        self.venues = venues
        self._instruments = instruments
        self.settings = settings
        self._leverage = leverage
        self._ids = OrderIds(store)
        self.orders: dict[str, Order] = {}
        self._open: set[str] = set()
        self._open_per: dict[tuple[str, str], int] = {}
        self._fills_seen: set[tuple[str, str]] = set()
        self._fill_qty: dict[str, Decimal] = {}
        self._holds = OrderHolds(instruments, leverage)
        self._tasks: set[asyncio.Task[None]] = set()
        self._sending: set[str] = set()  # journaled and not yet answered (or refused)
        self._cancel_wanted: dict[str, str] = {}  # cid -> actor: cancel once the venue has it
        self._not_found: dict[str, int] = {}  # consecutive "no such order" answers per cid
        self._writes = OrderWrites(store)
        self.cancels_deferred = 0
        self.cancels_refused = 0
        self.anomalies = 0
        self.duplicate_fills = 0
        self.overfills = 0
        self.orders_sent = 0
        self.fills_total = 0
        risk.attach(self)

    # -- start-up ------------------------------------------------------------------------------

    async def load(self) -> None:
        """Non-terminal orders from the journal, and the fills already counted for them."""
        for order in await self._store.run(_open_orders):
            self._track(order)
        for fill in await self._store.run(_fills_of, sorted(self._open)):
            self._fills_seen.add(fill.key)
            cid = fill.client_order_id
            self._fill_qty[cid] = self._fill_qty.get(cid, ZERO) + fill.qty

    # -- what risk asks ------------------------------------------------------------------------

    def open_count(self) -> int:
        return len(self._open)

    def open_count_for(self, venue: str, symbol: str) -> int:
        return self._open_per.get((venue, symbol), 0)

    def in_flight(self, venue: str) -> Mapping[str, Decimal]:
        return self._holds.of(venue)

    def venues_with_open_orders(self) -> set[str]:
        return {self.orders[cid].venue for cid in self._open}

    def sending(self, client_order_id: str) -> bool:
        """Whether the order is between its journal write and the venue's answer."""
        return client_order_id in self._sending

    def missing_fills_since(self, venue: str) -> int | None:
        """Creation time of the oldest order on ``venue`` whose reports show more filled than the
        fills counted for it (fill reports lost on the way); None when nothing is missing."""
        fill_qty = self._fill_qty
        return min(
            (
                o.created_ns
                for o in self.orders.values()
                if o.venue == venue and o.filled_qty > fill_qty.get(o.client_order_id, ZERO)
            ),
            default=None,
        )

    def open_orders(self, venue: str | None = None) -> list[Order]:
        orders = (self.orders[cid] for cid in self._open)
        return sorted(
            (o for o in orders if venue is None or o.venue == venue), key=lambda o: o.created_ns
        )

    # -- submitting ----------------------------------------------------------------------------

    async def submit(self, request: OrderRequest) -> Order:
        """Risk, journal, send. Raises ``OrderRefused`` when risk says no; otherwise returns the
        order as last known (REJECTED and UNKNOWN included: they are recorded outcomes)."""
        rejection = self._risk.check(request)
        if rejection is not None:
            raise OrderRefused(rejection)
        cid = await self._ids.next()
        now = self._clock.now_ns()
        order = Order.from_request(request, cid, now).transition(S.PENDING_SUBMIT, now)
        self._track(order)
        self._holds.hold(order)
        self._sending.add(cid)  # until its answer is in: reconciliation leaves it alone
        try:
            self.flush_writes()  # what waits goes first: same order, and likely the same commit
            try:
                await self._store.run(repo.save_order, order)  # the write-ahead journal
            except Exception as exc:
                self._forget(order)
                message = f"the order journal could not be written ({exc}); nothing was sent"
                self._alert(AlertLevel.CRITICAL, f"{order.venue} {order.symbol}: {message}")
                raise JournalWriteFailed(message) from exc
            self._audit.record(
                request.origin,
                "order_submit",
                {
                    "client_order_id": cid,
                    "venue": order.venue,
                    "symbol": order.symbol,
                    "side": order.side,
                    "type": order.type,
                    "qty": order.quantity,
                    "price": order.price,
                    "reduce_only": order.reduce_only,
                },
                trace_id=request.trace_id or None,
                ts_ns=now,
            )
            self._bus.publish(OrderUpdated(order))
            await self._send(order)
        finally:
            self._sending.discard(cid)
            self.flush_writes()
        if cid in self._cancel_wanted and self.orders[cid].status is S.UNKNOWN:
            log.info("cancel of %s waits until the venue says what became of it", cid)
        return self.orders[cid]

    async def _send(self, order: Order) -> None:
        venue = self.venues.get(order.venue)
        if venue is None:
            self.settle(order.client_order_id, S.REJECTED, f"no venue {order.venue}")
            return
        delay = self.settings.settle_backoff_s
        for attempt in range(self.settings.submit_retries + 1):
            if self.orders[order.client_order_id].status is not S.PENDING_SUBMIT:
                return  # settled meanwhile (by a venue report): never send it again
            state = self._risk.state
            if state in (TradingState.HALTED, TradingState.RECONCILING) and not order.reduce_only:
                # halted while this order waited for its journal write or a retry: never sent
                self.settle(order.client_order_id, S.REJECTED, f"trading {state} before sending")
                return
            try:
                self.orders_sent += 1
                # asyncio.timeout, not wait_for: no extra task per order (wait_for ran the call
                # in a task of its own, which also split one order's writes over two loop passes)
                async with asyncio.timeout(self.settings.venue_timeout_s):
                    ack = await venue.create_order(order)
            except OrderRejected as exc:
                self.settle(order.client_order_id, S.REJECTED, exc.reason)
                self._risk.note_venue_rejection(order.venue, order.symbol, order.origin, exc.reason)
                return
            except TransientError as exc:
                if attempt == self.settings.submit_retries:
                    reason = f"venue unavailable after {attempt + 1} tries: {exc}"
                    self.settle(order.client_order_id, S.REJECTED, reason)
                    return
                log.warning("order %s not sent (%s); retrying", order.client_order_id, exc)
                await asyncio.sleep(delay)
                delay *= 2
            except (AmbiguousOutcome, TimeoutError, OSError, VenueError) as exc:
                if self.orders[order.client_order_id].status is not S.PENDING_SUBMIT:
                    return  # the venue already reported the order: its word stands
                why = str(exc) or type(exc).__name__
                self.settle(order.client_order_id, S.UNKNOWN, f"outcome unknown: {why}")
                self._spawn(self._settle_unknown(order.client_order_id))
                return
            else:
                self.apply(ack)
                return

    # -- cancelling ----------------------------------------------------------------------------

    async def cancel(
        self, client_order_id: str, *, actor: str = "manual", limited: bool = True
    ) -> Order:
        """Ask the venue to cancel; ``limited=False`` (the panic path) skips the cancel rate.

        An order still in flight (journaled, the venue's answer not in yet) cannot be canceled
        yet: the wish is remembered and the cancel sent once the venue reports the order open.
        A cancel the venue refuses puts the order back in its open state and asks the venue.
        """
        order = self.orders.get(client_order_id)
        if order is None:
            raise KeyError(f"no order {client_order_id}")
        if order.status.is_terminal:
            return order
        if limited:
            rejection = self._risk.check_cancel(order.venue)
            if rejection is not None:
                raise OrderRefused(rejection)
        if order.status is S.PENDING_SUBMIT and client_order_id in self._sending:
            self._cancel_wanted[client_order_id] = actor
            self.cancels_deferred += 1
            self._audit.record(
                actor, "order_cancel", {"client_order_id": client_order_id, "deferred": True}
            )
            log.info("cancel of %s deferred: the order is still on its way", client_order_id)
            return order
        self._audit.record(actor, "order_cancel", {"client_order_id": client_order_id})
        try:
            return await self._cancel_now(order)
        finally:
            self.flush_writes()

    async def _cancel_now(self, order: Order) -> Order:
        client_order_id = order.client_order_id
        if order.status in _CANCELABLE:
            self.settle(client_order_id, S.PENDING_CANCEL, None)
        venue = self.venues[order.venue]
        try:
            async with asyncio.timeout(self.settings.venue_timeout_s):
                ack = await venue.cancel_order(client_order_id, order.symbol)
        except OrderNotFound:
            found = await self.refresh(client_order_id)
            if found is None and self.orders[client_order_id].status is S.UNKNOWN:
                # it may still land: cancel it if it does
                self._cancel_wanted.setdefault(client_order_id, "engine")
        except OrderRejected as exc:
            self._cancel_refused(client_order_id, exc.reason)
            with contextlib.suppress(VenueError, TimeoutError, OSError):
                await self.refresh(client_order_id)  # the venue's word, if it will give it
        except (TransientError, AmbiguousOutcome, TimeoutError, OSError) as exc:
            log.warning("cancel of %s did not get an answer: %s", client_order_id, exc)
            self._spawn(self._settle_unknown(client_order_id))
        else:
            self.apply(ack)
        return self.orders[client_order_id]

    def _cancel_refused(self, cid: str, reason: str) -> None:
        """The venue said no to a cancel: the order is open again, as the table allows."""
        self.cancels_refused += 1
        current = self.orders[cid]
        if current.status is S.PENDING_CANCEL:
            back = S.PARTIALLY_FILLED if current.filled_qty > 0 else S.OPEN
            self.settle(cid, back, None)
        self._audit.record(
            "engine", "order_cancel_refused", {"client_order_id": cid, "reason": reason}
        )
        self._alert(AlertLevel.WARNING, f"cancel of {cid} refused by {current.venue}: {reason}")

    async def _deferred_cancel(self, cid: str, actor: str) -> None:
        """The cancel asked while the order was in flight, now that the venue has it."""
        order = self.orders[cid]
        if order.status.is_terminal:
            return
        self._audit.record(actor, "order_cancel", {"client_order_id": cid, "deferred": False})
        try:
            await self._cancel_now(order)
        except Exception:
            log.exception("deferred cancel of %s failed", cid)
        finally:
            self.flush_writes()

    def note_not_found(self, client_order_id: str) -> bool:
        """Count one "no such order" answer; True once ``NOT_FOUND_TO_REJECT`` came in a row
        (any answer that finds the order starts the count again)."""
        misses = self._not_found.get(client_order_id, 0) + 1
        self._not_found[client_order_id] = misses
        return misses >= NOT_FOUND_TO_REJECT

    async def refresh(self, client_order_id: str) -> Order | None:
        """Ask the venue for one order and apply what it says."""
        order = self.orders[client_order_id]
        found = await self.venues[order.venue].fetch_order(client_order_id, order.symbol)
        if found is not None:
            self.apply(found)
        return found

    async def _settle_unknown(self, client_order_id: str) -> None:
        """Ask the venue, with backoff, until the order's real state is known."""
        delay = self.settings.settle_backoff_s
        for _ in range(self.settings.settle_attempts):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
            order = self.orders[client_order_id]
            if order.status not in (S.UNKNOWN, S.PENDING_CANCEL, S.PENDING_SUBMIT):
                return
            try:
                async with asyncio.timeout(self.settings.venue_timeout_s):
                    found = await self.venues[order.venue].fetch_order(
                        client_order_id, order.symbol
                    )
            except (VenueError, TimeoutError, OSError) as exc:
                log.warning("settling %s: %s", client_order_id, exc)
                continue
            if found is not None:
                self.apply(found)
                self.flush_writes()
                return
            if self.note_not_found(client_order_id) and order.status is not S.PENDING_CANCEL:
                self.settle(client_order_id, S.REJECTED, "never reached the venue")
                self.flush_writes()
                return
        self._alert(
            AlertLevel.CRITICAL,
            f"order {client_order_id} is still {self.orders[client_order_id].status} after "
            f"{self.settings.settle_attempts} queries; reconciliation will settle it",
        )

    # -- what venues report --------------------------------------------------------------------

    def apply(self, incoming: Order) -> Order | None:
        """A venue's view of one of our orders; adopts orders we do not know as external."""
        cid = incoming.client_order_id
        self._not_found.pop(cid, None)
        current = self.orders.get(cid)
        if current is None:
            return self.adopt(incoming)
        if incoming.filled_qty < current.filled_qty:
            return current  # an older report overtaken by a newer one
        status = incoming.status
        late_fill = incoming.filled_qty > current.filled_qty
        if late_fill and current.status in (S.CANCELED, S.EXPIRED):
            # a fill that raced the cancel: counted, and the order stays closed unless complete
            status = S.FILLED if incoming.filled_qty >= current.quantity else current.status
        if (
            status is current.status
            and incoming.filled_qty == current.filled_qty
            and incoming.venue_order_id in (None, current.venue_order_id)
        ):
            return current
        if status is not current.status and not can_transition(current.status, status):
            self._anomaly(cid, f"{current.status} -> {status} is not allowed")
            return current
        updated = evolve(
            current,
            status=status,
            filled_qty=incoming.filled_qty,
            avg_fill_price=incoming.avg_fill_price,
            venue_order_id=incoming.venue_order_id or current.venue_order_id,
            reason=incoming.reason or current.reason,
            updated_ns=self._clock.now_ns(),
        )
        self._replace(updated)
        return updated

    def adopt(self, incoming: Order) -> Order:
        """An order the venue has and we never sent (placed elsewhere): recorded as external."""
        order = evolve(incoming, origin="external")
        self._track(order)
        self._writes.order(order)
        self._audit.record(
            "engine",
            "order_adopted",
            {"client_order_id": order.client_order_id, "venue": order.venue},
        )
        self._bus.publish(OrderUpdated(order))
        return order

    def on_order(self, order: Order) -> None:
        self.apply(order)

    def remember_fills(self, fills: list[Fill]) -> None:
        """Fills already recorded (so a venue repeating them is not news)."""
        self._fills_seen.update(f.key for f in fills)

    def on_fill(self, fill: Fill) -> None:
        key = fill.key
        if key in self._fills_seen:
            self.duplicate_fills += 1
            return
        cid = fill.client_order_id
        order = self.orders.get(cid)
        filled = self._fill_qty.get(cid, ZERO) + fill.qty
        if order is not None and filled > order.quantity:
            self.overfills += 1
            self._alert(
                AlertLevel.CRITICAL,
                f"fill {fill.trade_id} of {fill.qty} on {fill.venue} would overfill order {cid} "
                f"({filled} of {order.quantity}); refused",
            )
            self._audit.record(
                "engine", "overfill_refused", {"trade_id": fill.trade_id, "client_order_id": cid}
            )
            return
        self._fills_seen.add(key)
        self._fill_qty[cid] = filled
        self.fills_total += 1
        self._writes.fill(fill)
        self._bus.publish(FillReceived(fill))

    def on_balance(self, venue: str, balance: Balance) -> None:
        self._writes.balance(venue, balance)
        self._bus.publish(BalanceChanged(venue, balance))

    def on_position(self, venue: str, position: Position) -> None:
        self._writes.position(venue, position)
        self._bus.publish(PositionChanged(venue, position))

    # -- writes after the journal --------------------------------------------------------------

    def flush_writes(self) -> None:
        """Hand every write waiting since the journal to the store thread now (not awaited)."""
        self._writes.flush()

    # -- bookkeeping ---------------------------------------------------------------------------

    def settle(self, cid: str, status: OrderStatus, reason: str | None) -> None:
        """Move one of our orders to ``status`` on our own knowledge (a refusal, a timeout)."""
        current = self.orders[cid]
        if current.status is status:
            return
        if not can_transition(current.status, status):
            self._anomaly(cid, f"{current.status} -> {status} is not allowed")
            return
        changes: dict[str, object] = {} if reason is None else {"reason": reason}
        updated = current.transition(status, self._clock.now_ns(), **changes)
        if status in (S.REJECTED, S.UNKNOWN):
            self._audit.record(
                current.origin,
                f"order_{status.value.lower()}",
                {"client_order_id": cid, "reason": reason or ""},
                trace_id=current.trace_id or None,
            )
        self._replace(updated)

    def _replace(self, order: Order) -> None:
        old = self.orders.get(order.client_order_id)
        self.orders[order.client_order_id] = order
        if order.status is not S.PENDING_SUBMIT:
            self._holds.release(order.client_order_id)
        if order.status.is_terminal and old is not None and not old.status.is_terminal:
            self._untrack_open(order)
        self._writes.order(order)
        self._bus.publish(OrderUpdated(order))
        cid = order.client_order_id
        if order.status.is_terminal:
            self._not_found.pop(cid, None)
        if cid in self._cancel_wanted:
            if order.status.is_terminal:
                del self._cancel_wanted[cid]
            elif order.status in _CANCELABLE:
                self._spawn(self._deferred_cancel(cid, self._cancel_wanted.pop(cid)))

    def _track(self, order: Order) -> None:
        self.orders[order.client_order_id] = order
        if not order.status.is_terminal and order.client_order_id not in self._open:
            self._open.add(order.client_order_id)
            key = (order.venue, order.symbol)
            self._open_per[key] = self._open_per.get(key, 0) + 1

    def _forget(self, order: Order) -> None:
        """Undo ``_track`` and ``_hold`` of an order that was never journaled nor sent."""
        self.orders.pop(order.client_order_id, None)
        self._untrack_open(order)
        self._holds.release(order.client_order_id)

    def _untrack_open(self, order: Order) -> None:
        if order.client_order_id in self._open:
            self._open.discard(order.client_order_id)
            key = (order.venue, order.symbol)
            self._open_per[key] = self._open_per.get(key, 1) - 1

    def _anomaly(self, cid: str, message: str) -> None:
        self.anomalies += 1
        log.error("order anomaly %s: %s", cid, message)
        self._bus.publish(OrderAnomaly(cid, message, self._clock.now_ns()))

    def _alert(self, level: AlertLevel, message: str) -> None:
        log.log(logging.CRITICAL if level is AlertLevel.CRITICAL else logging.WARNING, message)
        self._bus.publish(Alert(level, "oms", message, self._clock.now_ns()))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.flush_writes()
