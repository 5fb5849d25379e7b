"""One place that sorts a ccxt exception into the venue error taxonomy (``app.venues.errors``).

What the caller may do next depends on the exception *and* on the operation: a timeout on a
create may have placed an order (``AmbiguousOutcome``), the same timeout on a read is only worth a
retry (``TransientError``). The cause chain is read before the class, because ccxt wraps transport
failures (checked in ccxt 4.5.90 ``async_support/base/exchange.py``, ``fetch``):

- ``socket.gaierror`` -> ``ExchangeNotAvailable``; ``aiohttp.ClientConnectionError`` (which
  includes ``ClientConnectorError``: refused, DNS, TLS handshake) -> ``ExchangeNotAvailable``;
  ``asyncio.TimeoutError`` (which includes aiohttp's ``ConnectionTimeoutError`` for the connect
  phase and ``SocketTimeoutError`` for a read) -> ``RequestTimeout``; other ``aiohttp.ClientError``
  -> plain ``ExchangeError``. Each is raised ``from`` the original.

So a connect failure anywhere in the chain means the request never left: ``TransientError`` for
every operation. Any other transport failure may have happened after the request was written.

ccxt 4.5.90's throttle queue never raises (no capacity limit): a call still waiting in it ends only
by the caller's own deadline, which looks like any other timeout. A caller that knows the request
was not sent yet passes ``sent=False``, and what would be ambiguous becomes transient.

Decisions beyond DESIGN.md:
- On a CREATE, ``OrderNotFound``, ``DuplicateOrderId`` and ``OrderNotCached`` are ambiguous, not
  rejections: ccxt may look the order up after placing it, and a duplicate client id means an
  order with our id already exists. A plain ``ExchangeError`` (an error code ccxt does not map) and
  a non-network ``OperationFailed`` (Binance -1000 "unknown error") are ambiguous too.
- Authentication and permission errors reject a create or a cancel (the venue refused, the key is
  at fault); on a READ they are a plain ``VenueError``, neither transient nor about an order:
  retrying with backoff would only hide a key that must be fixed.
- Other definitive refusals on a READ (bad symbol, not supported) are a plain ``VenueError``.
- A READ failing outside ccxt's taxonomy is transient when it is a timeout or an ``OSError``,
  else a plain ``VenueError``.
- A ban (HTTP 418) without a Retry-After waits ``BAN_DEFAULT_RETRY_S``, not 1 s: Binance lengthens
  a ban that is hit again.

Do not pass ``asyncio.CancelledError`` here: re-raise it.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Any, Final

from app.core.secrets import Secret, scrub
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

REASON_MAX: Final = 300
DEFAULT_RETRY_S: Final = 1.0
BAN_DEFAULT_RETRY_S: Final = 60.0
BAN_STATUS: Final = 418
_URL_QUERY: Final = re.compile(r"(https?://[^\s?#]+)\?\S*")
_SPACES: Final = re.compile(r"\s+")


class Operation(StrEnum):
    CREATE = "create"
    CANCEL = "cancel"
    READ = "read"


def classify(
    exc: BaseException,
    operation: Operation,
    *,
    secrets: Sequence[str | Secret] = (),
    retry_after_s: float | None = None,
    status: int | None = None,
    sent: bool | None = None,
) -> VenueError:
    """The venue error to raise for ``exc`` raised by a ccxt call doing ``operation``.

    ``retry_after_s`` and ``status`` come from the response (Retry-After header, HTTP status) when
    the caller has them; ``secrets`` are scrubbed from the reason; ``sent=False`` says the request
    certainly never left (see the module docstring).
    """
    if isinstance(exc, VenueError):
        return exc
    ce = _ccxt_errors()

    reason = _reason(exc, secrets)
    chain = list(_chain(exc))
    if any(_never_connected(link) for link in chain):
        return TransientError(f"not sent (no connection): {reason}")

    if isinstance(exc, (ce.RateLimitExceeded, ce.DDoSProtection)):
        if status == BAN_STATUS:
            wait = BAN_DEFAULT_RETRY_S if retry_after_s is None else retry_after_s
            return VenueBanned(f"IP banned by the venue (HTTP 418): {reason}", wait)
        return RateLimited(reason, DEFAULT_RETRY_S if retry_after_s is None else retry_after_s)
    if isinstance(exc, ce.InvalidNonce) and not isinstance(exc, ce.ChecksumError):
        return ClockSkew(f"clock out of sync with the venue: {reason}")

    if _uncertain(exc, chain, operation):
        if operation is Operation.READ:
            return TransientError(reason)
        if sent is False:
            return TransientError(f"not sent: {reason}")
        return AmbiguousOutcome(f"outcome unknown: {reason}")

    # what remains are the venue's (or ccxt's own) definitive answers
    if isinstance(exc, ce.OrderNotFound) and operation is not Operation.CREATE:
        return OrderNotFound(reason)
    if isinstance(exc, ce.AuthenticationError):
        why = f"API key refused ({type(exc).__name__}): {reason}"
        return VenueError(why) if operation is Operation.READ else OrderRejected(why)
    if operation is Operation.READ:
        return VenueError(reason)
    if isinstance(exc, ce.InsufficientFunds) and operation is Operation.CREATE:
        return InsufficientFunds(reason)
    return OrderRejected(reason)


def _uncertain(exc: BaseException, chain: list[BaseException], operation: Operation) -> bool:
    """True when the request may have reached the venue without our knowing what it did."""
    ce = _ccxt_errors()

    if isinstance(exc, (ce.NetworkError, ce.OperationFailed, ce.ExchangeClosedByUser)):
        return True  # timeouts, 5xx, maintenance, bad or empty responses, a closed socket
    if not isinstance(exc, ce.BaseError):
        # outside ccxt's taxonomy: a caller's deadline, a parse error, a dropped socket
        return operation is not Operation.READ or isinstance(exc, (TimeoutError, OSError))
    if any(_is_transport(link) for link in chain[1:]):
        return True  # ccxt wrapped a transport failure as a plain ExchangeError
    if type(exc) in (ce.ExchangeError, ce.BaseError):
        return True  # an error code ccxt does not map: the venue may have acted
    return operation is Operation.CREATE and isinstance(
        exc, (ce.OrderNotFound, ce.DuplicateOrderId, ce.OrderNotCached)
    )


def _ccxt_errors() -> Any:
    """``ccxt.base.errors``, imported on first use: importing any ccxt module runs ``ccxt``'s
    ``__init__``, which loads every exchange class (~0.5 s). (``import ccxt.base.errors as x``
    fails: ccxt rebinds ``ccxt.base`` to a list of exchange ids.)"""
    return importlib.import_module("ccxt.base.errors")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and its causes (or, where none was given, the exception being handled)."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)


def _never_connected(exc: BaseException) -> bool:
    import socket

    import aiohttp

    return isinstance(
        exc,
        (
            aiohttp.ClientConnectorError,  # refused, unreachable, DNS, TLS handshake
            aiohttp.ConnectionTimeoutError,  # timed out while connecting
            ConnectionRefusedError,
            socket.gaierror,
        ),
    )


def _is_transport(exc: BaseException) -> bool:
    import aiohttp

    return isinstance(exc, (aiohttp.ClientError, TimeoutError, OSError))


def _reason(exc: BaseException, secrets: Sequence[str | Secret]) -> str:
    """The exception's own text (the venue's message in it), without secrets or query strings
    (signatures, keys some venues put there), on one line of at most ``REASON_MAX`` chars."""
    text = str(exc) or type(exc).__name__
    text = scrub(text, secrets)  # before cutting: half a secret would survive a cut
    text = _URL_QUERY.sub(r"\1", text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > REASON_MAX:
        text = text[: REASON_MAX - 1] + "…"
    return text
