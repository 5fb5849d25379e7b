"""Checking an API key against its exchange: can it read balances, and what else may it do.

``check_key`` never raises for what the exchange or the network does: it returns a
``KeyCheckReport`` whose ``summary`` names the account and says what to check. No message ever
holds a secret: exchange error texts are scrubbed of the key material before they are quoted.

The exchange is a ccxt async instance made here and always closed (bounded by a timeout).
``configure`` lets a caller adjust it after sandbox mode is set; the tests use it to point the
exchange's ``urls['api']`` at a loopback server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app.core.money import to_decimal
from app.core.secrets import KeyMaterial, scrub
from app.venues.key_permissions import NO_PROBE_IN_SANDBOX, KeyPermissions, probe_for

if TYPE_CHECKING:
    import ccxt

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
CLOSE_TIMEOUT_S = 3.0
_DETAIL_CHARS = 300
_FIELD_NAMES = {"apiKey": "the API key", "secret": "the secret", "password": "the passphrase"}

Configure = Callable[[Any], None]


class CheckProblem(StrEnum):
    UNKNOWN_VENUE = "unknown venue"
    NO_SANDBOX = "no sandbox"
    MISSING_CREDENTIALS = "missing credentials"
    AUTHENTICATION = "authentication"
    PERMISSION = "permission"
    SUSPENDED = "account suspended"
    CLOCK = "clock"
    RATE_LIMITED = "rate limited"
    NETWORK = "network"
    EXCHANGE = "exchange error"


WITHDRAWALS_WARNING = (
    "WITHDRAWALS ARE ENABLED on this key: whoever gets hold of it can move your funds off the "
    "exchange. Make a new key without withdrawal permission."
)
NO_IP_WARNING = (
    "The key has NO IP RESTRICTION: it works from anywhere. Restrict it to the IP addresses of "
    "the machines that run ArbDesk."
)


@dataclass(frozen=True, slots=True)
class KeyCheckReport:
    account: str
    venue: str
    sandbox: bool
    ok: bool
    summary: str
    problem: CheckProblem | None = None
    balances: Mapping[str, Decimal] = field(default_factory=dict)
    permissions_reported: bool = False
    permissions: tuple[str, ...] = ()
    withdrawals_enabled: bool | None = None
    ip_restricted: bool | None = None
    can_trade: bool | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The report as a person reads it, most important first."""
        out = [self.summary]
        out += [f"WARNING: {w}" for w in self.warnings]
        if self.ok:
            if self.balances:
                items = list(self.balances.items())
                shown = ", ".join(f"{a} {v.normalize():f}" for a, v in items[:8])
                more = len(items) - 8
                out.append(f"balances: {shown}{f' and {more} more' if more > 0 else ''}")
            else:
                out.append("balances: none (the account is empty)")
            if self.permissions_reported:
                out.append(f"the key may: {', '.join(self.permissions) or 'nothing reported'}")
        out += self.notes
        return out


def _where(account: str, venue: str, sandbox: bool) -> str:
    return f"account {account!r} on {venue}{' (sandbox)' if sandbox else ''}"


async def check_key(
    venue: str,
    account: str,
    keys: KeyMaterial,
    *,
    sandbox: bool = False,
    market_type: str = "spot",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    configure: Configure | None = None,
) -> KeyCheckReport:
    """Connect with ``keys``, read balances, and report what the key may do."""
    import ccxt  # on first use: ccxt loads every exchange class (see exchanges._ccxt)
    import ccxt.async_support as ccxt_async

    where = _where(account, venue, sandbox)

    def failed(problem: CheckProblem, text: str, **extra: Any) -> KeyCheckReport:
        return KeyCheckReport(account, venue, sandbox, False, f"{where}: {text}", problem, **extra)

    if venue not in ccxt_async.exchanges:
        return failed(CheckProblem.UNKNOWN_VENUE, f"ccxt does not know the exchange {venue!r}")
    options = {"defaultType": market_type}
    config: dict[str, Any] = {
        **keys.ccxt_config(),
        "enableRateLimit": True,
        "timeout": int(timeout_s * 1000),
        "options": options,
    }
    exchange = getattr(ccxt_async, venue)(config)
    try:
        if sandbox and not _enter_sandbox(exchange):
            return failed(
                CheckProblem.NO_SANDBOX,
                f"{exchange.name} has no sandbox or testnet that ccxt can use; untick "
                "'sandbox' to check the key on the live exchange",
            )
        if configure is not None:
            configure(exchange)
        missing = [
            _FIELD_NAMES.get(name, name)
            for name, needed in exchange.requiredCredentials.items()
            if needed and not getattr(exchange, name, None)
        ]
        if missing:
            return failed(
                CheckProblem.MISSING_CREDENTIALS,
                f"{exchange.name} also needs {', '.join(missing)}; enter it with the key",
            )
        balance = await asyncio.wait_for(exchange.fetch_balance(), timeout_s)
        permissions, probe_note = await _permissions(exchange, venue, sandbox, market_type, keys)
    except TimeoutError:
        return failed(
            CheckProblem.NETWORK,
            f"{venue} did not answer within {timeout_s:g} s; check the network (and any proxy); "
            "the key was not checked",
        )
    except ccxt.BaseError as exc:
        problem, advice = _explain(exc, venue, sandbox, keys)
        detail = scrub(str(exc), keys.secrets())[:_DETAIL_CHARS]
        log.info("key check of %s failed: %s: %s", where, type(exc).__name__, detail)
        return failed(problem, f"{advice} (the exchange said: {detail})")
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(exchange.close(), CLOSE_TIMEOUT_S)
    return _report(where, account, venue, sandbox, market_type, balance, permissions, probe_note)


