"""The named pre-trade checks, cheapest first. Each returns None (passed) or why it failed.

A check reads only what it is given in ``RiskInputs``; nothing here changes state, so the same
checks serve both the real gate and the order ticket's preview.

Per bot (origin ``bot:<id>``): a per-order limit (quote age, price band, order notional) is the
bot's, its override replacing the global value. A usage limit is checked twice, and the order
must pass both: the bot's limit on the bot's own usage, and the global limit on the account's.
The bot's own usage is what the order path knows of it, its open orders: their count (overall
and on the instrument), their net quantity on the instrument (``max_position_notional``: the
position they would make with this order) and their notional (``max_gross_exposure``). Positions
and exposure already filled are the account's (the portfolio's); a bot's filled position is its
own ledger's business, above the order path. Order rate and duplicates: ``RiskEngine.check``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.core.accounting import Balance, Position
from app.core.instruments import Instrument
from app.core.money import ZERO, to_decimal, to_float
from app.core.orders import OrderRequest, OrderType, Side
from app.core.quotes import Quote
from app.core.trading_state import TradingState
from app.runtime.risk_settings import RiskLimits


@dataclass(frozen=True, slots=True)
class BotUsage:
    """A bot's own usage, as far as the order path knows it: its open orders."""

    open_orders: int
    open_orders_instrument: int  # on the request's instrument, as is open_qty
    open_qty: Decimal  # net quantity, buys +
    gross: Decimal | None  # notional in the valuation currency; None: a currency has no price


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """What the checks need to know about the world for one request."""

    request: OrderRequest
    limits: RiskLimits  # the origin's: the global ones with a bot's override over them
    account_limits: RiskLimits  # the global ones, for the account's usage
    state: TradingState
    instrument: Instrument | None
    quote: Quote | None
    now_ns: int
    to_valuation: Decimal | None  # price of the instrument's quote currency in USDT
    position: Position | None
    balances: Mapping[str, Balance]
    gross_exposure: Decimal
    open_orders: int  # account-wide, as the two below
    open_orders_instrument: int
    reserved: Mapping[str, Decimal]  # held by our orders in flight (sent, not yet acknowledged)
    leverage: Decimal  # derivative margin is estimated at this; the venue may still refuse
    own: BotUsage | None = None  # a bot's own usage; None for any other origin


Check = Callable[[RiskInputs], str | None]


def _reduces(i: RiskInputs) -> bool:
    r = i.request
    if r.reduce_only:
        return True
    inst = i.instrument
    if inst is not None and inst.is_derivative:
        qty = i.position.qty if i.position else ZERO
        signed = r.quantity if r.side is Side.BUY else -r.quantity
        return qty != 0 and (qty > 0) != (signed > 0) and abs(signed) <= abs(qty)
    # spot: selling an asset (for the quote currency) reduces exposure to it
    return r.side is Side.SELL


def trading_state(i: RiskInputs) -> str | None:
    if i.state is TradingState.RECONCILING:
        return "trading is RECONCILING: no order leaves until records and venues agree"
    if i.state is TradingState.HALTED and not i.request.reduce_only:
        return "trading is HALTED: only cancels and reduce-only orders pass"
    if i.state is TradingState.REDUCING and not _reduces(i):
        return "trading is REDUCING: only orders that reduce exposure pass"
    return None


def instrument_tradable(i: RiskInputs) -> str | None:
    if i.instrument is None:
        return f"{i.request.symbol} is not an instrument of {i.request.venue}"
    if i.request.reduce_only and not i.instrument.is_derivative:
        return f"reduce-only is for derivatives; {i.request.symbol} is spot"
    return None


def quote_fresh(i: RiskInputs) -> str | None:
    q = i.quote
    if q is None or q.bid <= 0 or q.ask <= 0:
        return f"no quote for {i.request.venue} {i.request.symbol}"
    age_ms = (i.now_ns - q.received_ns) / 1e6
    if age_ms > i.limits.max_quote_age_ms:
        return f"quote is {age_ms:.0f} ms old (max {i.limits.max_quote_age_ms} ms)"
    return None


def price_band(i: RiskInputs) -> str | None:
    r = i.request
    if r.type is OrderType.MARKET or r.price is None or i.quote is None:
        return None
    mid = i.quote.mid
    band = i.limits.price_band_bps
    price = to_float(r.price)
    off_bps = (price / mid - 1.0) * 10_000.0
    if (r.side is Side.BUY and off_bps > band) or (r.side is Side.SELL and -off_bps > band):
        return f"price {r.price} is {off_bps:+.0f} bps from mid {mid:.8g} (band {band:.0f} bps)"
    return None


def venue_minimums(i: RiskInputs) -> str | None:
    r, inst = i.request, i.instrument
    if inst is None:
        return None
    if r.price is not None and r.price % inst.tick_size != 0:
        return f"price {r.price} is not a multiple of the tick {inst.tick_size}"
    if r.quantity % inst.step_size != 0:
        return f"quantity {r.quantity} is not a multiple of the step {inst.step_size}"
    if r.quantity < inst.min_qty:
        return f"quantity {r.quantity} is below the minimum {inst.min_qty}"
    price = _price(i)
    if price is not None and inst.min_notional:
        notional = inst.notional_quote(r.quantity, price)
        if notional < inst.min_notional:
            return f"notional {notional:.8g} is below the minimum {inst.min_notional}"
    return None


def _price(i: RiskInputs) -> Decimal | None:
    r = i.request
    if r.price is not None:
        return r.price
    return worst_price(i)


