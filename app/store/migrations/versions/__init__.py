"""Revisions, oldest first: 0001 (journal, portfolio, audit, settings), 0002 (time series)."""
