"""How much of each risk limit is used now, from what the window already has (no engine calls).

Limits that apply to one order at a time (notional of an order, price band, bursts) have no
standing usage; they say so instead of showing a misleading zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.core.money import to_float
from app.core.orders import Order
from app.engine.api import EngineSnapshot
from app.ui.names import QT_TRANSLATE_NOOP

STABLE = {"USDT", "USDC", "USD", "BUSD", "FDUSD", "DAI"}

PER_ORDER = {
    "price_band_bps": QT_TRANSLATE_NOOP("Limits", "per order"),
    "max_order_notional": QT_TRANSLATE_NOOP("Limits", "per order"),
    "order_burst": QT_TRANSLATE_NOOP("Limits", "per burst"),
    "cancel_burst": QT_TRANSLATE_NOOP("Limits", "per burst"),
    "cancel_rate_per_s": QT_TRANSLATE_NOOP("Limits", "per venue"),
    "duplicate_window_ms": QT_TRANSLATE_NOOP("Limits", "per order"),
}


def usage(
    snap: EngineSnapshot | None,
    open_orders: Sequence[Order],
    order_times_ns: Iterable[int],
    now_ns: int,
) -> dict[str, tuple[float | None, str]]:
    """``{limit name: (used, note)}``; ``used`` is None where the limit has no standing use."""
    out: dict[str, tuple[float | None, str]] = {k: (None, v) for k, v in PER_ORDER.items()}
    out["max_open_orders"] = (float(len(open_orders)), "")
    per_instrument: dict[tuple[str, str], int] = {}
    for order in open_orders:
        key = (order.venue, order.symbol)
        per_instrument[key] = per_instrument.get(key, 0) + 1
    out["max_open_orders_per_instrument"] = (float(max(per_instrument.values(), default=0)), "")
    recent = sum(1 for t in order_times_ns if 0 <= now_ns - t <= 1_000_000_000)
    out["order_rate_per_s"] = (float(recent), "")
    if snap is None:
        return out
    ages = [(now_ns - q.received_ns) / 1e6 for q in snap.quotes]
    out["max_quote_age_ms"] = (max(ages, default=0.0), QT_TRANSLATE_NOOP("Limits", "oldest quote"))
    notionals = [abs(to_float(v.notional)) for v in snap.positions if v.notional is not None]
    out["max_position_notional"] = (
        max(notionals, default=0.0),
        QT_TRANSLATE_NOOP("Limits", "largest position"),
    )
    gross = sum(
        abs(to_float(e.value))
        for e in snap.exposures
        if e.value is not None and e.asset not in STABLE
    )
    out["max_gross_exposure"] = (gross, "")
    return out
