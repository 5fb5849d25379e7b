"""What an API key may do, for the exchanges that tell: Binance (and its futures ids), OKX, Bybit.

Each probe calls the exchange's own "describe this key" endpoint through ccxt's implicit API and
returns ``KeyPermissions``. Elsewhere nothing is reported and the user is told to check on the
exchange's website.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class KeyPermissions:
    permissions: tuple[str, ...]
    withdrawals_enabled: bool | None
    ip_restricted: bool | None
    can_trade: bool | None
    notes: tuple[str, ...] = ()


Probe = Callable[[Any, str], Awaitable[KeyPermissions]]

_BINANCE_FLAGS = (
    ("enableReading", "reading"),
    ("enableSpotAndMarginTrading", "spot and margin trading"),
    ("enableMargin", "margin loans"),
    ("enableFutures", "futures trading"),
    ("enableVanillaOptions", "options trading"),
    ("enablePortfolioMarginTrading", "portfolio margin trading"),
    ("enableInternalTransfer", "internal transfers"),
    ("permitsUniversalTransfer", "universal transfers"),
    ("enableWithdrawals", "withdrawals"),
)


async def _binance(exchange: Any, market_type: str) -> KeyPermissions:
    r: Mapping[str, Any] = await exchange.sapi_get_account_apirestrictions()
    permissions = tuple(label for flag, label in _BINANCE_FLAGS if r.get(flag) is True)
    trade_flag = "enableSpotAndMarginTrading" if market_type == "spot" else "enableFutures"
    notes: tuple[str, ...] = ()
    expiry = int(r.get("tradingAuthorityExpirationTime") or 0)
    if expiry > 0:
        day = datetime.fromtimestamp(expiry / 1000, tz=UTC).date().isoformat()
        notes = (f"Binance ends this key's trading permission on {day}",)
    return KeyPermissions(
        permissions=permissions,
        withdrawals_enabled=_flag(r.get("enableWithdrawals")),
        ip_restricted=_flag(r.get("ipRestrict")),
        can_trade=_flag(r.get(trade_flag)),
        notes=notes,
    )


async def _okx(exchange: Any, market_type: str) -> KeyPermissions:
    response: Mapping[str, Any] = await exchange.private_get_account_config()
    data = response.get("data") or [{}]
    config: Mapping[str, Any] = data[0]
    perms = [p.strip() for p in str(config.get("perm", "")).split(",") if p.strip()]
    names = {"read_only": "reading", "trade": "trading", "withdraw": "withdrawals"}
    return KeyPermissions(
        permissions=tuple(names.get(p, p) for p in perms),
        withdrawals_enabled="withdraw" in perms,
        ip_restricted=bool(str(config.get("ip", "")).strip()),
        can_trade="trade" in perms,
    )


async def _bybit(exchange: Any, market_type: str) -> KeyPermissions:
    response: Mapping[str, Any] = await exchange.private_get_v5_user_query_api()
    result: Mapping[str, Any] = response.get("result") or {}
    groups: Mapping[str, list[str]] = result.get("permissions") or {}
    permissions = tuple(f"{group}: {p}" for group, items in groups.items() for p in items or ())
    read_only = str(result.get("readOnly", "0")) == "1"
    if market_type == "spot":
        trades = "SpotTrade" in (groups.get("Spot") or [])
    else:
        trades = bool(groups.get("ContractTrade")) or "DerivativesTrade" in (
            groups.get("Derivatives") or []
        )
    ips = [ip for ip in result.get("ips") or [] if ip and ip != "*"]
    return KeyPermissions(
        permissions=(("read only",) if read_only else ()) + permissions,
        withdrawals_enabled="Withdraw" in (groups.get("Wallet") or []),
        ip_restricted=bool(ips),
        can_trade=trades and not read_only,
    )


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


PROBES: dict[str, Probe] = {
    "binance": _binance,
    "binanceusdm": _binance,
    "binancecoinm": _binance,
    "okx": _okx,
    "bybit": _bybit,
}

#: Exchanges whose sandbox does not serve the probe's endpoint.
NO_PROBE_IN_SANDBOX = frozenset({"binance", "binanceusdm", "binancecoinm"})


def probe_for(venue: str, *, sandbox: bool) -> Probe | None:
    if sandbox and venue in NO_PROBE_IN_SANDBOX:
        return None
    return PROBES.get(venue)
