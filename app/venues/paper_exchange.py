"""The synchronous core of the paper venue: open orders, resting books, matching and fills.

No I/O, no awaiting and no listener: every method runs to the end at once, which is what makes an
operation atomic on the event loop. What changed is collected in ``changes`` for the venue to save
and report (``paper.py``).

Rules (each one in ``paper_matching``):
- A marketable order takes the visible size at the quote, as a taker: a buy at the ask up to
  ``ask_qty``, a sell at the bid up to ``bid_qty``. What one quote offers is shared: what our orders
  took from a quote is not offered again until the next quote of that symbol.
- The remainder of a GTC or post-only limit rests; of an IOC or market order it is canceled. A FOK
  that the visible size cannot fill whole is canceled without a fill. A post-only that would take
  is rejected.
- A resting order fills at its own price, as a maker, when a later quote reaches it (buy:
  ``ask <= price``; sell: ``bid >= price`` — touching counts), up to that quote's visible size,
  shared in price-time priority.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from app.core.clock import Clock
from app.core.instruments import Instrument
from app.core.money import ZERO, to_float
from app.core.orders import Fill, Liquidity, Order, OrderStatus, OrderType, Side, TimeInForce
from app.core.quotes import Quote
from app.venues.errors import OrderRejected
from app.venues.paper_accounts import PaperAccount
from app.venues.paper_matching import (
    Resting,
    RestingBook,
    check_notional,
    fee_currency,
    taker_price,
    trade_fee,
    validate_static,
    visible_qty,
    within_limit,
)

_SENDABLE = frozenset({OrderStatus.NEW, OrderStatus.PENDING_SUBMIT})
_IMMEDIATE = frozenset({TimeInForce.IOC, TimeInForce.FOK})
_NOTHING_TO_REDUCE = "reduce-only: nothing left to reduce"


@dataclass(slots=True)
class Changes:
    """What one operation changed: the last state of each order (with its time priority), the
    new fills, and orders and fills in the order they happened (for the listener)."""

    orders: dict[str, tuple[Order, int]] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    events: list[Order | Fill] = field(default_factory=list)


class PaperExchange:
    """Orders and matching of one paper account; the money side is ``PaperAccount``."""

    def __init__(
        self,
        venue: str,
        instruments: Mapping[str, Instrument],
        account: PaperAccount,
        clock: Clock,
    ) -> None:
        self.venue = venue
        self.instruments = instruments
        self.account = account
        self.clock = clock
        # Open orders and their time priority; resting limit orders per symbol (none: no key).
        self.open: dict[str, Order] = {}
        self.seq: dict[str, int] = {}
        self.books: dict[str, RestingBook] = {}
        # Latest quote per symbol, and how much of it our orders already took (bid, ask).
        self.last: dict[str, Quote] = {}
        self._taken: dict[str, tuple[Quote, Decimal, Decimal]] = {}
        self.next_trade = 1
        self.next_order = 1
        self.changes = Changes()

    # -- state ---------------------------------------------------------------------------------

    def restore(
        self, orders: Iterable[tuple[Order, int]], next_trade: int, next_order: int
    ) -> None:
        """Open orders after a restart, back in their books with their time priority."""
        self.open.clear()
        self.seq.clear()
        self.books.clear()
        self._taken.clear()
        for order, seq in orders:
            cid = order.client_order_id
            self.open[cid] = order
            self.seq[cid] = seq
            if order.type is OrderType.LIMIT and order.price is not None:
                self._rest(order)
        self.next_trade, self.next_order = next_trade, next_order

    def take_changes(self) -> Changes:
        changes, self.changes = self.changes, Changes()
        return changes

    def sorted_open(self, symbol: str | None = None) -> list[Order]:
        orders = [o for o in self.open.values() if symbol is None or o.symbol == symbol]
        return sorted(orders, key=lambda o: self.seq[o.client_order_id])

    # -- orders --------------------------------------------------------------------------------

    def submit(self, order: Order) -> Order:
        """Accept, match and rest or cancel ``order``; raises ``OrderRejected`` leaving no trace."""
        inst = self._check(order)
        side, cid = order.side, order.client_order_id
        quote = self.last.get(order.symbol)
        price = None if quote is None else taker_price(side, quote, inst.tick_size)
        marketable = price is not None and within_limit(side, order.price, price)
        immediate = order.type is OrderType.MARKET or order.time_in_force in _IMMEDIATE
        if immediate and price is None:
            what = "a market" if order.type is OrderType.MARKET else f"an {order.time_in_force}"
            missing = "quote yet" if quote is None else ("ask" if side is Side.BUY else "bid")
            raise OrderRejected(
                f"no {missing} for {order.symbol} on {self.venue}: {what} order needs one"
            )
        if order.time_in_force is TimeInForce.POST_ONLY and marketable:
            book_side = "ask" if side is Side.BUY else "bid"
            raise OrderRejected(
                f"post-only {side} {order.quantity} @ {order.price} on {order.symbol} would take "
                f"liquidity: {book_side} is {price} on {self.venue}"
            )
        ref_price = order.price if order.type is OrderType.LIMIT else price
        assert ref_price is not None
        check_notional(inst, order, ref_price)
        if order.reduce_only:
            self._check_reduce_only(inst, order)
        else:
            reducible = self.account.reducible(inst, side)
            if reducible > 0:  # else nothing to net: skip the walk over every open order
                reducible -= self._pending(order.symbol, side)
            lock = self.account.required(
                inst, side, order.quantity, ref_price, max(reducible, ZERO)
            )
            self.account.reserve(cid, lock, order.quantity)

        seq = self.next_order
        self.next_order += 1
        venue_order_id = f"{self.venue}-{seq}"
        if order.status is OrderStatus.NEW:
            order = order.transition(
                OrderStatus.PENDING_SUBMIT, self.clock.now_ns(), venue_order_id=venue_order_id
            )
        else:  # one copy (``Order.with_state``), not ``dataclasses.replace``
            order = order.with_state(
                order.status, order.updated_ns, order.filled_qty, order.avg_fill_price,
                venue_order_id, order.reason,
            )  # fmt: skip
        self.open[cid] = order
        self.seq[cid] = seq

        if marketable and quote is not None and price is not None:
            visible = self._visible(side, quote, inst)
            if order.time_in_force is TimeInForce.FOK and visible < order.quantity:
                return self.cancel(
                    cid, f"FOK: {visible} visible at {price}, order needs {order.quantity}"
                )
            qty = min(order.quantity, visible)
            if qty > 0:
                self._fill(cid, qty, price, Liquidity.TAKER)
                self._take(side, quote, qty)
        return self._after_taking(cid, price, marketable)

    def cancel(self, cid: str, reason: str | None) -> Order:
        order = self.open[cid].transition(OrderStatus.CANCELED, self.clock.now_ns(), reason=reason)
        self._record(order)
        self._retire(order)
        return order

    def _after_taking(self, cid: str, price: Decimal | None, marketable: bool) -> Order:
        """Rest what a GTC or post-only limit has left; cancel what the others have left."""
        order = self.open.get(cid)
        if order is None:
            return self.changes.orders[cid][0]
        if order.type is OrderType.MARKET or order.time_in_force in _IMMEDIATE:
            what = "market" if order.type is OrderType.MARKET else order.time_in_force.value
            if order.filled_qty:
                reason = f"{what}: remainder {order.remaining} canceled, no more visible at {price}"
            elif marketable:
                reason = f"{what}: nothing visible at {price}"
            else:
                reason = f"{what}: nothing at {order.price} or better (best {price})"
            return self.cancel(cid, reason)
        if order.status is OrderStatus.PENDING_SUBMIT:
            order = order.transition(OrderStatus.OPEN, self.clock.now_ns())
            self._record(order)
        self._rest(order)
        return order

    def _check(self, order: Order) -> Instrument:
        """What makes an order unacceptable before any market or money question."""
        if order.venue != self.venue:
            raise OrderRejected(
                f"order {order.client_order_id} is for {order.venue}, not {self.venue}"
            )
        inst = self.instruments.get(order.symbol)
        if inst is None:
            raise OrderRejected(f"unknown symbol {order.symbol} on {self.venue}")
        if order.status not in _SENDABLE:
            raise OrderRejected(
                f"order {order.client_order_id} is {order.status}: only NEW or PENDING_SUBMIT "
                "orders can be sent"
            )
        if order.client_order_id in self.open:
            raise OrderRejected(
                f"duplicate client order id {order.client_order_id} on {self.venue}"
            )
        validate_static(inst, order)
        return inst

    def _check_reduce_only(self, inst: Instrument, order: Order) -> None:
        """A reduce-only order must fit in what the position and other reduce-only orders leave."""
        position = self.account.position(inst.symbol)
        held = position.qty if position is not None else ZERO
        pending = sum(
            (
                o.remaining
                for o in self.open.values()
                if o.reduce_only and o.symbol == inst.symbol and o.side is order.side
            ),
            ZERO,
        )
        if order.quantity > self.account.reducible(inst, order.side) - pending:
            also = f", {pending} already in reduce-only orders" if pending else ""
            raise OrderRejected(
                f"reduce-only {order.side} {order.quantity} {inst.symbol} on {self.venue} would "
                f"not reduce: position {held}{also}"
            )

    def _pending(self, symbol: str, side: Side) -> Decimal:
        """What open orders on ``side`` of ``symbol`` may still trade."""
        return sum(
            (o.remaining for o in self.open.values() if o.symbol == symbol and o.side is side),
            ZERO,
        )

    # -- matching ------------------------------------------------------------------------------

    def match(self, book: RestingBook, quote: Quote) -> None:
        """A quote reached the head of ``book``: fill what it crosses, best price first."""
        if book.buys and 0 < quote.ask <= book.buys[0].price:
            self._match_side(book.buys, Side.BUY, quote)
        if book.sells and quote.bid > 0 and quote.bid >= book.sells[0].price:
            self._match_side(book.sells, Side.SELL, quote)

    def _match_side(self, entries: list[Resting], side: Side, quote: Quote) -> None:
        inst = self.instruments[quote.symbol]
        available = self._visible(side, quote, inst)
        reached = quote.ask if side is Side.BUY else quote.bid
        for entry in list(entries):
            if available <= 0:
                break
            if (reached > entry.price) if side is Side.BUY else (reached < entry.price):
                break
            cid = entry.client_order_id
            order = self.open.get(cid)
            if order is None:  # canceled by an earlier fill of this loop (reduce-only)
                continue
            qty = min(order.remaining, available)
            if order.reduce_only:
                qty = min(qty, self.account.reducible(inst, side))
                if qty <= 0:
                    self.cancel(cid, _NOTHING_TO_REDUCE)
                    continue
            assert order.price is not None
            self._fill(cid, qty, order.price, Liquidity.MAKER)
            self._take(side, quote, qty)
            available -= qty

    def _visible(self, side: Side, quote: Quote, inst: Instrument) -> Decimal:
        """The quote's size on the side a taker on ``side`` meets, less what we already took."""
        visible = visible_qty(side, quote, inst.step_size)
        taken = self._taken.get(quote.symbol)
        if taken is not None and taken[0] is quote:
            visible -= taken[2] if side is Side.BUY else taken[1]
        return max(visible, ZERO)

    def _take(self, side: Side, quote: Quote, qty: Decimal) -> None:
        taken = self._taken.get(quote.symbol)
        bid, ask = (taken[1], taken[2]) if taken is not None and taken[0] is quote else (ZERO, ZERO)
        if side is Side.BUY:
            ask += qty
        else:
            bid += qty
        self._taken[quote.symbol] = (quote, bid, ask)

    def _fill(self, cid: str, qty: Decimal, price: Decimal, liquidity: Liquidity) -> None:
        """One execution: release its share of the hold, settle the money, record the trade."""
        order = self.open[cid]
        inst = self.instruments[order.symbol]
        rate = inst.maker_fee if liquidity is Liquidity.MAKER else inst.taker_fee
        fee = trade_fee(inst, qty, price, rate)
        self.account.release(cid, qty)
        if inst.is_derivative:
            self.account.settle_derivative(inst, order.side, qty, price, fee)
        else:
            self.account.settle_spot(inst, order.side, qty, price, fee)
        now = self.clock.now_ns()
        fill = Fill(
            venue=self.venue,
            trade_id=str(self.next_trade),
            client_order_id=cid,
            symbol=order.symbol,
            side=order.side,
            price=price,
            qty=qty,
            fee=fee,
            fee_currency=fee_currency(inst),
            liquidity=liquidity,
            ts_ns=now,
            venue_order_id=order.venue_order_id,
        )
        self.next_trade += 1
        self.changes.fills.append(fill)
        self.changes.events.append(fill)
        order = order.with_fill(qty, price, now)
        self._record(order)
        if order.status is OrderStatus.FILLED:
            self._retire(order)
        if inst.is_derivative:
            self._expire_reduce_only(inst)

    def _expire_reduce_only(self, inst: Instrument) -> None:
        """Reduce-only orders that can no longer reduce are canceled, as exchanges do."""
        for order in list(self.open.values()):
            if (
                order.reduce_only
                and order.symbol == inst.symbol
                and self.account.reducible(inst, order.side) == 0
            ):
                self.cancel(order.client_order_id, _NOTHING_TO_REDUCE)

    # -- bookkeeping ---------------------------------------------------------------------------

    def _rest(self, order: Order) -> None:
        assert order.price is not None
        book = self.books.get(order.symbol)
        if book is None:
            book = self.books[order.symbol] = RestingBook()
        cid = order.client_order_id
        book.add(Resting(cid, order.side, to_float(order.price), self.seq[cid]))

    def _retire(self, order: Order) -> None:
        """An order that ended: out of the open set and the book, its hold released."""
        cid = order.client_order_id
        del self.open[cid]
        del self.seq[cid]
        self.account.release_all(cid)
        book = self.books.get(order.symbol)
        if book is not None:
            book.remove(cid, order.side)
            if not book:
                del self.books[order.symbol]

    def _record(self, order: Order) -> None:
        cid = order.client_order_id
        if cid in self.open:
            self.open[cid] = order
        self.changes.orders[cid] = (order, self.seq[cid])
        self.changes.events.append(order)
