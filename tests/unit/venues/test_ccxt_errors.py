"""The ccxt error classifier, on real ccxt exceptions: raised by hand, raised by Binance's own
``handle_errors`` on real error bodies, and raised by ccxt's async ``fetch`` against loopback
servers (refused, dropped, silent)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import ccxt
import ccxt.async_support as ccxt_async
import pytest
from ccxt.base import errors as ce

from app.venues.ccxt_errors import BAN_DEFAULT_RETRY_S, REASON_MAX, Operation, classify
from app.venues.errors import (
    AmbiguousOutcome,
    ClockSkew,
    InsufficientFunds,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    TransientError,
    VenueBanned,
    VenueError,
)

C, X, R = Operation.CREATE, Operation.CANCEL, Operation.READ
SPOT_URL = "https://api.binance.com/api/v3/order"


def kind(exc: BaseException, op: Operation, **kw: Any) -> type[VenueError]:
    return type(classify(exc, op, **kw))


def chained(top: BaseException, cause: BaseException) -> BaseException:
    """``top`` raised ``from cause``, as ccxt does, with a real traceback."""
    try:
        try:
            raise cause
        except BaseException as inner:
            raise top from inner
    except BaseException as outer:
        return outer


# --- one row per class and operation ---------------------------------------------------------

ROWS: list[tuple[type[BaseException], type[VenueError], type[VenueError], type[VenueError]]] = [
    # ccxt class              create              cancel              read
    (ce.InvalidOrder, OrderRejected, OrderRejected, VenueError),
    (ce.BadRequest, OrderRejected, OrderRejected, VenueError),
    (ce.BadSymbol, OrderRejected, OrderRejected, VenueError),
    (ce.ArgumentsRequired, OrderRejected, OrderRejected, VenueError),
    (ce.OrderImmediatelyFillable, OrderRejected, OrderRejected, VenueError),
    (ce.OrderNotFillable, OrderRejected, OrderRejected, VenueError),
    (ce.NotSupported, OrderRejected, OrderRejected, VenueError),
    (ce.MarketClosed, OrderRejected, OrderRejected, VenueError),
    (ce.InsufficientFunds, InsufficientFunds, OrderRejected, VenueError),
    (ce.AuthenticationError, OrderRejected, OrderRejected, VenueError),
    (ce.PermissionDenied, OrderRejected, OrderRejected, VenueError),
    (ce.AccountSuspended, OrderRejected, OrderRejected, VenueError),
    (ce.OrderNotFound, AmbiguousOutcome, OrderNotFound, OrderNotFound),
    (ce.DuplicateOrderId, AmbiguousOutcome, OrderRejected, VenueError),
    (ce.RequestTimeout, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ce.NetworkError, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ce.ExchangeNotAvailable, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ce.OnMaintenance, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ce.BadResponse, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ce.NullResponse, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ce.OperationFailed, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ce.CancelPending, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ce.ExchangeError, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ce.RateLimitExceeded, RateLimited, RateLimited, RateLimited),
    (ce.DDoSProtection, RateLimited, RateLimited, RateLimited),
    (ce.InvalidNonce, ClockSkew, ClockSkew, ClockSkew),
    (ce.ChecksumError, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ValueError, AmbiguousOutcome, AmbiguousOutcome, VenueError),
    (KeyError, AmbiguousOutcome, AmbiguousOutcome, VenueError),
    (TimeoutError, AmbiguousOutcome, AmbiguousOutcome, TransientError),
    (ConnectionResetError, AmbiguousOutcome, AmbiguousOutcome, TransientError),
]


@pytest.mark.parametrize(("cls", "create", "cancel", "read"), ROWS, ids=lambda v: v.__name__)
def test_every_class_for_every_operation(
    cls: type[BaseException],
    create: type[VenueError],
    cancel: type[VenueError],
    read: type[VenueError],
) -> None:
    exc = cls("binance something happened")
    assert (kind(exc, C), kind(exc, X), kind(exc, R)) == (create, cancel, read)


def test_a_venue_error_passes_through_unchanged() -> None:
    exc = OrderRejected("already sorted")
    assert classify(exc, C) is exc


def test_an_auth_error_says_it_is_the_key() -> None:
    err = classify(ce.AuthenticationError('binance {"code":-2015,"msg":"Invalid API-key"}'), C)
    assert isinstance(err, OrderRejected)
    assert "API key refused" in err.reason and "Invalid API-key" in err.reason


def test_rate_limits_carry_the_callers_retry_after_or_one_second() -> None:
    err = classify(ce.RateLimitExceeded("binance 429"), C, retry_after_s=7.5)
    assert isinstance(err, RateLimited) and not isinstance(err, VenueBanned)
    assert err.retry_after_s == 7.5
    default = classify(ce.DDoSProtection("x"), R)
    assert isinstance(default, RateLimited) and default.retry_after_s == 1.0


def test_status_418_is_a_ban() -> None:
    err = classify(ce.DDoSProtection("binance 418 I'm a teapot"), R, status=418, retry_after_s=120)
    assert isinstance(err, VenueBanned) and err.retry_after_s == 120
    without_header = classify(ce.DDoSProtection("binance 418"), C, status=418)
    assert isinstance(without_header, VenueBanned)
    assert without_header.retry_after_s == BAN_DEFAULT_RETRY_S
    assert not isinstance(classify(ce.DDoSProtection("x"), C, status=429), VenueBanned)


def test_sent_false_turns_ambiguous_into_transient_but_keeps_rejections() -> None:
    """A caller whose deadline fired while ccxt still held the call in its throttle queue."""
    assert kind(TimeoutError(), C, sent=False) is TransientError
    assert kind(ce.RequestTimeout("x"), X, sent=False) is TransientError
    assert kind(ce.InvalidOrder("x"), C, sent=False) is OrderRejected


# --- the cause chain comes before the class ---------------------------------------------------


def test_a_refused_connection_was_never_sent_whatever_the_wrapper() -> None:
    for top in (ce.ExchangeNotAvailable("binance POST url"), ce.ExchangeError("x"), OSError()):
        exc = chained(top, ConnectionRefusedError(111, "Connection refused"))
        assert kind(exc, C) is TransientError
        assert kind(exc, R) is TransientError


def test_dns_failure_was_never_sent() -> None:
    exc = chained(ce.ExchangeNotAvailable("binance GET url"), socket.gaierror(-2, "unknown name"))
    assert kind(exc, C) is TransientError


def test_aiohttp_connector_errors_three_deep() -> None:
    import aiohttp

    refused = ConnectionRefusedError(111, "refused")
    connector = chained(aiohttp.ClientOSError(111, "cannot connect"), refused)
    assert kind(chained(ce.ExchangeNotAvailable("x"), connector), C) is TransientError
    connect_timeout = aiohttp.ConnectionTimeoutError("Connection timeout to host")
    assert kind(chained(ce.RequestTimeout("x"), connect_timeout), C) is TransientError
    read_timeout = aiohttp.SocketTimeoutError("Timeout on reading data from socket")
    assert kind(chained(ce.RequestTimeout("x"), read_timeout), C) is AmbiguousOutcome


def test_a_plain_exchange_error_wrapping_a_transport_failure_is_not_definitive() -> None:
    import aiohttp

    exc = chained(ce.ExchangeError("binance POST url"), aiohttp.ClientPayloadError("cut"))
    assert kind(exc, C) is AmbiguousOutcome
    assert kind(exc, R) is TransientError


def test_a_chain_that_loops_ends() -> None:
    a, b = ce.InvalidOrder("a"), ValueError("b")
    a.__cause__, b.__cause__ = b, a
    assert kind(a, C) is OrderRejected


# --- the reason -----------------------------------------------------------------------------


def test_reason_is_scrubbed_shortened_and_keeps_the_venues_message() -> None:
    key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    body = '{"code":-2010,"msg":"Account has insufficient balance for requested action."}'
    exc = ce.InsufficientFunds(f"binance {body} key={key} " + "x" * 500)
    err = classify(exc, C, secrets=[key])
    assert isinstance(err, InsufficientFunds)
    assert "Account has insufficient balance" in err.reason
    assert key not in err.reason and key[:20] not in err.reason
    assert len(err.reason) <= REASON_MAX


def test_a_secret_at_the_cut_is_scrubbed_whole_first() -> None:
    secret = "S3cr3tValueThatIsLong"
    exc = ce.InvalidOrder("y" * (REASON_MAX - 10) + secret)
    assert "S3cr3t" not in classify(exc, C, secrets=[secret]).args[0]


def test_query_strings_leave_the_reason() -> None:
    exc = ce.ExchangeNotAvailable(
        f"binance POST {SPOT_URL}?symbol=BTCUSDT&timestamp=1&signature=abcdef0123 503 Service"
    )
    reason = str(classify(exc, C))
    assert SPOT_URL in reason and "signature" not in reason and "503 Service" in reason


# --- Binance's own mapping of real error bodies -----------------------------------------------


def binance_error(status: int, body: str, url: str = SPOT_URL) -> BaseException:
    exchange = ccxt.binance()
    response = exchange.parse_json(body)
    with pytest.raises(ce.BaseError) as info:
        exchange.handle_errors(status, "reason", url, "POST", {}, body, response, {}, None)
        exchange.handle_http_status_code(status, "reason", url, "POST", body)
    return info.value


INVALID_KEY = '{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}'
BINANCE = [
    # status, body, operation, expected
    (400, '{"code":-1013,"msg":"Filter failure: LOT_SIZE"}', C, OrderRejected),
    (400, '{"code":-1013,"msg":"Filter failure: PRICE_FILTER"}', C, OrderRejected),
    (400, '{"code":-1013,"msg":"Filter failure: MIN_NOTIONAL"}', C, OrderRejected),
    (
        400,
        '{"code":-2010,"msg":"Account has insufficient balance for requested action."}',
        C,
        InsufficientFunds,
    ),
    (400, '{"code":-2010,"msg":"Order would immediately match and take."}', C, OrderRejected),
    (400, '{"code":-2011,"msg":"Unknown order sent."}', X, OrderNotFound),
    (400, '{"code":-2013,"msg":"Order does not exist."}', R, OrderNotFound),
    (
        400,
        '{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}',
        C,
        ClockSkew,
    ),
    (
        429,
        '{"code":-1003,"msg":"Too much request weight used; current limit is 6000 request '
        'weight per 1 MINUTE."}',
        R,
        RateLimited,
    ),
    (
        400,
        '{"code":-1003,"msg":"Too much request weight used; current limit is 6000."}',
        R,
        RateLimited,
    ),
    (418, '{"code":-1003,"msg":"Way too much request weight used; IP banned."}', C, VenueBanned),
    (
        503,
        '{"code":-1007,"msg":"Timeout waiting for response from backend server. Send status '
        'unknown; execution status unknown."}',
        C,
        AmbiguousOutcome,
    ),
    (
        500,
        '{"code":-1006,"msg":"An unexpected response was received from the message bus. '
        'Execution status unknown."}',
        C,
        AmbiguousOutcome,
    ),
    (
        401,
        '{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}',
        C,
        OrderRejected,
    ),
    (401, '{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}', R, VenueError),
    (502, "<html>Bad Gateway</html>", C, AmbiguousOutcome),
]


@pytest.mark.parametrize(("status", "body", "op", "expected"), BINANCE)
def test_binance_error_bodies(
    status: int, body: str, op: Operation, expected: type[VenueError]
) -> None:
    exc = binance_error(status, body)
    err = classify(exc, op, status=status)
    assert type(err) is expected, (type(exc).__name__, err)
    msg = body.split('"msg":"')[-1].split('"')[0] if '"msg"' in body else "Bad Gateway"
    assert msg[:40] in str(err)


def test_binance_maps_418_and_429_to_ddos_protection() -> None:
    """The status is what tells a ban from a rate limit: the class is the same."""
    assert type(binance_error(418, '{"code":-1003,"msg":"banned"}')) is ce.DDoSProtection
    assert type(binance_error(429, '{"code":-1003,"msg":"slow down"}')) is ce.DDoSProtection
    assert kind(binance_error(429, '{"code":-1003,"msg":"x"}'), C, status=429) is RateLimited


# --- ccxt's async fetch against loopback servers ----------------------------------------------

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def exchange() -> AsyncIterator[Any]:
    ex = ccxt_async.binance({"timeout": 300})
    try:
        yield ex
    finally:
        await asyncio.wait_for(ex.close(), 5)


async def serve(handler: Handler) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/api/v3/order"


async def raised_by(exchange: Any, url: str) -> BaseException:
    with pytest.raises(ce.BaseError) as info:
        await exchange.fetch(url, "POST", {}, "symbol=BTCUSDT")
    return info.value


async def test_refused_connection_through_ccxt_fetch_is_not_sent(exchange: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    exc = await raised_by(exchange, f"http://127.0.0.1:{port}/api/v3/order")
    assert isinstance(exc, ce.ExchangeNotAvailable)
    assert kind(exc, C) is TransientError


async def test_a_dropped_connection_after_the_request_is_ambiguous(exchange: Any) -> None:
    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server, url = await serve(drop)
    async with server:
        exc = await raised_by(exchange, url)
    assert isinstance(exc, ce.ExchangeNotAvailable)
    assert kind(exc, C) is AmbiguousOutcome
    assert kind(exc, R) is TransientError


async def test_no_answer_in_time_is_ambiguous(exchange: Any) -> None:
    done = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await done.wait()
        writer.close()

    server, url = await serve(silent)
    async with server:
        exc = await raised_by(exchange, url)
        done.set()
    assert isinstance(exc, ce.RequestTimeout)
    assert kind(exc, C) is AmbiguousOutcome


async def test_a_5xx_answer_is_ambiguous(exchange: Any) -> None:
    async def fail(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = b"<html>Service Unavailable</html>"
        writer.write(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server, url = await serve(fail)
    async with server:
        exc = await raised_by(exchange, url)
    assert isinstance(exc, ce.ExchangeNotAvailable)
    err = classify(exc, C, status=503)
    assert isinstance(err, AmbiguousOutcome) and "Service Unavailable" in str(err)
