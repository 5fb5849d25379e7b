"""The paper venue: a matching engine over any quote source, with its own persisted books.

``PaperExchange`` (``paper_exchange.py``) matches and ``PaperAccount`` (``paper_accounts.py``)
keeps the money; this class adds what makes them a ``Venue``: the optional latency, persistence in
a ``PaperStateStore`` and reports to the listener. Every operation awaits its latency first, then
runs its checks and effects without awaiting (atomic on the event loop), is saved in one
transaction, and only then reported. Rejections raise ``OrderRejected`` (or ``InsufficientFunds``)
and leave no trace; kills by time in force end as ``CANCELED`` with a reason.

Orders and cancels are *staged* and committed at the end of the loop pass together with every
other operation staged in that pass (group commit, ``paper_store.py``); the operation reports and
answers only once that commit is done, so an acknowledged order is on disk, as before. Quotes,
funding and resets still commit at once (with anything staged before them, in order); a payment
of funding is reported as a ``FundingPaid`` (its amount exactly the balance change) besides the
balance. Reads from outside (open orders, one order, fills, balances, positions) first commit
whatever is staged, so nothing the venue says is ever ahead of its own books on disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from app.core.accounting import Balance, Position
from app.core.clock import Clock
from app.core.events import FundingPaid
from app.core.instruments import Instrument, InstrumentKind
from app.core.money import ZERO, to_decimal
from app.core.orders import Fill, Order
from app.core.quotes import Quote
from app.venues.base import VenueListener
from app.venues.errors import OrderNotFound, OrderRejected, TransientError
from app.venues.paper_accounts import Hold, PaperAccount
from app.venues.paper_exchange import Changes, PaperExchange
from app.venues.paper_store import INITIALIZED, OrderRecord, PaperStateStore

log = logging.getLogger(__name__)

_RESET_REASON = "paper account reset"


class PaperVenue:
    """One paper exchange account. Implements ``app.venues.base.Venue``."""

    def __init__(
        self,
        name: str,
        instruments: Sequence[Instrument],
        *,
        starting_balances: Mapping[str, Decimal],
        store: PaperStateStore,
        clock: Clock,
        latency_ms: float = 0.0,
        leverage: Decimal = Decimal(10),
    ) -> None:
        for inst in instruments:
            if inst.venue != name:
                raise ValueError(f"instrument {inst.id} does not belong to paper venue {name}")
        if latency_ms < 0:
            raise ValueError(f"latency must be >= 0 ms, got {latency_ms}")
        self._name = name
        self._instrument_list = tuple(instruments)
        self._instruments = {inst.symbol: inst for inst in instruments}
        self._starting = {asset: Decimal(amount) for asset, amount in starting_balances.items()}
        self._store = store
        self._clock = clock
        self._latency_s = latency_ms / 1000.0
        self._account = PaperAccount(name, Decimal(leverage))
        self._exchange = PaperExchange(name, self._instruments, self._account, clock)
        # The quote path reads the exchange's dicts directly (one call less per quote).
        self._last = self._exchange.last
        self._books = self._exchange.books
        self._listener: VenueListener | None = None
        self._connected = False

    # -- Venue protocol: identity and lifecycle ------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def connected(self) -> bool:
        return self._connected

    def instruments(self) -> Sequence[Instrument]:
        return self._instrument_list

    def set_listener(self, listener: VenueListener) -> None:
        self._listener = listener

    async def connect(self) -> None:
        """Load the saved state; a venue never seen before starts from its starting balances."""
        self._load()
        self._connected = True

    async def close(self) -> None:
        """Stop taking requests and matching. State is saved; the shared store stays open."""
        self._connected = False
        self._books.clear()
        self._commit_staged()

    # -- Venue protocol: orders ----------------------------------------------------------------

    async def create_order(self, order: Order) -> Order:
        await self._arrive()
        cid = order.client_order_id
        if self._store.has_order(self._name, cid):
            raise OrderRejected(
                f"duplicate client order id {order.client_order_id} on {self._name}"
            )
        try:
            ack = self._exchange.submit(order)
        finally:
            saved = self._stage()
        if saved is not None:
            await saved
        return ack

    async def cancel_order(self, client_order_id: str, symbol: str) -> Order:
        """Cancel an open order. An order that already ended is returned as it ended."""
        await self._arrive()
        order = self._exchange.open.get(client_order_id)
        if order is None:
            record = self._store.order(self._name, client_order_id)
            if record is None or record.order.symbol != symbol:
                raise OrderNotFound(f"no order {client_order_id} for {symbol} on {self._name}")
            return record.order
        if order.symbol != symbol:
            raise OrderNotFound(
                f"order {client_order_id} on {self._name} is for {order.symbol}, not {symbol}"
            )
        try:
            canceled = self._exchange.cancel(client_order_id, None)
        finally:
            saved = self._stage()
        if saved is not None:
            await saved
        return canceled

    async def cancel_all(self, symbol: str | None = None) -> list[Order]:
        await self._arrive()
        exchange = self._exchange
        try:
            canceled = [
                exchange.cancel(o.client_order_id, None) for o in exchange.sorted_open(symbol)
            ]
        finally:
            saved = self._stage()
        if saved is not None:
            await saved
        return canceled

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        self._require_connected()
        self._commit_staged()
        return self._exchange.sorted_open(symbol)

    async def fetch_order(self, client_order_id: str, symbol: str) -> Order | None:
        self._require_connected()
        self._commit_staged()
        order = self._exchange.open.get(client_order_id)
        if order is None:
            record = self._store.order(self._name, client_order_id)
            order = None if record is None else record.order
        return order if order is not None and order.symbol == symbol else None

    async def fetch_fills(self, since_ns: int = 0, symbol: str | None = None) -> list[Fill]:
        self._require_connected()
        self._commit_staged()
        return self._store.fills(self._name, since_ns, symbol)

    async def fetch_balances(self) -> dict[str, Balance]:
        self._require_connected()
        self._commit_staged()
        return dict(self._account.balances)

    def verify_locks(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Assets whose running lock total differs from a fresh re-sum (empty: all agree); the
        check behind the running totals' property test."""
        return self._account.verify_locks()

    async def fetch_positions(self) -> list[Position]:
        self._require_connected()
        self._commit_staged()
        return [p for _, p in sorted(self._account.positions.items()) if p.qty != 0]

    # -- market side ---------------------------------------------------------------------------

    def on_quote(self, quote: Quote) -> None:
        """Every quote of this venue. O(1) and allocation-free unless it reaches a resting order."""
        symbol = quote.symbol
        self._last[symbol] = quote
        book = self._books.get(symbol)
        if book is None:
            return
        buys, sells = book.buys, book.sells
        if (buys and 0 < quote.ask <= buys[0].price) or (
            sells and quote.bid > 0 and quote.bid >= sells[0].price
        ):
            try:
                self._exchange.match(book, quote)
            finally:
                self._flush_quietly()

    def apply_funding(self, symbol: str, rate: float, mark: float) -> None:
        """Funding of a perpetual position: notional at ``mark`` × ``rate``; longs pay if > 0.

        Saved, then reported as one ``FundingPaid`` (before the balance it moved), so the engine
        can attribute it; nothing is reported when there is no position or the amount is zero.
        """
        inst = self._instruments.get(symbol)
        if inst is None or inst.kind is not InstrumentKind.PERPETUAL:
            raise ValueError(f"{symbol} is not a perpetual on {self._name}")
        if mark <= 0:
            raise ValueError(f"funding needs a positive mark, got {mark} for {symbol}")
        position = self._account.position(symbol)
        qty = position.qty if position is not None else ZERO
        rate_d, mark_d = to_decimal(rate), to_decimal(mark)
        amount = self._account.pay_funding(inst, rate_d, mark_d)
        if amount:
            payment = FundingPaid(
                self._name,
                symbol,
                amount,
                inst.settle_currency,
                rate_d,
                qty,
                mark_d,
                self._clock.now_ns(),
            )
            self._flush(funding=payment)

    def reset(self) -> None:
        """Back to the starting balances: every open order canceled, every position gone.

        Fills and ended orders are kept, and so are the id counters: a trade id never repeats and
        the engine's journal still reconciles with this venue's history.
        """
        self._require_connected()
        for order in self._exchange.sorted_open():
            self._exchange.cancel(order.client_order_id, _RESET_REASON)
        self._account.start(self._starting)
        self._flush(replace_account=True)

    def last_quote(self, symbol: str) -> Quote | None:
        return self._last.get(symbol)

    def position(self, symbol: str) -> Position | None:
        """The open position on ``symbol``, or None when flat."""
        position = self._account.position(symbol)
        return position if position is not None and position.qty != 0 else None

    # -- persistence and reporting -------------------------------------------------------------

    def _load(self) -> None:
        state = self._store.load(self._name)
        if state is None:
            self._exchange.restore((), 1, 1)
            self._account.start(self._starting)
            self._flush(replace_account=True, meta={INITIALIZED: "1"}, report=False)
            return
        holds = {
            r.order.client_order_id: Hold(
                r.lock_asset, r.lock_amount, r.order.quantity, r.order.remaining
            )
            for r in state.open_orders
            if r.lock_asset is not None
        }
        self._account.load(state.totals, state.positions, holds, self._instruments)
        self._exchange.restore(
            ((r.order, r.seq) for r in state.open_orders),
            int(state.meta.get("next_trade_id", "1")),
            int(state.meta.get("next_order_seq", "1")),
        )

    def _flush(
        self,
        *,
        replace_account: bool = False,
        meta: Mapping[str, str] | None = None,
        report: bool = True,
        funding: FundingPaid | None = None,
    ) -> None:
        """Write the operation's changes now (with anything staged before), then report them."""
        self._stage(
            replace_account=replace_account, meta=meta, report=report, wait=False, funding=funding
        )
        self._store.commit()

    def _stage(
        self,
        *,
        replace_account: bool = False,
        meta: Mapping[str, str] | None = None,
        report: bool = True,
        wait: bool = True,
        funding: FundingPaid | None = None,
    ) -> asyncio.Future[None] | None:
        """Stage the operation's changes for the store's next commit; they are reported to the
        listener once committed. With ``wait``, returns a future done at that moment (None when
        nothing changed), and the commit is scheduled for the end of this loop pass."""
        account, exchange = self._account, self._exchange
        changes = exchange.take_changes()
        touched = account.changed_assets or account.changed_symbols
        if not (changes.orders or changes.fills or touched or replace_account or meta):
            return None
        balances, positions = account.drain()
        records = []
        for cid, (order, seq) in changes.orders.items():
            hold = account.hold_of(cid)
            if hold is None:
                records.append(OrderRecord(order, seq))
            else:
                records.append(OrderRecord(order, seq, hold.asset, hold.amount))
        counters = {
            "next_trade_id": str(exchange.next_trade),
            "next_order_seq": str(exchange.next_order),
        }
        future: asyncio.Future[None] | None = None
        if wait:
            future = asyncio.get_running_loop().create_future()
        listener = self._listener if report else None

        def done(exc: BaseException | None) -> None:
            if exc is None and listener is not None:
                self._report(listener, changes, balances, positions, funding)
            if future is not None and not future.done():
                if exc is None:
                    future.set_result(None)
                else:
                    future.set_exception(exc)

        self._store.stage(
            self._name,
            orders=records,
            fills=changes.fills,
            balances=balances,
            positions=positions,
            meta={**counters, **(meta or {})},
            replace_account=replace_account,
            done=done,
        )
        if wait:
            self._store.commit_soon()
        return future

    def _commit_staged(self) -> None:
        """Commit what is staged (this venue's or others' on the same file) before answering."""
        if self._store.has_staged:
            self._store.commit()

    def _flush_quietly(self) -> None:
        """On the quote path a failing write is logged, never raised into the feed."""
        try:
            self._flush()
        except Exception:
            log.exception("paper venue %s could not save its state", self._name)

    def _report(
        self,
        listener: VenueListener,
        changes: Changes,
        balances: list[Balance],
        positions: list[Position],
        funding: FundingPaid | None = None,
    ) -> None:
        """Orders and fills in the order they happened, then funding (a cause, like a fill), then
        balances, then positions."""
        for event in changes.events:
            if isinstance(event, Fill):
                self._safely(listener.on_fill, event)
            else:
                self._safely(listener.on_order, event)
        if funding is not None:
            self._safely(listener.on_funding, funding)
        for balance in balances:
            self._safely(listener.on_balance, self._name, balance)
        for position in positions:
            self._safely(listener.on_position, self._name, position)

    def _safely(self, method: Callable[..., None], *args: object) -> None:
        """A failing listener is logged; the venue's state is already saved and stays right."""
        try:
            method(*args)
        except Exception:
            log.exception("listener of paper venue %s failed", self._name)

    # -- small helpers -------------------------------------------------------------------------

    def _require_connected(self) -> None:
        if not self._connected:
            raise TransientError(f"paper venue {self._name} is not connected")

    async def _arrive(self) -> None:
        """The request travels to the venue: latency, and the venue must still be up."""
        self._require_connected()
        if self._latency_s > 0:
            await asyncio.sleep(self._latency_s)
            self._require_connected()
