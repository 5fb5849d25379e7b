"""The logging filter blanks every registered secret: message, arguments, exception, stack."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.secrets import KeyMaterial, Secret
from app.runtime import redaction
from app.runtime.logs import configure_logging
from app.runtime.redaction import RedactionFilter, SecretRegistry

KEY = "APIKEY-1234567890-abcd"
SECRET = "SECRET-0987654321-zyxw"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    redaction.install(handler)
    logger = logging.getLogger("arbdesk.test.redaction.child")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    redaction.register(KeyMaterial(Secret(KEY), Secret(SECRET)))
    yield logger, stream
    logger.removeHandler(handler)


def test_message_and_arguments(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    logger.info(f"inline {SECRET}")
    logger.info("args %s and %r", KEY, {"secret": SECRET})
    logger.warning("url https://x/?apiKey=%s&sig=%s", KEY, SECRET)
    text = stream.getvalue()
    assert KEY not in text and SECRET not in text
    assert text.count("[REDACTED]") == 5
    assert "url https://x/?apiKey=[REDACTED]&sig=[REDACTED]" in text


def test_exception_text_and_stack(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    try:
        raise RuntimeError(f"exchange refused key {KEY} with secret {SECRET}")
    except RuntimeError:
        logger.exception("check failed")
    logger.info("here", stack_info=True)
    text = stream.getvalue()
    assert "RuntimeError: exchange refused key [REDACTED] with secret [REDACTED]" in text
    assert KEY not in text and SECRET not in text


def test_bad_format_arguments_still_redacted(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    logger.info("two %s %s", SECRET)  # one argument short
    assert SECRET not in stream.getvalue()


def test_filter_on_a_handler_sees_child_logger_records(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """configure_logging puts the filter on its handlers, so records of any module are clean."""
    redaction.register(SECRET)
    path = configure_logging("INFO", tmp_path)
    assert path is not None
    try:
        logging.getLogger("app.venues.somewhere").info("sent %s", SECRET)
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = path.read_text()
        assert "sent [REDACTED]" in text and SECRET not in text
        assert redaction.FILTER in logging.getLogger().filters
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "_arbdesk", False):
                root.removeHandler(handler)
                handler.close()


def test_registry_ignores_tiny_values_and_prefers_the_longest() -> None:
    registry = SecretRegistry()
    registry.add("12", None, Secret("abcd"), "abcdefgh")
    assert len(registry) == 2
    assert registry.redact("x abcdefgh y abcd 12") == "x [REDACTED] y [REDACTED] 12"
    registry.clear()
    assert not registry and registry.redact("abcd") == "abcd"


def test_filter_never_drops_a_record() -> None:
    record = logging.LogRecord("n", logging.INFO, "p", 1, "plain", None, None)
    assert RedactionFilter(SecretRegistry()).filter(record)
    registry = SecretRegistry()
    registry.add("plainvalue")
    record = logging.LogRecord("n", logging.INFO, "p", 1, "a plainvalue", None, None)
    assert RedactionFilter(registry).filter(record)
    assert record.getMessage() == "a [REDACTED]"


def test_protect_gives_any_handler_the_filter() -> None:
    from app.runtime.logs import protect

    records: list[logging.LogRecord] = []

    class Panel(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("arbdesk.test.panel")
    logger.addHandler(protect(Panel()))
    logger.setLevel(logging.INFO)
    redaction.register(SECRET)
    try:
        logger.info("key %s", SECRET)
    finally:
        logger.handlers.clear()
    assert records[0].getMessage() == "key [REDACTED]"
