"""``check_key`` against a loopback exchange: balances, Binance's key restrictions, and every
failure turned into a message that names the account, says what to check, and holds no secret."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import ccxt
import pytest

from app.core.secrets import KeyMaterial, Secret
from app.venues.key_check import (
    NO_IP_WARNING,
    WITHDRAWALS_WARNING,
    CheckProblem,
    KeyCheckReport,
    _explain,
    check_key,
)
from app.venues.key_permissions import _bybit, _okx
from tests.support.loopback_exchange import LoopbackExchange, binance_routes, serving

KEY = "BinanceApiKey-0123456789-LAST"
SECRET = "BinanceSecret-abcdefghij-9876"
KEYS = KeyMaterial(Secret(KEY), Secret(SECRET))


class Captured:
    """The ``configure`` hook: points the exchange at the server and keeps it for inspection."""

    def __init__(self, server: LoopbackExchange) -> None:
        self.server = server
        self.exchange: Any = None

    def __call__(self, exchange: Any) -> None:
        self.exchange = exchange
        self.server.point(exchange)


def assert_no_secret(report: KeyCheckReport) -> None:
    text = "\n".join(report.lines()) + repr(report)
    assert KEY not in text and SECRET not in text


async def test_a_working_binance_key(  # the happy path, and what went over the wire
) -> None:
    async with serving() as server:
        binance_routes(server)
        hook = Captured(server)
        report = await check_key("binance", "main", KEYS, configure=hook)
    assert report.ok, report.summary
    assert report.problem is None
    assert report.summary == "account 'main' on binance: the key works (balances read)"
    assert report.balances == {"BTC": Decimal("0.5"), "USDT": Decimal("1250")}
    assert report.permissions_reported
    assert report.permissions == ("reading", "spot and margin trading")
    assert report.withdrawals_enabled is False and report.ip_restricted is True
    assert report.can_trade is True
    assert report.warnings == ()
    account = next(r for r in server.requests if r.path == "/api/v3/account")
    assert account.headers["X-MBX-APIKEY"] == KEY  # the key was used, and signed
    assert "signature" in account.query
    assert "/sapi/v1/account/apiRestrictions" in server.paths()
    assert hook.exchange.closed_by_user and hook.exchange.session is None
    assert_no_secret(report)


async def test_withdrawals_and_no_ip_restriction_warn_loudly() -> None:
    restrictions = {
        "ipRestrict": False,
        "enableReading": True,
        "enableSpotAndMarginTrading": False,
        "enableWithdrawals": True,
        "enableFutures": True,
        "tradingAuthorityExpirationTime": 1_767_225_600_000,
    }
    async with serving() as server:
        binance_routes(server, restrictions=restrictions)
        report = await check_key("binance", "main", KEYS, configure=server.point)
    assert report.ok
    assert report.withdrawals_enabled and report.ip_restricted is False
    assert report.warnings[:2] == (WITHDRAWALS_WARNING, NO_IP_WARNING)
    assert any("cannot trade spot" in w for w in report.warnings)
    assert "withdrawals" in report.permissions
    assert any("2026-01-01" in n for n in report.notes)
    lines = report.lines()
    assert lines[1].startswith("WARNING: WITHDRAWALS ARE ENABLED")


async def test_swap_market_type_reads_futures_permission() -> None:
    async with serving() as server:
        binance_routes(server)
        server.answer(
            "/fapi/v2/account",  # ccxt reads the USDⓈ-M wallet for defaultType swap
            {"assets": [{"asset": "USDT", "walletBalance": "10", "availableBalance": "10"}]},
        )
        server.answer("/fapi/v3/account", {"assets": []})
        report = await check_key(
            "binance", "perp", KEYS, market_type="swap", configure=server.point
        )
    assert report.ok, report.summary
    assert report.can_trade is False  # enableFutures is false in the default restrictions
    assert any("cannot trade swap" in w for w in report.warnings)


async def test_refused_key_names_the_account_and_what_to_check() -> None:
    refusal = {"code": -2015, "msg": f"Invalid API-key {KEY}, IP, or permissions for action."}
    async with serving() as server:
        binance_routes(server)
        for path in ("/sapi/v1/capital/config/getall", "/api/v3/account"):
            server.answer(path, refusal, status=401)
        report = await check_key("binance", "main", KEYS, configure=server.point)
    assert not report.ok
    assert report.problem is CheckProblem.AUTHENTICATION
    assert report.summary.startswith("account 'main' on binance: binance refused the key")
    for hint in ("API key and the secret", "enabled", "live site", "IP address"):
        assert hint in report.summary
    assert "[REDACTED]" in report.summary  # the key echoed by the exchange was scrubbed
    assert_no_secret(report)


async def test_refused_sandbox_key_points_at_the_testnet() -> None:
    async with serving() as server:
        binance_routes(server)
        hook = Captured(server)
        server.answer("/api/v3/account", {"code": -2015, "msg": "Invalid API-key"}, status=401)
        report = await check_key("binance", "t", KEYS, sandbox=True, configure=hook)
    assert hook.exchange.isSandboxModeEnabled
    assert report.problem is CheckProblem.AUTHENTICATION
    assert "(sandbox)" in report.summary and "testnet" in report.summary


async def test_sandbox_key_works_but_permissions_are_not_reported() -> None:
    async with serving() as server:
        binance_routes(server)
        report = await check_key("binance", "t", KEYS, sandbox=True, configure=server.point)
    assert report.ok and not report.permissions_reported
    assert "/sapi/v1/account/apiRestrictions" not in server.paths()
    assert any("testnet does not report" in n for n in report.notes)


async def test_clock_skew_is_explained() -> None:
    async with serving() as server:
        binance_routes(server)
        server.answer(
            "/api/v3/account",
            {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."},
            status=400,
        )
        report = await check_key("binance", "main", KEYS, configure=server.point)
    assert report.problem is CheckProblem.CLOCK
    assert "clock" in report.summary


async def test_unreachable_exchange() -> None:
    async with serving() as server:
        url = server.base_url
    closed = LoopbackExchange(base_url=url)  # the server is gone: connection refused
    report = await check_key("binance", "main", KEYS, timeout_s=5, configure=closed.point)
    assert report.problem is CheckProblem.NETWORK
    assert "could not reach binance" in report.summary
    assert_no_secret(report)


async def test_slow_exchange_times_out() -> None:
    async with serving() as server:
        binance_routes(server)
        server.delays["/api/v3/account"] = 2
        report = await check_key("binance", "main", KEYS, timeout_s=0.5, configure=server.point)
    assert report.problem is CheckProblem.NETWORK
    assert "did not answer" in report.summary or "could not reach" in report.summary


async def test_probe_failure_keeps_the_balance_result() -> None:
    async with serving() as server:
        binance_routes(server)
        del server.routes["/sapi/v1/account/apiRestrictions"]
        report = await check_key("binance", "main", KEYS, configure=server.point)
    assert report.ok and not report.permissions_reported
    assert any("could not read the key's permissions" in n for n in report.notes)


async def test_no_sandbox_is_reported_before_any_request() -> None:
    async with serving() as server:
        report = await check_key("kraken", "k", KEYS, sandbox=True, configure=server.point)
    assert report.problem is CheckProblem.NO_SANDBOX
    assert "Kraken has no sandbox" in report.summary and "untick" in report.summary
    assert server.requests == []


async def test_missing_passphrase_is_reported_before_any_request() -> None:
    async with serving() as server:
        report = await check_key("okx", "o", KEYS, configure=server.point)
    assert report.problem is CheckProblem.MISSING_CREDENTIALS
    assert "the passphrase" in report.summary
    assert server.requests == []


async def test_unknown_exchange() -> None:
    report = await check_key("nosuchexchange", "x", KEYS)
    assert report.problem is CheckProblem.UNKNOWN_VENUE


@pytest.mark.parametrize(
    ("error", "problem", "words"),
    [
        (ccxt.AccountSuspended, CheckProblem.SUSPENDED, "suspended"),
        (ccxt.PermissionDenied, CheckProblem.PERMISSION, "enable reading"),
        (ccxt.AuthenticationError, CheckProblem.AUTHENTICATION, "refused the key"),
        (ccxt.InvalidNonce, CheckProblem.CLOCK, "clock"),
        (ccxt.RateLimitExceeded, CheckProblem.RATE_LIMITED, "rate-limiting"),
        (ccxt.DDoSProtection, CheckProblem.RATE_LIMITED, "rate-limiting"),
        (ccxt.RequestTimeout, CheckProblem.NETWORK, "could not reach"),
        (ccxt.ExchangeNotAvailable, CheckProblem.NETWORK, "could not reach"),
        (ccxt.BadRequest, CheckProblem.EXCHANGE, "answered with an error"),
    ],
)
def test_every_ccxt_error_is_explained(
    error: type[ccxt.BaseError], problem: CheckProblem, words: str
) -> None:
    got, advice = _explain(error("x"), "someex", False, KEYS)
    assert got is problem and words in advice


class FakeExchange:
    def __init__(self, **answers: Any) -> None:
        self._answers = answers

    def __getattr__(self, name: str) -> Any:
        async def call() -> Any:
            return self._answers[name]

        return call


async def test_okx_permissions() -> None:
    config = {"code": "0", "data": [{"perm": "read_only,withdraw,trade", "ip": ""}]}
    perms = await _okx(FakeExchange(private_get_account_config=config), "spot")
    assert perms.permissions == ("reading", "withdrawals", "trading")
    assert perms.withdrawals_enabled and perms.ip_restricted is False and perms.can_trade
    config = {"code": "0", "data": [{"perm": "read_only", "ip": "1.2.3.4"}]}
    perms = await _okx(FakeExchange(private_get_account_config=config), "spot")
    assert not perms.withdrawals_enabled and perms.ip_restricted and perms.can_trade is False


async def test_bybit_permissions() -> None:
    result = {
        "readOnly": 0,
        "permissions": {
            "ContractTrade": ["Order", "Position"],
            "Spot": ["SpotTrade"],
            "Wallet": ["AccountTransfer", "Withdraw"],
        },
        "ips": ["*"],
    }
    answer = {"retCode": 0, "result": result}
    perms = await _bybit(FakeExchange(private_get_v5_user_query_api=answer), "swap")
    assert perms.withdrawals_enabled and perms.ip_restricted is False and perms.can_trade
    assert "Wallet: Withdraw" in perms.permissions
    answer = {"retCode": 0, "result": {**result, "readOnly": 1, "ips": ["10.0.0.1"]}}
    perms = await _bybit(FakeExchange(private_get_v5_user_query_api=answer), "spot")
    assert perms.ip_restricted and perms.can_trade is False and perms.permissions[0] == "read only"
