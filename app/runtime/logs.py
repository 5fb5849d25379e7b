"""Logging, configured once at start: a rotating file in the platform's log folder, and stderr.

Every handler made here, and the root logger, carry the secrets redaction filter
(``app.runtime.redaction``): a loaded API key never reaches a log line.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app.runtime import redaction

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Libraries whose verbose output is every request, header or statement, with the quietest level
# they may log at: a DEBUG log of ArbDesk must stay readable (and small). SQLAlchemy logs each
# statement and its parameters at INFO, so it stays at WARNING, its own default.
CHATTY = {
    "ccxt": logging.INFO,
    "aiohttp": logging.INFO,
    "asyncio": logging.INFO,
    "urllib3": logging.INFO,
    "websockets": logging.INFO,
    "alembic": logging.INFO,
    "sqlalchemy": logging.WARNING,
}


def protect(handler: logging.Handler) -> logging.Handler:
    """Give a handler made elsewhere (the window's log panel) the secrets redaction filter."""
    redaction.install(handler)
    return handler


def configure_logging(level: str, log_dir: Path | None, *, console: bool = True) -> Path | None:
    """Returns the log file's path, or None when the folder cannot be written (logged once)."""
    root = logging.getLogger()
    root.setLevel(level)
    for name, quietest in CHATTY.items():
        logging.getLogger(name).setLevel(max(quietest, root.level))
    redaction.install(root)
    for handler in list(root.handlers):
        if getattr(handler, "_arbdesk", False):
            root.removeHandler(handler)
            handler.close()
    formatter = logging.Formatter(FORMAT)
    handlers: list[logging.Handler] = []
    if console:
        handlers.append(logging.StreamHandler())
    path: Path | None = None
    problem = ""
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            path = log_dir / "arbdesk.log"
            handlers.append(
                logging.handlers.RotatingFileHandler(
                    path, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
                )
            )
        except OSError as exc:
            problem = f"cannot write logs to {log_dir}: {exc.strerror or exc}"
            path = None
    for handler in handlers:
        handler.setFormatter(formatter)
        redaction.install(handler)
        handler._arbdesk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    if problem:
        logging.getLogger(__name__).warning(problem)
    return path
