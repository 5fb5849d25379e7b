"""The order manager: the only caller of a venue's order methods, and the record of every order.

- Write-ahead: an order is in the store as PENDING_SUBMIT (with its ``submit`` event) before the
  request leaves.
- A definitive refusal becomes REJECTED with the venue's reason. Anything else after the journal
  write (a timeout, a disconnect, or an exception outside the venue error taxonomy, such as a
  parse error) makes the order UNKNOWN; a supervised task settles it by asking the venue (by
  client order id, with backoff), never by sending it again.
- Every change goes through the transition table and is appended to the journal's events (who,
  what, the venue's answer): ``arbdesk orders show`` prints an order's history. What a venue
  reports that the table forbids is recorded as an anomaly, never raised into the loop; a report
  older than what we know (the submit's acknowledgement after the cancel that overtook it) is
  ignored quietly.
- Fills are de-duplicated by (venue, trade id); a fill that would overfill its order is refused
  and raises an alert; a fill for no order of ours is recorded once, as external, with an alert.
- Funds are held from the journal write until the venue's answer (a market order at the far edge
  of the price band); the in-memory record (``ledger``) is the read-only view risk checks with.
- Reconciliation (``reconcile``) and the kill switch's cancels (``cancel_all_at``, ``open_at``)
  are OMS operations; tasks it starts run under the engine's supervisor.

Writes after the journal (order updates, events, fills, balances, positions) are not awaited: they
are collected and handed to the store as one job per loop pass (``app.engine.orders.writes``).

Edge cases:
- A cancel asked for an order still in flight (journaled, not yet answered) cannot reach the venue
  yet: it is remembered and sent as soon as the venue reports the order open (it is dropped if
  the order ends first).
- A cancel the venue refuses (``OrderRejected``) puts the order back in the state it had, then
  asks the venue for its real state; a cancel answered "not found" whose re-ask fails, or that
  gets no answer, is settled by a supervised task.
- "The venue does not know this order" settles an order as REJECTED only after
  ``NOT_FOUND_TO_REJECT`` consecutive such answers, counted per order by ``note_not_found``,
  whether they came from the settle loop or from reconciliation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from app.core.accounting import Balance, Position
from app.core.backoff import Backoff
from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import (
    Alert,
    AlertLevel,
    BalanceChanged,
    FillReceived,
    FundingPaid,
    OrderAnomaly,
    OrderUpdated,
    PositionChanged,
    PrivateStreamChanged,
    VenueState,
)
from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO
from app.core.orders import (
    Fill,
    Order,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    can_transition,
)
from app.core.trading_state import TradingState
from app.engine.audit import AuditLog
from app.engine.orders.ids import OrderIds
from app.engine.orders.ledger import OrderLedger
from app.engine.orders.reconcile import (
    AccountsSink,
    Reconciler,
    ReconciliationReport,
    VenueReconciliation,
)
from app.engine.orders.resume import last_event_id, mark_reconciled, orders_to_resume
from app.engine.orders.risk import CheckResult, OpenOrders, Rejection, RiskEngine
from app.engine.orders.writes import OrderWrites
from app.runtime.risk_settings import OmsSettings
from app.store import repositories as repo
from app.store.store import Store
from app.venues.base import Venue
from app.venues.errors import OrderNotFound, OrderRejected, TransientError

log = logging.getLogger(__name__)
S = OrderStatus
# Consecutive "no such order" answers before an order believed sent (UNKNOWN, or PENDING_SUBMIT
# not being sent) is REJECTED as never having reached the venue; shared by the settle loop and
# reconciliation (``OrderManager.note_not_found``).
NOT_FOUND_TO_REJECT = 3
_CANCELABLE = frozenset({S.OPEN, S.PARTIALLY_FILLED})
_SETTLING = frozenset({S.UNKNOWN, S.PENDING_CANCEL, S.PENDING_SUBMIT})
#: Starts a supervised one-shot task (``Supervisor.spawn``): nothing the OMS starts dies silently.
Spawn = Callable[..., "asyncio.Task[None]"]


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
        spawn: Spawn,
        accounts: AccountsSink,
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
        self._ledger = OrderLedger(instruments, leverage)
        self.orders: Mapping[str, Order] = self._ledger.orders  # read-only outside the ledger
        self._spawn_task = spawn
        self._sending: set[str] = set()  # journaled and not yet answered (or refused)
        self._cancel_wanted: dict[str, str] = {}  # cid -> actor: cancel once the venue has it
        self._not_found: dict[str, int] = {}  # consecutive "no such order" answers per cid
        self._writes = OrderWrites(store)
        self._reconciler = Reconciler(self, store, accounts)
        self.cancels_deferred = 0
        self.cancels_refused = 0
        self.anomalies = 0
        self.duplicate_fills = 0
        self.overfills = 0
        self.orders_sent = 0
        self.fills_total = 0
        self.stale_reports = 0
        self.external_fills = 0

    # -- start-up ------------------------------------------------------------------------------

    async def load(self) -> None:
        """From the journal: every order that may still trade, every order whose fills are not
        all recorded (a crash between its state and its fills; reconciliation fetches them by
        order), and the fills already counted for both."""
        orders, fills = await self._store.run(orders_to_resume)
        for order in orders:
            self._ledger.track(order)
        self._ledger.remember(fills)

    # -- what others may read ------------------------------------------------------------------

    @property
    def view(self) -> OpenOrders:
        """The read-only view of the orders out, as risk gets it with each check."""
        return self._ledger

    def venues_with_open_orders(self) -> set[str]:
        return self._ledger.venues_with_open_orders()

    def sending(self, client_order_id: str) -> bool:
        """Whether the order is between its journal write and the venue's answer."""
        return client_order_id in self._sending

    def open_orders(self, venue: str | None = None) -> list[Order]:
        return self._ledger.open_orders(venue)

    def missing_fills(self, venue: str) -> list[Order]:
        return self._ledger.missing_fills(venue)

    def filled_by_fills(self, client_order_id: str) -> Decimal:
        return self._ledger.filled_by_fills(client_order_id)

    def preview(self, request: OrderRequest) -> list[CheckResult]:
        """Every risk check's verdict on ``request`` now; sends nothing."""
        return self._risk.preview(request, self._ledger)

    # -- reconciliation ------------------------------------------------------------------------

    async def reconcile(self, venues: Iterable[str] | None = None) -> ReconciliationReport:
        """Compare our journal with each venue's record, venues concurrently. Only the venue being
        reconciled is RECONCILING: orders to the others go on. A reconciliation of every venue
        that passes marks the journal, so the next start looks for missing fills only in the
        orders touched after it (``resume``)."""
        names = list(venues) if venues is not None else list(self.venues)
        everything = set(names) == set(self.venues)
        self.flush_writes()
        mark = await self._store.run(last_event_id) if everything else 0
        report = ReconciliationReport(
            list(await asyncio.gather(*(self._reconcile_venue(name) for name in names)))
        )
        if everything and report.ok:
            self.flush_writes()
            await self._store.run(mark_reconciled, mark)
        return report

    async def _reconcile_venue(self, name: str) -> VenueReconciliation:
        self._risk.set_reconciling(name, True)
        try:
            return await self._reconciler.venue(name)
        finally:
            self._risk.set_reconciling(name, False)

    # -- submitting ----------------------------------------------------------------------------

    async def submit(self, request: OrderRequest) -> Order:
        """Risk, journal, send. Raises ``OrderRefused`` when risk says no; otherwise returns the
        order as last known (REJECTED and UNKNOWN included: they are recorded outcomes)."""
        rejection = self._risk.check(request, self._ledger)
        if rejection is not None:
            raise OrderRefused(rejection)
        cid = await self._ids.next()
        now = self._clock.now_ns()
        order = Order.from_request(request, cid, now).transition(S.PENDING_SUBMIT, now)
        self._ledger.track(order)
        self._ledger.holds.hold(order, order.price or self._risk.worst_price(request))
        self._sending.add(cid)  # until its answer is in: reconciliation leaves it alone
        try:
            self.flush_writes()  # what waits goes first: same order, and likely the same commit
            event = OrderEvent(cid, now, order.origin, "submit", order.status, ZERO)
            try:
                await self._store.run(repo.journal_order, order, event)  # the write-ahead journal
            except Exception as exc:
                self._ledger.forget(order)
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
            try:
                await self._send(order)
            except BaseException as exc:
                # journaled and possibly sent: whatever went wrong, it is never left unsettled
                self._outcome_unknown(cid, exc)
                if not isinstance(exc, Exception):
                    raise
                log.exception("order %s: unexpected error after the journal write", cid)
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
        delays = Backoff(self.settings.settle_backoff_s).delays()
        for attempt in range(self.settings.submit_retries + 1):
            if self.orders[order.client_order_id].status is not S.PENDING_SUBMIT:
                return  # settled meanwhile (by a venue report): never send it again
            state = self._risk.state_for(order.venue)
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
                await asyncio.sleep(next(delays))
            except Exception as exc:
                # AmbiguousOutcome, a timeout, a dropped socket, or anything outside the taxonomy
                # (a parse error): the request may have reached the venue
                self._outcome_unknown(order.client_order_id, exc)
                return
            else:
                self.apply(ack)
                return

    def _outcome_unknown(self, cid: str, exc: BaseException) -> None:
        """The request may have reached the venue: UNKNOWN, and settled by asking, never resent.
        Nothing to do when the venue already reported the order (its word stands)."""
        if self.orders[cid].status is not S.PENDING_SUBMIT:
            return
        why = str(exc) or type(exc).__name__
        self.settle(cid, S.UNKNOWN, f"outcome unknown: {why}")
        self._spawn(self._settle_unknown(cid), cid)

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
            return await self._cancel_now(order, actor)
        finally:
            self.flush_writes()

    async def _cancel_now(self, order: Order, actor: str) -> Order:
        """Send one cancel. Whatever the venue answers, or fails to, the order ends up either
        in the venue's reported state, back in the state it had (a refused cancel), or with a
        supervised task asking the venue until its state is known."""
        cid = order.client_order_id
        before = order.status
        if before in _CANCELABLE:
            self.settle(cid, S.PENDING_CANCEL, None, actor=actor, action="cancel_request")
        venue = self.venues[order.venue]
        try:
            async with asyncio.timeout(self.settings.venue_timeout_s):
                ack = await venue.cancel_order(cid, order.symbol)
        except OrderNotFound:
            try:
                found = await self.refresh(cid)
            except Exception as exc:
                log.warning("cancel of %s: not found, and the venue not asked again: %s", cid, exc)
                self._spawn(self._settle_unknown(cid), cid)
            else:
                if found is None and self.orders[cid].status is S.UNKNOWN:
                    self._cancel_wanted.setdefault(cid, "engine")  # it may land: cancel it then
                elif found is None:
                    self._spawn(self._settle_unknown(cid), cid)
        except OrderRejected as exc:
            self._cancel_refused(cid, before, exc.reason)
            with contextlib.suppress(Exception):
                await self.refresh(cid)  # the venue's word, if it will give it
        except Exception as exc:
            log.warning("cancel of %s did not get an answer: %s", cid, exc)
            self._spawn(self._settle_unknown(cid), cid)
        else:
            self.apply(ack)
        return self.orders[cid]

    def _cancel_refused(self, cid: str, before: OrderStatus, reason: str) -> None:
        """The venue said no to a cancel: the order is back in the state it had before."""
        self.cancels_refused += 1
        current = self.orders[cid]
        if current.status is S.PENDING_CANCEL and before is not S.PENDING_CANCEL:
            back = S.PARTIALLY_FILLED if current.filled_qty > 0 else before
            self.settle(cid, back, None, actor="venue", action="cancel_refused", detail=reason)
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
            await self._cancel_now(order, actor)
        except Exception:
            log.exception("deferred cancel of %s failed", cid)
        finally:
            self.flush_writes()

    async def cancel_all_at(self, name: str) -> list[Order]:
        """One ``cancel_all`` on one venue (the kill switch), its answer applied; raises what the
        venue raised (the kill switch retries and verifies)."""
        async with asyncio.timeout(self.settings.venue_timeout_s):
            canceled = await self.venues[name].cancel_all()
        for order in canceled:
            self.apply(order, actor="panic")
        return canceled

    async def open_at(self, name: str) -> list[Order]:
        """The venue's own list of our open orders there, applied (a kill switch's check)."""
        async with asyncio.timeout(self.settings.venue_timeout_s):
            still = await self.venues[name].fetch_open_orders()
        for order in still:
            self.apply(order, actor="panic")
        return still

    async def positions(self, name: str) -> list[Position]:
        """The venue's open positions, as it reports them (the kill switch's flatten)."""
        async with asyncio.timeout(self.settings.venue_timeout_s):
            return [p for p in await self.venues[name].fetch_positions() if p.qty != 0]

    def note_not_found(self, client_order_id: str) -> bool:
        """Count one "no such order" answer; True once ``NOT_FOUND_TO_REJECT`` came in a row
        (any answer that finds the order starts the count again)."""
        misses = self._not_found.get(client_order_id, 0) + 1
        self._not_found[client_order_id] = misses
        return misses >= NOT_FOUND_TO_REJECT

    async def refresh(self, client_order_id: str) -> Order | None:
        """Ask the venue for one order (bounded by the venue timeout) and apply what it says."""
        order = self.orders[client_order_id]
        async with asyncio.timeout(self.settings.venue_timeout_s):
            found = await self.venues[order.venue].fetch_order(client_order_id, order.symbol)
        if found is not None:
            self.apply(found)
        return found

    async def _settle_unknown(self, client_order_id: str) -> None:
        """Ask the venue, with backoff, until the order's real state is known."""
        delays = Backoff(self.settings.settle_backoff_s).delays()
        for _ in range(self.settings.settle_attempts):
            await asyncio.sleep(next(delays))
            order = self.orders[client_order_id]
            if order.status not in _SETTLING:
                return
            try:
                async with asyncio.timeout(self.settings.venue_timeout_s):
                    found = await self.venues[order.venue].fetch_order(
                        client_order_id, order.symbol
                    )
            except Exception as exc:
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

    def apply(self, incoming: Order, actor: str = "venue") -> Order | None:
        """A venue's view of one of our orders; adopts orders we do not know as external."""
        cid = incoming.client_order_id
        self._not_found.pop(cid, None)
        current = self.orders.get(cid)
        if current is None:
            return self.adopt(incoming)
        if incoming.filled_qty < current.filled_qty or (
            current.status.is_terminal
            and not incoming.status.is_terminal
            and incoming.filled_qty == current.filled_qty
        ):
            # an older report overtaken by a newer one: e.g. the submit's acknowledgement (OPEN)
            # arriving after the cancel that overtook it (CANCELED)
            self.stale_reports += 1
            log.debug(
                "order %s: stale %s report ignored (%s)", cid, incoming.status, current.status
            )
            return current
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
        updated = current.with_state(  # checked above; a copy without dataclasses.replace
            status,
            self._clock.now_ns(),
            incoming.filled_qty,
            incoming.avg_fill_price,
            incoming.venue_order_id or current.venue_order_id,
            incoming.reason or current.reason,
        )
        self._replace(updated, actor, "venue_update", incoming.reason or "")
        return updated

    def adopt(self, incoming: Order) -> Order:
        """An order the venue has and we never sent (placed elsewhere): recorded as external."""
        order = replace(incoming, origin="external")
        self._ledger.track(order)
        self._writes.order(order)
        self._event(order, "venue", "adopt", "placed outside ArbDesk")
        self._audit.record(
            "engine",
            "order_adopted",
            {"client_order_id": order.client_order_id, "venue": order.venue},
        )
        self._bus.publish(OrderUpdated(order))
        return order

    def on_order(self, order: Order) -> None:
        self.apply(order)

    def on_fill(self, fill: Fill) -> None:
        if self._ledger.seen(fill):
            self.duplicate_fills += 1
            return
        cid = fill.client_order_id
        order = self.orders.get(cid)
        filled = self._ledger.filled_by_fills(cid) + fill.qty
        if order is None:
            # not ours and not yet reported as an order: recorded once, as external, and told
            self.external_fills += 1
            self._alert(
                AlertLevel.WARNING,
                f"fill {fill.trade_id} on {fill.venue} {fill.symbol} ({fill.side} {fill.qty} @ "
                f"{fill.price}) belongs to no order of ours ({cid}); recorded as external",
            )
            self._audit.record(
                "engine", "fill_adopted", {"trade_id": fill.trade_id, "client_order_id": cid}
            )
        elif filled > order.quantity:
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
        self._ledger.count_fill(fill)
        self.fills_total += 1
        self._writes.fill(fill)
        self._bus.publish(FillReceived(fill))

    def on_balance(self, venue: str, balance: Balance) -> None:
        self._writes.balance(venue, balance)
        self._bus.publish(BalanceChanged(venue, balance))

    def on_position(self, venue: str, position: Position) -> None:
        self._writes.position(venue, position)
        self._bus.publish(PositionChanged(venue, position))

    def on_funding(self, payment: FundingPaid) -> None:
        """Published for attribution (bots); not stored: the balance it moved arrives and is
        stored through ``on_balance``, which is what the portfolio counts."""
        log.info(
            "funding %s %s on %s %s: rate %s on position %s at mark %s",
            payment.amount,
            payment.currency,
            payment.venue,
            payment.symbol,
            payment.rate,
            payment.position_qty,
            payment.mark,
        )
        self._bus.publish(payment)

    def on_status(self, venue: str, state: VenueState, detail: str) -> None:
        """A private stream's state, for the engine (which reconciles the venue on subscribe)."""
        log.info("%s private stream %s %s", venue, state, detail)
        self._bus.publish(PrivateStreamChanged(venue, state, detail))

    # -- writes after the journal --------------------------------------------------------------

    def flush_writes(self) -> None:
        """Hand every write waiting since the journal to the store thread now (not awaited)."""
        self._writes.flush()

    # -- bookkeeping ---------------------------------------------------------------------------

    def settle(
        self,
        cid: str,
        status: OrderStatus,
        reason: str | None,
        *,
        actor: str = "engine",
        action: str = "settle",
        detail: str | None = None,
    ) -> None:
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
        self._replace(updated, actor, action, reason or "" if detail is None else detail)

    def _replace(self, order: Order, actor: str, action: str, detail: str) -> None:
        self._ledger.replace(order)
        if order.status is not S.PENDING_SUBMIT:
            self._ledger.holds.release(order.client_order_id)
        self._writes.order(order)
        self._event(order, actor, action, detail)
        self._bus.publish(OrderUpdated(order))
        cid = order.client_order_id
        if order.status.is_terminal:
            self._not_found.pop(cid, None)
        if cid in self._cancel_wanted:
            if order.status.is_terminal:
                del self._cancel_wanted[cid]
            elif order.status in _CANCELABLE:
                self._spawn(self._deferred_cancel(cid, self._cancel_wanted.pop(cid)), cid)

    def _event(self, order: Order, actor: str, action: str, detail: str) -> None:
        """Append this transition to the journal (written with the order's row)."""
        self._writes.event(
            OrderEvent(
                order.client_order_id,
                order.updated_ns or self._clock.now_ns(),
                actor,
                action,
                order.status,
                order.filled_qty,
                detail,
            )
        )

    def _anomaly(self, cid: str, message: str) -> None:
        self.anomalies += 1
        log.error("order anomaly %s: %s", cid, message)
        self._bus.publish(OrderAnomaly(cid, message, self._clock.now_ns()))

    def _alert(self, level: AlertLevel, message: str) -> None:
        log.log(logging.CRITICAL if level is AlertLevel.CRITICAL else logging.WARNING, message)
        self._bus.publish(Alert(level, "oms", message, self._clock.now_ns()))

    def _spawn(self, coro: Coroutine[Any, Any, None], cid: str) -> None:
        """Settling and deferred cancels run under the engine's supervisor (safety tasks)."""
        trace = self.orders[cid].trace_id if cid in self.orders else ""
        self._spawn_task("oms.settle", coro, safety=True, trace_id=trace or cid)

    async def close(self) -> None:
        """The supervisor stops the OMS's tasks; what they wrote goes to the store."""
        self.flush_writes()