def _enter_sandbox(exchange: Any) -> bool:
    import ccxt

    if not exchange.urls.get("test"):
        return False
    try:
        exchange.set_sandbox_mode(True)
    except (TypeError, ccxt.NotSupported):  # ccxt raises TypeError where there is no test URL
        return False
    return True


async def _permissions(
    exchange: Any, venue: str, sandbox: bool, market_type: str, keys: KeyMaterial
) -> tuple[KeyPermissions | None, str]:
    import ccxt

    probe = probe_for(venue, sandbox=sandbox)
    if probe is None:
        where = f"the {venue} testnet" if sandbox and venue in NO_PROBE_IN_SANDBOX else venue
        return None, (
            f"{where} does not report what a key may do: check on the exchange's website that "
            "withdrawals are disabled and that the key is bound to your IP addresses"
        )
    try:
        return await asyncio.wait_for(probe(exchange, market_type), DEFAULT_TIMEOUT_S), ""
    except (TimeoutError, ccxt.BaseError) as exc:
        detail = scrub(str(exc), keys.secrets())[:_DETAIL_CHARS]
        return None, f"could not read the key's permissions ({type(exc).__name__}: {detail})"


def _report(
    where: str,
    account: str,
    venue: str,
    sandbox: bool,
    market_type: str,
    balance: Mapping[str, Any],
    perms: KeyPermissions | None,
    probe_note: str,
) -> KeyCheckReport:
    totals = balance.get("total") or {}
    balances = {
        str(asset): to_decimal(value)
        for asset, value in sorted(totals.items())
        if value not in (None, 0, 0.0)
    }
    warnings: list[str] = []
    notes: list[str] = [probe_note] if probe_note else []
    if perms is not None:
        if perms.withdrawals_enabled:
            warnings.append(WITHDRAWALS_WARNING)
        if perms.ip_restricted is False:
            warnings.append(NO_IP_WARNING)
        if perms.can_trade is False:
            warnings.append(
                f"The key cannot trade {market_type}: ArbDesk will only be able to read. "
                "Enable trading for it on the exchange."
            )
        notes += perms.notes
    return KeyCheckReport(
        account=account,
        venue=venue,
        sandbox=sandbox,
        ok=True,
        summary=f"{where}: the key works (balances read)",
        balances=balances,
        permissions_reported=perms is not None,
        permissions=perms.permissions if perms else (),
        withdrawals_enabled=perms.withdrawals_enabled if perms else None,
        ip_restricted=perms.ip_restricted if perms else None,
        can_trade=perms.can_trade if perms else None,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def _explain(
    exc: ccxt.BaseError, venue: str, sandbox: bool, keys: KeyMaterial
) -> tuple[CheckProblem, str]:
    import ccxt

    site = "the testnet/sandbox site" if sandbox else "the live site (not a testnet)"
    if isinstance(exc, ccxt.AccountSuspended):
        return CheckProblem.SUSPENDED, f"{venue} says the account is suspended; contact it"
    if isinstance(exc, ccxt.PermissionDenied):
        return CheckProblem.PERMISSION, (
            "the key is valid but may not read balances: enable reading for it on the exchange"
        )
    if isinstance(exc, ccxt.AuthenticationError):
        passphrase = ", the passphrase" if keys.password else ""
        return CheckProblem.AUTHENTICATION, (
            f"{venue} refused the key. Check the API key and the secret{passphrase} (copied "
            f"whole, no spaces), that the key is enabled, that it was made on {site}, and that "
            "this machine's IP address is allowed for it"
        )
    if isinstance(exc, ccxt.InvalidNonce):
        return CheckProblem.CLOCK, (
            f"{venue} refused the request's timestamp: set this computer's clock (enable NTP)"
        )
    if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
        return CheckProblem.RATE_LIMITED, f"{venue} is rate-limiting us; try again in a minute"
    if isinstance(exc, ccxt.NetworkError):
        return CheckProblem.NETWORK, (
            f"could not reach {venue}; check the network (and any proxy). The key was not checked"
        )
    return CheckProblem.EXCHANGE, f"{venue} answered with an error"
