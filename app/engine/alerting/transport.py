"""One delivery over HTTP with aiohttp: retried with backoff and jitter on 5xx, 429, timeouts
and connection errors, never on another 4xx or a service's own "not delivered" answer.

Errors are reported as text with every secret of the request scrubbed out (a bot token is part
of Telegram's URL, and aiohttp names the URL in its errors).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable

import aiohttp

from app.core.backoff import Backoff
from app.core.secrets import Secret, scrub
from app.engine.alerting.channels import Request, delivered
from app.engine.alerting.model import DeliveryResult

DELIVERY_BACKOFF = Backoff(1.0, max_s=30.0)


class _Retry(Exception):
    def __init__(self, status: int | None, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


async def deliver(
    channel: str,
    kind: str,
    request: Request,
    *,
    secrets: Iterable[Secret],
    timeout_s: float,
    retries: int,
    backoff: Backoff = DELIVERY_BACKOFF,
    rng: random.Random | None = None,
) -> DeliveryResult:
    """POST ``request``; at most ``retries`` more attempts after the first."""
    hidden = list(secrets)
    delays = backoff.delays(rng)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    attempts = 0
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            attempts += 1
            try:
                status, error = await _post_once(session, kind, request)
            except _Retry as retry:
                if attempts > retries:
                    return DeliveryResult(
                        channel, False, attempts, retry.status, scrub(retry.error, hidden)
                    )
                await asyncio.sleep(next(delays))
                continue
            return DeliveryResult(channel, not error, attempts, status, scrub(error, hidden))


async def _post_once(
    session: aiohttp.ClientSession, kind: str, request: Request
) -> tuple[int, str]:
    """(status, error): error empty when delivered; ``_Retry`` when worth another try."""
    try:
        async with session.post(
            request.url, data=request.body, params=dict(request.params), headers=request.headers
        ) as response:
            status = response.status
            if status >= 500 or status == 429:
                raise _Retry(status, f"HTTP {status}")
            if status >= 400:
                return status, f"HTTP {status}: {(await response.text())[:200]}"
            try:
                answer = await response.json(content_type=None)
            except ValueError:
                answer = None
            return status, delivered(kind, answer)
    except TimeoutError:
        raise _Retry(None, "timed out") from None
    except aiohttp.ClientError as exc:
        raise _Retry(None, f"{type(exc).__name__}: {exc}") from None
