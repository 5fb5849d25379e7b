"""A live exchange account as a ``Venue``: orders over ccxt's REST client, order and trade
updates from ccxt pro's private streams.

- Every create carries our client order id in the exchange's own parameter (``ccxt_ids``); an
  answer that may have been lost is ``AmbiguousOutcome`` and is settled by asking for that id,
  never by sending again (the OMS does the asking).
- Every failure goes through one classifier (``ccxt_errors``). A 429 makes the next calls wait
  for its Retry-After; a 418 (an IP ban) refuses every REST call of this venue until it ends; a
  clock-skew error re-syncs ccxt's time difference.
- Trades carry the exchange's order id, not ours: the map from one to the other is kept from
  every order seen, and an unknown id is looked up once.
- Calls that some exchanges refuse without a symbol (open orders, my trades, cancel-all) loop
  over the symbols in use.
- The private stream reports to the listener's ``on_status``: after every (re)subscribe the
  engine reconciles this venue alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, TypeVar

from app.core.accounting import Balance, Position
from app.core.backoff import Backoff
from app.core.clock import Clock, WallClock
from app.core.events import VenueState
from app.core.instruments import Instrument, InstrumentKind
from app.core.orders import Fill, Order, OrderType, TimeInForce
from app.core.secrets import Secret
from app.venues.base import StreamFactory, VenueListener
from app.venues.ccxt_errors import Operation, classify
from app.venues.ccxt_exchange import RestLimits, begin_call, close_exchange, last_call
from app.venues.ccxt_feed import STREAM_BACKOFF
from app.venues.ccxt_ids import client_id_params, our_client_id
from app.venues.ccxt_parse import balances_of, fill_of, order_of, position_of
from app.venues.errors import (
    ClockSkew,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    TransientError,
    VenueBanned,
    VenueError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
SUBSCRIBED_AFTER_S = 0.5  # a private watch pending this long without an error is subscribed
BALANCE_REFRESH_S = 1.0
TRADES_REMEMBERED = 10_000  # trade ids delivered, to deliver each once (the OMS also checks)
#: Exchanges whose fetch by client id misses orders (ccxt 4.5.90): Kraken sends it as an
#: integer ``userref``; Bybit's ``fetch_order`` sees only the last 500 orders. Listed instead.
FETCH_BY_LISTING = frozenset({"kraken", "bybit"})


class CcxtVenue:
    def __init__(
        self,
        name: str,
        exchange: Any,
        instruments: Sequence[Instrument],
        *,
        clock: Clock | None = None,
        secrets: Sequence[str | Secret] = (),
        call_timeout_s: float = 9.0,
        backoff: Backoff = STREAM_BACKOFF,
        fetch_by_listing: bool | None = None,
    ) -> None:
        self._name = name
        self._exchange = exchange
        self._instruments = list(instruments)
        self._by_symbol = {inst.symbol: inst for inst in instruments}
        self._symbols = list(self._by_symbol)
        self._clock = clock or WallClock()
        self._secrets = tuple(s for s in secrets if s)
        self._call_timeout_s = call_timeout_s
        self._backoff = backoff
        self._by_listing = (
            exchange.id in FETCH_BY_LISTING if fetch_by_listing is None else fetch_by_listing
        )
        self._listener: VenueListener | None = None
        self._client_ids: dict[str, str] = {}  # exchange order id -> our client order id
        self._orders: dict[str, Order] = {}  # our last view of each order, by client id
        self._limits: RestLimits = exchange.rest_limits
        self._closed = False
        self._balances_at = 0.0
        self.private_up = False
        self.private_reconnects = 0
        self._private_state: VenueState | None = None
        self._trades_seen: set[str] = set()
        self._trades_order: deque[str] = deque(maxlen=TRADES_REMEMBERED)
        # every private update as ccxt caches it (``ccxt_exchange._tapped_cache``)
        exchange.order_tap = self._pushed_order
        exchange.trade_tap = self._pushed_trade

    @property
    def name(self) -> str:
        return self._name

    @property
    def exchange_id(self) -> str:
        return str(self._exchange.id)

    def instruments(self) -> Sequence[Instrument]:
        return self._instruments

    def set_listener(self, listener: VenueListener) -> None:
        self._listener = listener

    async def connect(self) -> None:
        """Learn the exchange's clock offset where ccxt can (signed requests carry it)."""
        if self._exchange.has.get("fetchTime") and hasattr(self._exchange, "load_time_difference"):
            await self._call(Operation.READ, self._exchange.load_time_difference)

    def streams(self) -> dict[str, StreamFactory]:
        """The private stream (orders and trades) for the engine's supervisor."""
        has = self._exchange.has
        if not (has.get("watchOrders") or has.get("watchMyTrades")):
            return {}
        return {f"private:{self._name}": self._private_stream}

    async def close(self) -> None:
        self._closed = True
        await close_exchange(self._exchange)

    # -- orders ------------------------------------------------------------------------------

    async def create_order(self, order: Order) -> Order:
        inst = self._instrument(order.symbol)
        ex = self._exchange
        cid = order.client_order_id
        try:
            params: dict[str, Any] = client_id_params(self.exchange_id, cid)
        except ValueError as exc:
            raise OrderRejected(f"{self._name}: {exc}") from None
        if order.time_in_force is TimeInForce.POST_ONLY:
            params["postOnly"] = True
        elif order.time_in_force is not TimeInForce.GTC:
            params["timeInForce"] = order.time_in_force.value
        if order.reduce_only and inst.kind is not InstrumentKind.SPOT:
            params["reduceOnly"] = True

        async def create() -> Mapping[str, Any]:
            amount = ex.amount_to_precision(order.symbol, str(order.quantity))
            price = None
            if order.type is OrderType.LIMIT and order.price is not None:
                price = ex.price_to_precision(order.symbol, str(order.price))
            result: Mapping[str, Any] = await ex.create_order(
                order.symbol, order.type.value, order.side.value, amount, price, params
            )
            return result

        self._orders[cid] = order
        raw = await self._call(Operation.CREATE, create)
        ack = self._order(raw, known=order)
        self._deliver_trades(raw.get("trades") or [], cid)
        return ack

    async def cancel_order(self, client_order_id: str, symbol: str) -> Order:
        self._instrument(symbol)
        raw = await self._call(
            Operation.CANCEL,
            self._exchange.cancel_order,
            self._venue_id(client_order_id),
            symbol,
            self._id_params(client_order_id),
        )
        if raw.get("status") is None:
            # OKX acknowledges a cancel with the ids alone (sCode 0): it is canceled, with the
            # fills we last saw (a fill that raced it comes from the stream or a refresh)
            known = self._orders.get(client_order_id)
            filled = raw.get("filled") or (str(known.filled_qty) if known else None)
            raw = {**raw, "status": "canceled", "filled": filled}
        return self._order(raw, client_order_id=client_order_id)

    async def cancel_all(self, symbol: str | None = None) -> list[Order]:
        """Cancel-all per symbol where the exchange has it, else each open order."""
        ex = self._exchange
        out: list[Order] = []
        for sym in [symbol] if symbol else self._symbols:
            if ex.has.get("cancelAllOrders"):
                raws = await self._call(Operation.CANCEL, ex.cancel_all_orders, sym)
                out += [self._order(raw) for raw in raws or [] if isinstance(raw, Mapping)]
                continue
            for order in await self.fetch_open_orders(sym):
                try:
                    out.append(await self.cancel_order(order.client_order_id, sym))
                except OrderNotFound:
                    continue
        return out

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        out: list[Order] = []
        for sym in [symbol] if symbol else self._symbols:
            raws = await self._call(Operation.READ, self._exchange.fetch_open_orders, sym)
            out += [self._order(raw) for raw in raws]
        return out

    async def fetch_order(self, client_order_id: str, symbol: str) -> Order | None:
        self._instrument(symbol)
        if self._venue_id(client_order_id) is None and self._by_listing:
            return await self._find_listed(client_order_id, symbol)
        try:
            raw = await self._call(
                Operation.READ,
                self._exchange.fetch_order,
                self._venue_id(client_order_id),
                symbol,
                self._id_params(client_order_id),
            )
        except OrderNotFound:
            return None
        order = self._order(raw, client_order_id=client_order_id)
        self._deliver_trades(raw.get("trades") or [], client_order_id)
        return order

    async def _find_listed(self, client_order_id: str, symbol: str) -> Order | None:
        """Our order among the symbol's open and recent closed ones (see FETCH_BY_LISTING)."""
        ex = self._exchange
        listings = [ex.fetch_open_orders]
        if ex.has.get("fetchClosedOrders"):
            listings.append(ex.fetch_closed_orders)
        for listing in listings:
            for raw in await self._call(Operation.READ, listing, symbol):
                info = raw.get("clientOrderId")
                if our_client_id(self.exchange_id, info) == client_order_id:
                    return self._order(raw, client_order_id=client_order_id)
        return None

    async def fetch_fills(self, since_ns: int = 0, symbol: str | None = None) -> list[Fill]:
        since_ms = since_ns // 1_000_000 if since_ns > 0 else None
        out: list[Fill] = []
        for sym in [symbol] if symbol else self._symbols:
            raws = await self._call(Operation.READ, self._exchange.fetch_my_trades, sym, since_ms)
            for raw in raws:
                fill = await self._fill(raw)
                if fill is not None:
                    out.append(fill)
        return out

    async def fetch_balances(self) -> dict[str, Balance]:
        raw = await self._call(Operation.READ, self._exchange.fetch_balance)
        return balances_of(raw)

    async def fetch_positions(self) -> list[Position]:
        swaps = [i.symbol for i in self._instruments if i.kind is not InstrumentKind.SPOT]
        if not swaps or not self._exchange.has.get("fetchPositions"):
            return []
        raws = await self._call(Operation.READ, self._exchange.fetch_positions, swaps)
        return [p for p in (position_of(raw, self._name) for raw in raws) if p is not None]

    # -- the private stream ------------------------------------------------------------------

    async def _private_stream(self) -> None:
        """Orders and trades until closed; reconnects with backoff and jitter, and reports every
        (re)subscribe so that the engine reconciles this venue."""
        ex = self._exchange
        watches: dict[str, Callable[[], Awaitable[Any]]] = {}
        if ex.has.get("watchOrders"):
            watches["orders"] = ex.watch_orders
        if ex.has.get("watchMyTrades"):
            watches["trades"] = ex.watch_my_trades
        delays = self._backoff.delays()
        pending: dict[str, asyncio.Future[Any]] = {}
        try:
            while not self._closed:
                for kind, watch in watches.items():
                    if kind not in pending:
                        pending[kind] = asyncio.ensure_future(watch())
                timeout = None if self.private_up else SUBSCRIBED_AFTER_S
                done, _ = await asyncio.wait(
                    pending.values(), timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                failure: BaseException | None = None
                for kind in [k for k, f in pending.items() if f in done]:
                    # what a watch returns was delivered already, as ccxt cached it (the taps)
                    failure = pending.pop(kind).exception() or failure
                if failure is None:
                    if not self.private_up:
                        self.private_up = True
                        delays = self._backoff.delays()
                        self._status(VenueState.CONNECTED, "private stream subscribed")
                    await self._refresh_balances(done)
                    continue
                await _settle(pending)  # the others fail with the same socket: collected
                if self._closed:
                    return
                if not _network(failure):
                    raise failure
                self.private_reconnects += 1
                self.private_up = False
                if self._private_state is not VenueState.DOWN:
                    self._status(VenueState.DOWN, f"private stream lost ({_text(failure)})")
                await asyncio.sleep(next(delays))
        finally:
            _cancel(pending)

    def _pushed_order(self, raw: Mapping[str, Any]) -> None:
        order = self._order(raw)
        if self._listener is not None:
            self._listener.on_order(order)

    def _pushed_trade(self, raw: Mapping[str, Any]) -> None:
        self._deliver_trades([raw])

    def _deliver_trades(self, raws: Sequence[Mapping[str, Any]], cid: str | None = None) -> None:
        """Each trade once: a create's answer (Binance's fills) and the stream both carry it."""
        listener = self._listener
        for raw in raws:
            if raw.get("id") is None or not self._first_time(str(raw["id"])):
                continue
            raw = _fee_as_cost(raw)
            known = cid or self._client_ids.get(str(raw.get("order")))
            if known is None:
                task = asyncio.ensure_future(self._fill(raw))  # looks the order id up first
                task.add_done_callback(self._deliver_looked_up)
                continue
            if listener is not None:
                listener.on_fill(fill_of(raw, self._name, known, self._orders.get(known)))

    def _first_time(self, trade_id: str) -> bool:
        if trade_id in self._trades_seen:
            return False
        if len(self._trades_order) == self._trades_order.maxlen:
            self._trades_seen.discard(self._trades_order[0])
        self._trades_order.append(trade_id)
        self._trades_seen.add(trade_id)
        return True

    def _deliver_looked_up(self, task: asyncio.Future[Fill | None]) -> None:
        if task.cancelled() or task.exception() is not None:
            log.warning("%s: a trade's order could not be looked up: %s", self._name, task)
            return
        fill = task.result()
        if fill is not None and self._listener is not None:
            self._listener.on_fill(fill)

    async def _refresh_balances(self, done: set[asyncio.Future[Any]]) -> None:
        """Balances after trades, at most once a second (the exchange's word, not ours)."""
        if not done or self._listener is None:
            return
        now = time.monotonic()
        if now - self._balances_at < BALANCE_REFRESH_S:
            return
        self._balances_at = now
        try:
            balances = await self.fetch_balances()
        except VenueError as exc:
            log.info("%s: balances not refreshed: %s", self._name, exc)
            return
        for balance in balances.values():
            self._listener.on_balance(self._name, balance)

    def _status(self, state: VenueState, detail: str) -> None:
        self._private_state = state
        if self._listener is not None:
            self._listener.on_status(self._name, state, detail)

    # -- ids and parsing ---------------------------------------------------------------------

    def _order(
        self,
        raw: Mapping[str, Any],
        *,
        known: Order | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        venue_id = str(raw["id"]) if raw.get("id") is not None else None
        # the exchange's order id first: a cancel's answer may carry the cancel's own client
        # id (Binance: ours is then in ``origClientOrderId``)
        info = raw.get("info")
        original = info.get("origClientOrderId") if isinstance(info, Mapping) else None
        cid = (
            client_order_id
            or (known.client_order_id if known else None)
            or (self._client_ids.get(venue_id) if venue_id else None)
            or our_client_id(self.exchange_id, original)
            or our_client_id(self.exchange_id, raw.get("clientOrderId"))
            or f"{self._name}:{venue_id}"
        )
        if venue_id is not None:
            self._client_ids[venue_id] = cid
        order = order_of(raw, self._name, cid, self._clock.now_ns(), known or self._orders.get(cid))
        self._orders[cid] = order
        return order

    async def _fill(self, raw: Mapping[str, Any]) -> Fill | None:
        venue_id = str(raw.get("order"))
        cid = self._client_ids.get(venue_id)
        if cid is None and raw.get("order") is not None:
            found = await self._call(
                Operation.READ, self._exchange.fetch_order, venue_id, raw.get("symbol")
            )
            cid = self._order(found).client_order_id
        return None if cid is None else fill_of(raw, self._name, cid)

    def _venue_id(self, client_order_id: str) -> str | None:
        order = self._orders.get(client_order_id)
        return order.venue_order_id if order is not None else None

    def _id_params(self, client_order_id: str) -> dict[str, Any]:
        if self._venue_id(client_order_id) is not None:
            return {}
        return client_id_params(self.exchange_id, client_order_id)

    def _instrument(self, symbol: str) -> Instrument:
        inst = self._by_symbol.get(symbol)
        if inst is None:
            raise OrderRejected(f"{symbol} is not a market of {self._name} in use")
        return inst

    # -- calls -------------------------------------------------------------------------------

    async def _call(
        self, operation: Operation, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any
    ) -> T:
        """One REST call under this venue's rules (see the module docstring)."""
        await self._wait_for_limits()
        begin_call()
        try:
            async with asyncio.timeout(self._call_timeout_s):
                return await fn(*args)
        except TimeoutError as exc:
            if not last_call().sent:
                raise TransientError(f"{self._name}: not sent within the timeout") from exc
            if operation is Operation.CREATE:
                raise classify(exc, operation, secrets=self._secrets) from exc
            raise TransientError(f"{self._name}: no answer within the timeout") from exc
        except Exception as exc:
            trace = last_call()
            error = classify(
                exc,
                operation,
                secrets=self._secrets,
                retry_after_s=trace.retry_after_s,
                status=trace.status,
                sent=trace.sent,
            )
            await self._after_error(error)
            raise error from exc

    async def _wait_for_limits(self) -> None:
        wait = self._limits.wait_s()
        if wait <= 0:
            return
        if self._limits.banned:
            raise VenueBanned(f"{self._name} is banned for another {wait:.0f} s", wait)
        if wait > self._call_timeout_s:
            raise RateLimited(f"{self._name} is rate limited for another {wait:.1f} s", wait)
        await asyncio.sleep(wait)

    async def _after_error(self, error: VenueError) -> None:
        if isinstance(error, RateLimited):
            self._limits.block(error.retry_after_s, banned=isinstance(error, VenueBanned))
            log.warning("%s: %s; REST calls wait %.1f s", self._name, error, error.retry_after_s)
        elif isinstance(error, ClockSkew) and hasattr(self._exchange, "load_time_difference"):
            log.warning("%s: clock skew (%s); re-syncing the time difference", self._name, error)
            try:
                await self._exchange.load_time_difference()
            except Exception as exc:
                log.warning("%s: time difference not re-synced: %s", self._name, _text(exc))


async def _settle(pending: dict[str, asyncio.Future[Any]]) -> None:
    """Let the other watches end (briefly), so that no exception is left unretrieved."""
    if pending:
        await asyncio.wait(pending.values(), timeout=1.0)
    for future in pending.values():
        if future.done() and not future.cancelled():
            future.exception()
    _cancel(pending)


def _cancel(pending: dict[str, asyncio.Future[Any]]) -> None:
    for future in pending.values():
        future.cancel()
    pending.clear()


def _fee_as_cost(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """A trade from ccxt.pro okx's orders channel carries OKX's ``fillFee`` as its fee cost with
    OKX's sign (negative: charged; ccxt 4.5.90 ``okx.order_to_trade``), where every other trade,
    OKX's REST fills included, has the cost charged as positive: made the same."""
    info, fee = raw.get("info"), raw.get("fee")
    if not (isinstance(info, Mapping) and "fillFee" in info and isinstance(fee, Mapping)):
        return raw
    cost = fee.get("cost")
    return raw if cost is None else {**raw, "fee": {**fee, "cost": -cost}}


def _network(exc: BaseException) -> bool:
    from ccxt.base.errors import NetworkError

    return isinstance(exc, NetworkError | OSError | TimeoutError)


def _text(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:200]
