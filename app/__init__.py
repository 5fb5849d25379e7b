"""ArbDesk: a desktop terminal for crypto arbitrage and spread trading."""

__version__ = "0.1.0"