def worst_price(i: RiskInputs) -> Decimal | None:
    """The worst price a market order may fill at: the quote's far side moved by the price band
    against the order (buys higher, sells lower). Checks value market orders at it, and the
    OMS holds funds at it while the order is in flight."""
    if i.quote is None or i.quote.bid <= 0 or i.quote.ask <= 0:
        return None
    band = i.limits.price_band_bps / 10_000
    if i.request.side is Side.BUY:
        return to_decimal(i.quote.ask * (1 + band))
    return to_decimal(i.quote.bid * (1 - band))


def order_notional(i: RiskInputs) -> Decimal | None:
    """The order's notional in the valuation currency; None when it cannot be valued."""
    price = _price(i)
    if price is None or i.instrument is None or i.to_valuation is None:
        return None
    return i.instrument.notional_quote(i.request.quantity, price) * i.to_valuation


def max_order_notional(i: RiskInputs) -> str | None:
    notional = order_notional(i)
    if notional is None:
        return "the order cannot be valued (no price for its quote currency)"
    if notional > i.limits.max_order_notional:
        return f"order notional {notional:,.2f} exceeds the limit {i.limits.max_order_notional:,}"
    return None


def max_position_notional(i: RiskInputs) -> str | None:
    inst, price = i.instrument, _price(i)
    if inst is None or price is None or i.to_valuation is None or _reduces(i):
        return None
    r = i.request
    signed = r.quantity if r.side is Side.BUY else -r.quantity
    if inst.is_derivative:
        current = i.position.qty if i.position else ZERO
    else:
        held = i.balances.get(inst.base)
        current = held.total if held else ZERO
    after = abs(current + signed)
    notional = inst.notional_quote(after, price) * i.to_valuation
    limit = i.account_limits.max_position_notional
    if notional > limit:
        return f"position would be {notional:,.2f} notional (limit {limit:,})"
    if i.own is not None:
        own = inst.notional_quote(abs(i.own.open_qty + signed), price) * i.to_valuation
        limit = i.limits.max_position_notional
        if own > limit:
            return (
                f"{r.origin}'s open orders on {r.symbol} would make {own:,.2f} notional "
                f"(limit {limit:,})"
            )
    return None


def max_gross_exposure(i: RiskInputs) -> str | None:
    notional = order_notional(i)
    if notional is None or _reduces(i):
        return None
    after = i.gross_exposure + notional
    limit = i.account_limits.max_gross_exposure
    if after > limit:
        return f"gross exposure would be {after:,.2f} (limit {limit:,})"
    if i.own is not None:
        origin = i.request.origin
        if i.own.gross is None:
            return f"{origin}'s open orders cannot be valued (no price for a quote currency)"
        own = i.own.gross + notional
        limit = i.limits.max_gross_exposure
        if own > limit:
            return f"{origin}'s open orders would be {own:,.2f} notional (limit {limit:,})"
    return None


def max_open_orders(i: RiskInputs) -> str | None:
    r = i.request
    if i.own is not None:
        own, most = i.own.open_orders, i.limits.max_open_orders
        if own >= most:
            return f"{own} orders of {r.origin} open (limit {most})"
        own, most = i.own.open_orders_instrument, i.limits.max_open_orders_per_instrument
        if own >= most:
            return f"{own} orders of {r.origin} open on {r.symbol} (limit {most})"
    limits = i.account_limits
    if i.open_orders >= limits.max_open_orders:
        return f"{i.open_orders} orders open (limit {limits.max_open_orders})"
    per = limits.max_open_orders_per_instrument
    if i.open_orders_instrument >= per:
        return f"{i.open_orders_instrument} orders open on {r.symbol} (limit {per})"
    return None


def required_funds(
    inst: Instrument, side: Side, qty: Decimal, price: Decimal, leverage: Decimal
) -> tuple[str, Decimal]:
    """Which asset an order spends and how much of it, fee allowance included."""
    if inst.is_derivative:
        return inst.settle_currency, inst.notional(qty, price) / leverage * (1 + inst.taker_fee)
    if side is Side.BUY:
        return inst.quote, qty * price * (1 + inst.taker_fee)
    return inst.base, qty


def enough_balance(i: RiskInputs) -> str | None:
    r, inst = i.request, i.instrument
    price = _price(i)
    if inst is None or price is None or r.reduce_only:
        return None
    asset, need = required_funds(inst, r.side, r.quantity, price, i.leverage)
    held = i.balances.get(asset)
    free = (held.free if held else ZERO) - i.reserved.get(asset, ZERO)
    if need > free:
        return f"insufficient {asset} on {r.venue}: need {need:,.8g}, free {free:,.8g}"
    return None


#: (rule name, check), cheapest first. The order-rate bucket is taken after all of these pass.
CHECKS: tuple[tuple[str, Check], ...] = (
    ("trading_state", trading_state),
    ("instrument_tradable", instrument_tradable),
    ("quote_fresh", quote_fresh),
    ("price_band", price_band),
    ("venue_minimums", venue_minimums),
    ("max_order_notional", max_order_notional),
    ("max_position_notional", max_position_notional),
    ("max_gross_exposure", max_gross_exposure),
    ("max_open_orders", max_open_orders),
    ("enough_balance", enough_balance),
)

#: What even the kill switch's closing orders must pass.
ESSENTIAL_CHECKS: tuple[tuple[str, Check], ...] = (
    ("trading_state", trading_state),
    ("instrument_tradable", instrument_tradable),
    ("venue_minimums", venue_minimums),
)
