"""The error of a live market that cannot be built, apart from the builder so that a command can
name it without importing ccxt."""

from __future__ import annotations


class LiveSetupError(RuntimeError):
    """The live market cannot be built; the message says what to change."""
