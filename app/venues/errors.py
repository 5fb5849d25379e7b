"""How a venue request can fail, sorted by what the caller may do next (DESIGN.md)."""

from __future__ import annotations


class VenueError(Exception):
    """Base of every venue failure."""


class OrderRejected(VenueError):
    """Definitive: the venue refused the order. Never retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InsufficientFunds(OrderRejected):
    """The account cannot pay for the order (balance or margin)."""


class OrderNotFound(VenueError):
    """The venue does not know this client order id."""


class AmbiguousOutcome(VenueError):
    """The request may have reached the venue (timeout, disconnect, 5xx).

    The order becomes UNKNOWN and is settled by asking the venue, never by sending it again.
    """


class TransientError(VenueError):
    """Safe to retry with backoff: the request was not sent, or it only reads."""


class RateLimited(TransientError):
    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class VenueBanned(RateLimited):
    """HTTP 418: the venue banned this IP for every REST call until ``retry_after_s`` has passed."""


class ClockSkew(TransientError):
    """The venue refused the request's timestamp (Binance -1021): re-sync the clock, then retry."""
