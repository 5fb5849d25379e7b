"""ccxt's unified structures (order, trade, balance, position) as ArbDesk's own.

ccxt parses numbers to floats; each becomes the Decimal it prints as (``to_decimal``), which is
the exchange's decimal string for every value with up to 15 significant digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from app.core.accounting import Balance, Position
from app.core.instruments import InstrumentId
from app.core.money import ZERO, to_decimal
from app.core.orders import Fill, Liquidity, Order, OrderStatus, OrderType, Side, TimeInForce

S = OrderStatus
_STATUS = {"closed": S.FILLED, "canceled": S.CANCELED, "expired": S.EXPIRED, "rejected": S.REJECTED}


def dec(value: Any, default: Decimal = ZERO) -> Decimal:
    if value is None or value == "":
        return default
    return to_decimal(value)


def status_of(raw: Mapping[str, Any]) -> OrderStatus:
    """ccxt's order status; an open order with fills is PARTIALLY_FILLED."""
    text = str(raw.get("status") or "open")
    if text in _STATUS:
        return _STATUS[text]
    return S.PARTIALLY_FILLED if dec(raw.get("filled")) > 0 else S.OPEN


def order_of(
    raw: Mapping[str, Any], venue: str, client_order_id: str, now_ns: int, known: Order | None
) -> Order:
    """``raw`` as an update of ``known`` (our record of it), or as a new order we did not send."""
    filled = dec(raw.get("filled"))
    average = raw.get("average")
    status = status_of(raw)
    avg_fill_price = dec(average) if average else None
    venue_order_id = str(raw["id"]) if raw.get("id") is not None else None
    if known is not None:
        return replace(
            known,
            status=status,
            filled_qty=filled,
            avg_fill_price=avg_fill_price,
            venue_order_id=venue_order_id,
            updated_ns=now_ns,
        )
    tif = str(raw.get("timeInForce") or "GTC")
    return Order(
        client_order_id=client_order_id,
        venue=venue,
        symbol=str(raw.get("symbol")),
        side=Side(str(raw.get("side") or "buy")),
        type=OrderType.MARKET if raw.get("type") == "market" else OrderType.LIMIT,
        quantity=dec(raw.get("amount"), filled),
        price=dec(raw["price"]) if raw.get("price") else None,
        time_in_force=TimeInForce(tif) if tif in TimeInForce.__members__ else TimeInForce.GTC,
        reduce_only=bool(raw.get("reduceOnly")),
        created_ns=int(raw.get("timestamp") or 0) * 1_000_000,
        status=status,
        filled_qty=filled,
        avg_fill_price=avg_fill_price,
        venue_order_id=venue_order_id,
        updated_ns=now_ns,
    )


def fill_of(
    raw: Mapping[str, Any], venue: str, client_order_id: str, order: Order | None = None
) -> Fill:
    """A trade; one listed inside an order (Binance's ``fills``) may lack what the order says
    (side, symbol, order id, time): ``order`` gives them."""
    fee = raw.get("fee") or {}
    side = raw.get("side") or (order.side.value if order else None)
    venue_order_id = raw.get("order") or (order.venue_order_id if order else None)
    stamp_ns = int(raw.get("timestamp") or 0) * 1_000_000 or (order.updated_ns if order else 0)
    return Fill(
        venue=venue,
        trade_id=str(raw["id"]),
        client_order_id=client_order_id,
        symbol=str(raw.get("symbol") or (order.symbol if order else "")),
        side=Side(str(side)),
        price=dec(raw.get("price")),
        qty=dec(raw.get("amount")),
        fee=dec(fee.get("cost")),
        fee_currency=str(fee.get("currency") or ""),
        liquidity=Liquidity.MAKER if raw.get("takerOrMaker") == "maker" else Liquidity.TAKER,
        ts_ns=stamp_ns,
        venue_order_id=str(venue_order_id) if venue_order_id is not None else None,
    )


def balances_of(raw: Mapping[str, Any]) -> dict[str, Balance]:
    """Every asset with a non-zero total (ccxt's ``total`` and ``used`` per asset)."""
    totals = raw.get("total") or {}
    used = raw.get("used") or {}
    out: dict[str, Balance] = {}
    for asset, total in totals.items():
        amount = dec(total)
        if amount != 0:
            out[str(asset)] = Balance(str(asset), amount, dec(used.get(asset)))
    return out


def position_of(raw: Mapping[str, Any], venue: str) -> Position | None:
    """A swap position, its signed quantity in contracts (as ``Position`` and ccxt count it)."""
    contracts = dec(raw.get("contracts"))
    if contracts == 0 or raw.get("symbol") is None:
        return None
    qty = -abs(contracts) if raw.get("side") == "short" else abs(contracts)
    return Position(
        InstrumentId(venue, str(raw["symbol"])),
        qty=qty,
        avg_entry=dec(raw.get("entryPrice")),
        realized_pnl=dec(raw.get("realizedPnl")),
    )
