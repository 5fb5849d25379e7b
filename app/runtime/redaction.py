"""Every secret the process has loaded, and a logging filter that blanks them out of records.

Keys are registered as they are entered or loaded; the filter then rewrites any record that
contains one — its message and arguments, its exception text and its stack — before a handler
formats it. It is a second line of defence: code never logs a secret on purpose.

Logger filters do not see records that propagate from child loggers, so the filter is installed
on every handler (``install(handler)``) as well as on the root logger (``app.runtime.logs`` does
both for the handlers it makes; any later handler, such as the window's log panel, must call
``install`` too).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

from app.core.secrets import MIN_SCRUB_LENGTH, REDACTED, KeyMaterial, Secret

Item = Secret | KeyMaterial | str | None


class SecretRegistry:
    """The set of secret values to redact; thread-safe, cheap when empty."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, *items: Item) -> None:
        values = set(_values(items))
        with self._lock:
            if values <= self._values:
                return
            self._values |= values
            alternatives = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in alternatives))

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._pattern = None

    def redact(self, text: str) -> str:
        pattern = self._pattern
        return text if pattern is None else pattern.sub(REDACTED, text)

    def __len__(self) -> int:
        return len(self._values)

    def __bool__(self) -> bool:
        return self._pattern is not None


def _values(items: Iterable[Item]) -> Iterable[str]:
    for item in items:
        if isinstance(item, KeyMaterial):
            yield from _values(item.secrets())
        elif isinstance(item, Secret):
            value = item.reveal()
            if len(value) >= MIN_SCRUB_LENGTH:
                yield value
        elif isinstance(item, str) and len(item) >= MIN_SCRUB_LENGTH:
            yield item


class RedactionFilter(logging.Filter):
    """Rewrites a record in place; never drops one."""

    def __init__(self, registry: SecretRegistry) -> None:
        super().__init__("arbdesk.redaction")
        self._registry = registry

    def filter(self, record: logging.LogRecord) -> bool:
        registry = self._registry
        if not registry:
            return True
        try:
            message = record.getMessage()
        except Exception:  # bad %-args: the raw parts still must not leak
            message = f"{record.msg} {record.args}"
        cleaned = registry.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = registry.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = registry.redact(record.stack_info)
        return True


REGISTRY = SecretRegistry()
FILTER = RedactionFilter(REGISTRY)


def register(*items: Item) -> None:
    """Redact these values from every log record from now on."""
    REGISTRY.add(*items)


def redact(text: str) -> str:
    """``text`` with every registered secret blanked: for messages shown or printed."""
    return REGISTRY.redact(text)


def install(target: logging.Logger | logging.Handler) -> None:
    """Add the filter to a logger or handler, once."""
    if FILTER not in target.filters:
        target.addFilter(FILTER)
